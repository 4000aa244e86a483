"""Evidence reports (佐证材料): the counts and the roster in the layout of the seed's own roster
page — 序号/姓名 in four column pairs, thirty to a column, numbered down the columns — in the
PDF (read back with pdftotext) and in Excel (reopened with calamine)."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import missing_tool
from xbank.catalog.models import CertificateType
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import MajorFactory
from xbank.reports.exports import roster_blocks
from xbank.reports.figures import evidence
from xbank.reports.models import Metric
from xbank.testing.world import build_report_world

from . import factories as f

SURNAMES = "甘韩江孔龙梅聂欧潘秦"
GIVEN = "安宁晨晖佳静岚露"


def synthetic_names(n: int) -> list[str]:
    """Distinct three-character names, never a name of the seed's roster."""
    names = [s + a + b for s in SURNAMES for a in GIVEN for b in GIVEN if a != b]
    return names[:n]


def test_the_roster_is_numbered_down_four_column_pairs_of_thirty():
    names = [f"N{i}" for i in range(1, 120)]  # 119, as on the seed's page
    (block,) = roster_blocks(names)
    assert len(block) == 30
    assert block[0] == [(1, "N1"), (31, "N31"), (61, "N61"), (91, "N91")]
    assert block[29] == [(30, "N30"), (60, "N60"), (90, "N90"), None]
    # A short list fills the first column pair down before the next.
    (short,) = roster_blocks(names[:40])
    assert len(short) == 30
    assert short[0] == [(1, "N1"), (31, "N31"), None, None]
    assert short[10] == [(11, "N11"), None, None, None]
    # More than 120 starts a second block, numbered on.
    first, second = roster_blocks([f"N{i}" for i in range(1, 126)])
    assert second == [[(121 + r, f"N{121 + r}"), None, None, None] for r in range(5)]
    assert roster_blocks([]) == []


@pytest.fixture
def holders(db):
    """125 students of one major holding the 2024 老年照护 certificate (numbered in roster
    order), and 30 holding 育婴员."""
    major = MajorFactory(name="护理")
    x = CertificateTypeFactory(name="老年照护职业技能等级证书")
    q = CertificateTypeFactory(
        name="育婴员", kind=CertificateType.Kind.QUALIFICATION, evaluation_org=None,
        issuer_name="广东省人力资源和社会保障厅", levels=["grade4"],
    )  # fmt: skip
    names = synthetic_names(155)
    for i, name in enumerate(names[:125], start=1):
        f.held(student(major=major, name=name), x, number=f"LNZH-2024-{i:05d}")
    for i, name in enumerate(names[125:], start=1):
        f.held(student(major=major, name=name), q, number=f"YYY-2024-{i:05d}")
    from xbank.accounts.models import Role
    from xbank.accounts.tests.factories import user_with_role

    user = user_with_role(Role.ACADEMIC_AFFAIRS, institution=major.institution)
    return user, x, q, names


def pdf_text(content: bytes) -> str:
    try:
        out = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        )
    except FileNotFoundError:
        missing_tool("pdftotext (apt-get install poppler-utils)")
    return out.stdout.decode()


