"""Hostile files (``hostile.py``) through both ways in, the command line and the upload page:
each is refused in Chinese, within 5 s, with no traceback and nothing written; the two large ones
also within 300 MB of memory, measured in a separate process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from xbank.imports.models import ImportBatch
from xbank.learners.models import Learner, LearningAccount, LearningOutcome

from . import hostile
from .helpers import fake_name, new_id

pytestmark = pytest.mark.django_db

# The messages as a user reads them, written out here rather than taken from the code.
DAMAGED = "无法读取文件，请确认它是有效的 Excel 文件（文件已损坏或不完整，请重新保存后再导入）"
NOT_SPREADSHEET = (
    "无法读取文件，请确认它是有效的 Excel 文件（文件内容不是 Excel 表格，可能只是改了扩展名）"
)
SMALL_CASES = {
    "empty": (hostile.empty, "文件是空的"),
    "truncated": (hostile.truncated, DAMAGED),
    "png_named_xlsx": (hostile.png_named_xlsx, NOT_SPREADSHEET),
    "text_named_xlsx": (hostile.text_named_xlsx, NOT_SPREADSHEET),
    # quick-xml refuses the DOCTYPE's entities instead of expanding them: an unreadable file
    "billion_laughs": (
        hostile.billion_laughs,
        "无法读取文件，请确认它是有效的 Excel 文件（XmlError）",
    ),
    "nested_zip": (hostile.nested_zip, "文件中嵌有压缩包，请删除嵌入的对象或另存后再导入"),
    "wide_columns": (hostile.wide_columns, "工作表超过 1000 列，请删除多余的列后再导入"),
    "far_cell": (
        hostile.far_cell,
        "工作表的单元格区域超过 2,000,000 个单元格（行数 × 列数），请删除多余的行列或拆分后再导入",
    ),
    "huge_cell": (hostile.huge_cell, "有单元格的内容超过 32767 个字符，请检查后再导入"),
    "password": (hostile.password_protected, "文件有密码保护，请去掉密码后再导入"),
}
BOMB_MESSAGE = "文件中有一个部分解压后超过 100 MB，请拆分后再导入"
ROWS_MESSAGE = "工作表超过 200,000 行，请拆分后再导入"
BIG_MESSAGES = {"zip_bomb": BOMB_MESSAGE, "million_rows": ROWS_MESSAGE, "lying_sizes": DAMAGED}


@pytest.fixture(scope="session")
def big_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {
        "zip_bomb": hostile.zip_bomb(folder / "炸弹.xlsx"),
        "million_rows": hostile.million_rows(folder / "百万行.xlsx"),
        # 20 MB of sheet that its headers say is 1,000 bytes: past every size check on paper
        "lying_sizes": hostile.zip_bomb(folder / "谎报.xlsx", 20 << 20, declared_bytes=1000),
    }


def _file(case: str, big_files, tmp_path) -> tuple[Path, str]:
    if case in SMALL_CASES:
        builder, message = SMALL_CASES[case]
        name, content = builder()
        path = tmp_path / name
        path.write_bytes(content)
        return path, message
    return big_files[case], BIG_MESSAGES[case]


def _written() -> tuple[int, int, int]:
    return Learner.objects.count(), LearningAccount.objects.count(), LearningOutcome.objects.count()


ALL_CASES = [*SMALL_CASES, *BIG_MESSAGES]


@pytest.mark.parametrize("case", ALL_CASES)
def test_the_command_refuses_a_hostile_file_in_chinese(case, big_files, tmp_path, college):
    path, message = _file(case, big_files, tmp_path)
    out, err = StringIO(), StringIO()
    started = time.monotonic()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_excel",
            "learners",
            str(path),
            "--dry-run",
            "--institution",
            college.code,
            stdout=out,
            stderr=err,
        )
    assert time.monotonic() - started < 5
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert exc.value.returncode == 1
    assert _written() == (0, 0, 0)
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c != "empty"])
def test_the_upload_page_refuses_a_hostile_file_in_chinese(
    case, big_files, tmp_path, client, college, registrar, django_capture_on_commit_callbacks
):
    path, message = _file(case, big_files, tmp_path)
    client.force_login(registrar)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # a large file is read by a task
        response = client.post(
            reverse("imports:batch-new", args=["learners"]),
            {"institution": college.pk, "file": SimpleUploadedFile(path.name, path.read_bytes())},
        )
    page = client.get(response["Location"]).content.decode()
    assert time.monotonic() - started < 5
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["message"] == message
    assert message in page and "Traceback" not in page
    assert _written() == (0, 0, 0)


def test_an_empty_upload_is_refused_by_the_form(client, college, registrar):
    client.force_login(registrar)
    response = client.post(
        reverse("imports:batch-new", args=["learners"]),
        {"institution": college.pk, "file": SimpleUploadedFile("空文件.xlsx", b"")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["所提交的是空文件。"]}  # Django's own
    assert "所提交的是空文件。" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_workbook_with_macros_is_read_as_data_and_its_macros_never_run(
    tmp_path, college, nursing
):
    name, content = hostile.with_macros([[fake_name(), new_id(), "S1", "520201", "2024"]])
    path = tmp_path / name
    path.write_bytes(content)
    out = StringIO()
    call_command(
        "import_excel",
        "learners",
        str(path),
        "--dry-run",
        "--institution",
        college.code,
        stdout=out,
    )
    assert "试运行通过（未写入任何数据）：共 1 行，将新增 1 条" in out.getvalue()
    assert _written() == (0, 0, 0)


# The reading the command does (``file.read_bytes()`` then ``pipeline.load_table``, which the
# upload's task calls too), in a fresh process so that its peak memory is its own.
_MEASURE = """
import json, os, sys, time
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xbank.settings")
import django
django.setup()
from xbank.imports import pipeline
def peak_kib():
    # VmHWM, the peak of this process's own memory. Not getrusage's ru_maxrss: Linux keeps that
    # across fork and exec, so it would report the pytest worker that started this process.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
