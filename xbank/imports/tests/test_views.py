"""Import pages: upload → preview → commit with the test client; who sees which batch; the
progress partial; the background path with the immediate task backend."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.core.xlsx import XLSX_CONTENT_TYPE
from xbank.imports import services
from xbank.imports.models import ImportBatch
from xbank.learners.models import Learner

from .helpers import fake_name, new_id, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "学号", "专业代码", "年级"]


def roster(n=3) -> bytes:
    return xlsx(HEADER, [[fake_name(), new_id(), f"S{i}", "520201", 2024] for i in range(n)])


def post_upload(client, college, content=None, kind="learners"):
    return client.post(
        reverse("imports:batch-new", args=[kind]),
        {
            "institution": college.pk,
            "file": SimpleUploadedFile("新生名单.xlsx", content or roster()),
        },
    )


def test_upload_preview_and_commit(client, college, nursing, registrar):
    client.force_login(registrar)
    page = client.get(reverse("imports:batch-new", args=["learners"]))
    assert page.status_code == 200
    assert reverse("imports:template", args=["learners"]) in page.content.decode()

    response = post_upload(client, college)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:batch-detail", args=[batch.code])
    preview = client.get(response["Location"]).content.decode()
    assert "确认导入" in preview and "待确认导入" in preview
    assert Learner.objects.count() == 0

    response = client.post(reverse("imports:batch-commit", args=[batch.code]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Learner.objects.count() == 3
    page = client.get(reverse("imports:batch-detail", args=[batch.code])).content.decode()
    assert "导入完成" in page and "确认导入" not in page

    # A second click changes nothing and says why.
    client.post(reverse("imports:batch-commit", args=[batch.code]))
    assert Learner.objects.count() == 3


def test_the_preview_lists_each_problem_by_row_and_column(client, college, nursing, registrar):
    client.force_login(registrar)
    bad = xlsx(
        HEADER,
        [
            [fake_name(), new_id(), "S1", "520201", 2024],
            [fake_name(), "12345", "S2", "520201", 2024],
        ],
    )
    response = post_upload(client, college, bad)
    page = client.get(response["Location"]).content.decode()
    assert "有错误" in page and "确认导入" not in page
    assert "第 4 行" in page and "身份证号" in page and "应为 18 位" in page
    batch = ImportBatch.objects.get()
    errors = client.get(reverse("imports:batch-detail", args=[batch.code]) + "?export=errors")
    assert errors["Content-Type"] == XLSX_CONTENT_TYPE
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(errors.content)).get_sheet_by_index(0).to_python()
    )
    assert rows[1][:2] == [4.0, "身份证号"]


def test_an_outsider_gets_404_and_a_non_importer_403(client, college, nursing, registrar, outsider):
    batch = services.batch_create(
        actor=registrar, kind="learners", institution=college, file_name="a.xlsx", content=roster()
    )
    services.batch_validate(batch=batch)
    client.force_login(outsider)
    for name in ("imports:batch-detail", "imports:batch-progress"):
        assert client.get(reverse(name, args=[batch.code])).status_code == 404
    assert client.post(reverse("imports:batch-commit", args=[batch.code])).status_code == 404
    assert batch.code.hex not in client.get(reverse("imports:batch-list")).content.decode()
    # Uploading into another college is not offered, and refused if forced.
    response = post_upload(client, college)
    assert response.status_code == 200 and ImportBatch.objects.count() == 1

    client.force_login(user_with_role(Role.TEACHER, institution=college))
    assert client.get(reverse("imports:batch-list")).status_code == 403
    assert client.get(reverse("imports:batch-detail", args=[batch.code])).status_code == 403


def test_colleagues_of_the_institution_see_the_batch_and_school_staff_only_their_own(
    client, college, nursing, registrar, nursing_staff
):
    batch = services.batch_create(
        actor=registrar, kind="learners", institution=college, file_name="a.xlsx", content=roster()
    )
    colleague = user_with_role(Role.CONTINUING_ED, institution=college)
    client.force_login(colleague)
    assert client.get(reverse("imports:batch-detail", args=[batch.code])).status_code == 200
    client.force_login(nursing_staff)
    assert client.get(reverse("imports:batch-detail", args=[batch.code])).status_code == 404
    mine = services.batch_create(
        actor=nursing_staff,
        kind="learners",
        institution=college,
        file_name="b.xlsx",
        content=roster(),
    )
    assert client.get(reverse("imports:batch-detail", args=[mine.code])).status_code == 200


def test_the_list_filters_and_exports(client, college, nursing, registrar):
    learners = services.batch_create(
        actor=registrar,
        kind="learners",
        institution=college,
        file_name="学生.xlsx",
        content=roster(),
    )
    services.batch_validate(batch=learners)
    services.batch_create(
        actor=registrar,
        kind="courses",
        institution=college,
        file_name="课程.xlsx",
        content=roster(),
    )
    client.force_login(registrar)
    page = client.get(reverse("imports:batch-list"), {"kind": "learners"}).content.decode()
    assert "学生.xlsx" in page and "课程.xlsx" not in page
    response = client.get(reverse("imports:batch-list"), {"export": "xlsx"})
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:5] == ["上传时间", "类型", "院校", "文件名", "状态"]
    assert {row[3] for row in rows[1:]} == {"学生.xlsx", "课程.xlsx"}


def test_the_template_downloads(client, registrar):
    client.force_login(registrar)
    response = client.get(reverse("imports:template", args=["outcomes"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert client.get(reverse("imports:template", args=["nothing"])).status_code == 404


def test_a_running_batch_polls_its_progress_partial(client, college, nursing, registrar):
    batch = services.batch_create(
        actor=registrar, kind="learners", institution=college, file_name="a.xlsx", content=roster()
    )
    client.force_login(registrar)
    page = client.get(reverse("imports:batch-detail", args=[batch.code])).content.decode()
    progress_url = reverse("imports:batch-progress", args=[batch.code])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=500, total_rows=2000)
    partial = client.get(progress_url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and 'class="progress"' in body and "25%" in body
    assert "HX-Refresh" not in partial

    services.batch_validate(batch=batch)
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "hx-get" not in done.content.decode()


def test_large_files_run_in_the_background_and_reach_100_percent(
    client, college, nursing, registrar, settings, django_capture_on_commit_callbacks
):
    settings.XBANK_IMPORT_INLINE_MAX_BYTES = 0
    client.force_login(registrar)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_upload(client, college, roster(1200))
    assert len(callbacks) == 1  # the validation was enqueued, not run in the request
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.READY, batch.message
    assert batch.total_rows == batch.processed_rows == 1200
    assert batch.progress_percent == 100

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("imports:batch-commit", args=[batch.code]))
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert batch.progress_percent == 100
    assert Learner.objects.count() == 1200


def test_list_and_detail_pages_take_a_fixed_number_of_queries(
    client, college, nursing, registrar, django_assert_num_queries
):
    client.force_login(registrar)
    url = reverse("imports:batch-list")
    for count in (1, 6):
        while ImportBatch.objects.count() < count:
            services.batch_create(
                actor=registrar,
                kind="learners",
                institution=college,
                file_name="a.xlsx",
                content=roster(1),
            )
        # session, user, role assignments (scope), count of batches, the page of batches with
        # their institution and uploader
        with django_assert_num_queries(5):
            client.get(url)
    batch = ImportBatch.objects.first()
    # session, user, role assignments, the batch with its institution and uploader
    with django_assert_num_queries(4):
        client.get(reverse("imports:batch-detail", args=[batch.code]))


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.HR, True),  # imports the teacher roster only
        (Role.ACADEMIC_AFFAIRS, True),
        (Role.TEACHER, False),
    ],
)
def test_the_top_bar_offers_data_import_to_whoever_may_import_something(
    client, college, role, shown
):
    client.force_login(user_with_role(role, institution=college))
    page = client.get(reverse("accounts:workbench")).content.decode()
    link = f'href="{reverse("imports:batch-list")}">数据导入</a>'
    assert (link in page) is shown
