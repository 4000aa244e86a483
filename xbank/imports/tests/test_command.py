"""python manage.py import_excel: prints each bad row, exits 1 and writes nothing; prints counts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xbank.audit.models import AuditEntry
from xbank.core.identity import ERR_EXCEL_NUMBER
from xbank.imports.management.commands.import_excel import ERR_INSTITUTION_REQUIRED
from xbank.imports.models import ImportBatch
from xbank.learners.models import Learner, LearningAccount
from xbank.orgs.tests.factories import InstitutionFactory

from .helpers import fake_name, new_id, new_numeric_id, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "学号", "专业代码", "年级"]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_excel", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_and_counted(tmp_path, college, nursing, registrar):
    path = tmp_path / "新生名单.xlsx"
    path.write_bytes(
        xlsx(HEADER, [[fake_name(), new_id(), f"S{i}", "520201", 2024] for i in range(3)])
    )
    out, err = run("learners", str(path), "--user", registrar.username)
    assert err == ""
    assert "新增 3 条" in out and "created=3 updated=0 unchanged=0 rows=3" in out
    assert Learner.objects.count() == 3
    entry = AuditEntry.objects.get(action="imports.batch.committed")
    assert entry.actor == registrar and entry.data["file_name"] == "新生名单.xlsx"

    out, _ = run("learners", str(path))
    assert "与系统中已有数据完全一致，未做任何更改" in out


def test_a_bad_row_exits_non_zero_prints_the_row_and_writes_nothing(tmp_path, college, nursing):
    number = new_numeric_id()
    path = tmp_path / "名单.xlsx"
    path.write_bytes(
        xlsx(
            HEADER,
            [
                [fake_name(), new_id(), "S1", "520201", 2024],
                [fake_name(), float(number), "S2", "520201", 2024],
            ],
        )
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_excel", "learners", str(path), stdout=out, stderr=err)
    assert exc.value.returncode == 1
    shown = f"{float(number):.5E}"
    assert err.getvalue().splitlines() == [
        "第 4 行，列「身份证号」：" + ERR_EXCEL_NUMBER.format(shown=shown)
    ]
    assert "没有导入任何数据" in str(exc.value)
    assert LearningAccount.objects.count() == 0


def test_a_dry_run_checks_and_writes_nothing_at_all(tmp_path, college, nursing):
    path = tmp_path / "名单.csv"
    path.write_bytes(
        f"姓名,身份证号,学号,专业代码,年级\r\n{fake_name()},{new_id()},S1,520201,2024\r\n".encode(
            "gbk"
        )
    )
    out, err = run("learners", str(path), "--dry-run", "--institution", college.code)
    assert "试运行通过" in out and "将新增 1 条" in out
    assert ImportBatch.objects.count() == 0 and LearningAccount.objects.count() == 0


def test_the_institution_is_required_when_there_are_several(tmp_path, college):
    InstitutionFactory()
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx(HEADER, [[fake_name(), new_id(), "S1", "520201", 2024]]))
    with pytest.raises(CommandError, match=ERR_INSTITUTION_REQUIRED):
        run("learners", str(path))