started = time.monotonic()
report = pipeline.Report()
content = Path(sys.argv[1]).read_bytes()
table = pipeline.load_table(pipeline.spec_for("learners"), content, Path(sys.argv[1]).name, report)
print(json.dumps({"table": table is not None, "errors": [e["message"] for e in report.errors],
                  "seconds": time.monotonic() - started,
                  "peak_kib": peak_kib()}))
"""


@pytest.mark.parametrize("case", ["zip_bomb", "million_rows"])
def test_a_large_hostile_file_is_refused_within_300_mb(case, big_files):
    path = big_files[case]
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["table"] is False
    assert answer["errors"] == [BOMB_MESSAGE if case == "zip_bomb" else ROWS_MESSAGE]
    assert answer["seconds"] < 5
    # The child's own peak (RUSAGE_CHILDREN would also count every earlier child of pytest).
    assert answer["peak_kib"] < 300 * 1024, f"peak {answer['peak_kib'] / 1024:.0f} MB"
    assert "Traceback" not in result.stderr


def test_a_limit_set_in_the_settings_is_the_one_applied_and_named(tmp_path, college, settings):
    settings.XBANK_IMPORT_LIMITS = {"max_rows": 3}
    path = tmp_path / "名单.xlsx"
    path.write_bytes(
        hostile.xlsx(
            hostile.HEADER, [[fake_name(), new_id(), f"S{i}", "520201", 2024] for i in range(3)]
        )
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_excel",
            "learners",
            str(path),
            "--dry-run",
            "--institution",
            college.code,
            stderr=err,
        )
    assert "工作表超过 3 行，请拆分后再导入" in err.getvalue()  # title, header and 3 rows: 5


def _with_compression_method(method: int) -> bytes:
    """A small valid workbook whose entries then claim a compression method zipfile lacks
    (the two-byte method field of each local header, at offset 8, and central header, 10)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            data[found + offset : found + offset + 2] = method.to_bytes(2, "little")
            start = found + 4
    return bytes(data)


def test_an_entry_in_an_unknown_compression_is_refused_as_damaged():
    from xbank.imports import guard

    with pytest.raises(ValidationError) as refused:
        guard.check_spreadsheet(_with_compression_method(99))
    assert refused.value.messages == [DAMAGED]
