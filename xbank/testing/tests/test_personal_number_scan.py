"""The access matrix's scan of every 200 answer for personal numbers in clear (issue 9).

Expected values are hand-picked: GB 11643's own example number 11010519491231002X (check digit
X), the same number with a wrong check digit, and mobile numbers masked or not.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from xbank.testing import matrix
from xbank.testing.matrix import personal_numbers, statuses
from xbank.testing.world import build_world

GB_EXAMPLE = "11010519491231002X"  # the standard's worked example


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"<td>{GB_EXAMPLE}</td>", ["ID 110105…002X"]),
        (f"<td>{GB_EXAMPLE.lower()}</td>", ["ID 110105…002x"]),
        ("<td>110105194912310021</td>", []),  # wrong check digit
        ("<td>110105********002X</td>", []),  # masked
        (f"code={GB_EXAMPLE}0", []),  # inside a longer run: not a number on its own
        ("电话 13800138000。", ["mobile 138…8000"]),
        ("电话 138****8000", []),
        ("12345678901", []),  # no mobile starts with 12
        ("9138001380001", []),
    ],
)
def test_it_finds_valid_id_numbers_and_whole_mobiles_only(text, found):
    assert personal_numbers(text.encode()) == found


def test_it_reads_inside_an_excel_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", f"<si><t>{GB_EXAMPLE}</t></si>")
    assert personal_numbers(buffer.getvalue()) == ["ID 110105…002X"]


@pytest.mark.django_db
def test_a_page_showing_a_full_number_fails_the_matrix_unless_exempted(client, monkeypatch):
    """The unmasked view is the one page allowed a full number; without its exemption the
    matrix fails on it, naming the URL and the role."""
    world = build_world()
    url = reverse("learners:learner-reveal-id", kwargs={"pk": world.alice.pk})
    reveal = lambda c: c.post(url)  # noqa: E731
    assert statuses(client, world.users, ["academic_affairs_a"], reveal) == {
        "academic_affairs_a": 200
    }
    monkeypatch.setattr(matrix, "FULL_ID_PAGES", {})
    with pytest.raises(
        AssertionError, match=r"learners:learner-reveal-id\) shows academic_affairs_a"
    ):
        statuses(client, world.users, ["academic_affairs_a"], reveal)