def test_the_pdf_reads_row_by_row_in_the_seeds_layout(client, holders):
    user, x, q, names = holders
    client.force_login(user)
    url = reverse("reports:evidence") + f"?year=2024&metric=certificates&certificate={x.pk}"
    response = client.get(url + "&export=pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "2024 年 1+X 证书 1 个项目获证人数佐证" in text
    assert "老年照护职业技能等级证书（125 人）" in text
    for r in range(30):
        row = r"\s+".join(
            f"{n} {names[n - 1]}".replace(" ", r"\s+") for n in (r + 1, r + 31, r + 61, r + 91)
        )
        assert re.search(row, text), f"row {r + 1}"
    # The second block: 121..125 down the first column pair.
    assert re.search(r"121\s+" + names[120] + r"\s*\n\s*122\s+" + names[121], text)
    # The fonts are embedded (the reader needs no Chinese font).
    fonts = subprocess.run(["pdffonts", "-"], input=response.content, capture_output=True)
    if fonts.returncode == 0:
        assert all(line.split()[-5] == "yes" for line in fonts.stdout.decode().splitlines()[2:])


def test_the_excel_file_reopens_with_the_same_counts(client, holders):
    user, x, q, names = holders
    client.force_login(user)
    url = reverse("reports:evidence") + f"?year=2024&metric=certificates&certificate={x.pk}"
    response = client.get(url + f"&certificate={q.pk}&export=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["佐证材料", "人数", "名单"]
    counts = book.get_sheet_by_name("人数").to_python()
    assert counts[2:] == [[x.name, 125.0], [q.name, 30.0], ["合计", 155.0]]
    listed = book.get_sheet_by_name("名单").to_python()[1:]
    assert [row[2] for row in listed] == names
    layout = book.get_sheet_by_name("佐证材料").to_python()
    assert layout[0][0] == "2024 年 2 个证书项目获证人数佐证"
    header = ["序号", "姓名"] * 4
    first = next(i for i, row in enumerate(layout) if row == header)
    assert layout[first + 1] == [1.0, names[0], 31.0, names[30], 61.0, names[60], 91.0, names[90]]
    # Every name appears once in the four-pair layout, numbered 1..n in each section.
    numbered = [
        (row[c], row[c + 1])
        for row in layout
        for c in range(0, 8, 2)
        if isinstance(row[c], float) and row[c + 1]
    ]
    assert len(numbered) == 155
    assert sorted(n for n, _name in numbered[:125]) == [float(i) for i in range(1, 126)]


@pytest.mark.django_db
def test_an_exam_roster_counts_candidates_as_the_seed_words_it(client):
    rw = build_report_world()
    user = rw.users["academic_affairs_a"]
    report = evidence.evidence_get(
        user=user, year=2024, metric=Metric.CANDIDATES, certificate_ids=[rw.x.pk]
    )
    (section,) = report.sections
    assert report.title == "2024 年 1+X 证书 1 个项目考试人数佐证"
    # Seven candidates, one of them a member of the public: "名考生", not "名学生".
    assert section.line == f"1+X {rw.x.name.removesuffix('职业技能等级证书')}证书 7 名考生考试"
    assert section.count == 7 == len(section.names)
    staff = rw.users["school_staff_a1"]
    (own,) = evidence.evidence_get(
        user=staff, year=2024, metric=Metric.CANDIDATES, certificate_ids=[rw.x.pk]
    ).sections
    assert own.line.endswith("5 名学生考试")
    assert set(own.names) == {p.account.name for p in rw.a1}


@pytest.mark.django_db
def test_the_evidence_page_offers_the_certificates_of_the_year(client):
    rw = build_report_world()
    client.force_login(rw.users["academic_affairs_a"])
    html = client.get(reverse("reports:evidence") + "?year=2024&metric=candidates").content
    html = html.decode()
    assert f'name="certificate" value="{rw.x.pk}"' in html
    assert 'data-count="7"' in html
    assert 'id="evidence-pdf"' in html
    nothing = client.get(reverse("reports:evidence") + "?year=2019&metric=training").content
    assert "该年度没有符合条件的记录" in nothing.decode()
    # The list of a figure offers its evidence report.
    records = client.get(
        reverse("reports:records", kwargs={"metric": "candidates"})
        + f"?year=2024&certificate_type={rw.x.pk}"
    ).content.decode()
    assert (
        f"/reports/evidence/?year=2024&amp;metric=candidates&amp;certificate={rw.x.pk}" in records
    )


def test_titles_follow_the_certificates_chosen():
    x = CertificateType(name="老年照护职业技能等级证书", kind="skill_level")
    q = CertificateType(name="育婴员", kind="qualification")
    sections = [evidence.EvidenceSection(x, ["甲"], True), evidence.EvidenceSection(q, [], True)]
    assert evidence._evidence_title(2024, Metric.CANDIDATES, sections[:1]) == (
        "2024 年 1+X 证书 1 个项目考试人数佐证"
    )
    assert evidence._evidence_title(2024, Metric.TRAINING, sections) == (
        "2024 年 2 个证书项目培训人次佐证"
    )
    assert evidence.short_name(x) == "1+X 老年照护证书"
    assert evidence.short_name(q) == "育婴员"
