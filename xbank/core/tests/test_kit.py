"""The list-and-form kit (``core/views.py``, ``core/xlsx.ListExport``) on a throwaway list of
users, with expected values written out by hand and the exported file read back by calamine,
a reader that shares no code with XlsxWriter."""

from __future__ import annotations

import datetime
import io
from urllib.parse import quote

import django_filters
import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage as _FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from xbank.core.views import export_format, form_page, list_page, run_action, run_service
from xbank.core.xlsx import Book, ListExport, WorkbookExport

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "kit.html": "{{ title }}|{% for u in page_obj %}{{ u.username }},"
                        "{% endfor %}|{{ page_obj.number }}/{{ page_obj.paginator.num_pages }}"
                        "|{{ filter.form.username.value|default:'' }}"
                    },
                )
            ]
        },
    }
]


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="startswith")

    class Meta:
        model = get_user_model()
        fields = ["username"]


class UserExport(ListExport):
    title = "用户名单"
    sheet_name = "用户"

    def headers(self):
        return ["用户名", "备注"]

    def rows(self, users):
        for user in users:
            yield [user.username, user.last_name]


@pytest.fixture
def users(db):
    User = get_user_model()
    names = ["amy", "anna", "bob", "ann3"]
    for name in names:
        User.objects.create(username=name, last_name="=HYPERLINK(1)" if name == "bob" else "")
    return names


def _get(path: str, **params):
    request = RequestFactory().get(path, params)
    request.user = None
    return request


def _filterset(request):
    return UserFilter(request.GET or None, queryset=get_user_model().objects.order_by("username"))


@override_settings(TEMPLATES=TEMPLATES)
def test_a_list_page_filters_paginates_and_renders_with_its_context(users):
    request = _get("/u/", username="an", page="2")
    response = list_page(
        request, "kit.html", filterset=_filterset(request), page_size=1, context={"title": "T"}
    )
    # "an" matches ann3 and anna (ordered by username); page 2 of 2 holds anna.
    assert response.content.decode() == "T|anna,|2/2|an"


@override_settings(TEMPLATES=TEMPLATES)
def test_the_export_holds_every_filtered_row_not_one_page(users):
    request = _get("/u/", username="a", export="xlsx", page="2")
    response = list_page(
        request, "kit.html", filterset=_filterset(request), export=UserExport(), page_size=1
    )
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''" + quote(f"用户名单-{today}.xlsx")
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["用户"]
    assert book.get_sheet_by_index(0).to_python() == [
        ["用户名", "备注"],
        ["amy", ""],
        ["ann3", ""],
        ["anna", ""],
    ]


@override_settings(TEMPLATES=TEMPLATES)
def test_a_page_without_an_export_ignores_the_parameter(users):
    request = _get("/u/", export="xlsx")
    response = list_page(request, "kit.html", filterset=_filterset(request))
    assert response["Content-Type"].startswith("text/html")
    assert export_format(request) == "xlsx"


@override_settings(TEMPLATES=TEMPLATES)
def test_a_page_filtered_by_the_view_lists_and_exports_the_rows_it_is_given(users):
    rows = list(get_user_model().objects.filter(username__startswith="a").order_by("-username"))
    request = _get("/u/", page="2")
    response = list_page(request, "kit.html", queryset=rows, page_size=2, context={"title": "T"})
    # anna, ann3 | amy: the view's order, no FilterSet (its form renders as nothing).
    assert response.content.decode() == "T|amy,|2/2|"
    request = _get("/u/", export="xlsx", page="2")
    response = list_page(request, "kit.html", queryset=rows, export=UserExport(), page_size=2)
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.get_sheet_by_index(0).to_python() == [
        ["用户名", "备注"],
        ["anna", ""],
        ["ann3", ""],
        ["amy", ""],
    ]


def test_an_exported_formula_stays_text(users):
    content = UserExport().render(get_user_model().objects.filter(username="bob"))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[1] == ["bob", "'=HYPERLINK(1)"]


def test_an_export_that_forgets_its_rows_cannot_be_made():
    class HeadersOnly(ListExport):
        title = "半成品"

        def headers(self):
            return ["用户名"]

    with pytest.raises(TypeError, match="rows"):
        HeadersOnly()


def test_a_workbook_export_writes_each_sheet_it_fills(users):
    class Report(WorkbookExport):
        title = "报表"

        def fill(self, book: Book, source) -> None:
            book.table(
                "人数", ["证书", "人数"], [["老年照护", 100], ["母婴护理", 30]], title="2024"
            )
            book.table("名单", ["姓名"], [[name] for name in source])

    content = Report().render(["张三", "=1+1"])
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["人数", "名单"]
    assert book.get_sheet_by_index(0).to_python() == [
        ["2024", ""],
        ["证书", "人数"],
        ["老年照护", 100.0],
        ["母婴护理", 30.0],
    ]
    assert book.get_sheet_by_index(1).to_python() == [["姓名"], ["张三"], ["'=1+1"]]


@override_settings(TEMPLATES=TEMPLATES)
def test_a_page_filtered_by_a_form_lists_its_queryset_with_context_from_the_page(users):
    request = _get("/u/", page="2")
    rows = get_user_model().objects.filter(username__startswith="a").order_by("username")
    response = list_page(
        request,
        "kit.html",
        queryset=rows,
        page_size=2,
        context=lambda page: {"title": f"from {page.start_index()}"},
    )
    # amy, ann3 | anna: page 2 starts at the third row; there is no FilterSet.
    assert response.content.decode() == "from 3|anna,|2/2|"


@override_settings(TEMPLATES=TEMPLATES)
def test_a_short_list_is_one_page(users):
    request = _get("/u/")
    response = list_page(request, "kit.html", filterset=_filterset(request), page_size=None)
    assert response.content.decode() == "|amy,ann3,anna,bob,|1/1|"
    request = _get("/u/", username="z")
    response = list_page(request, "kit.html", filterset=_filterset(request), page_size=None)
    assert response.content.decode() == "||1/1|z"


def test_an_export_may_name_its_file_after_its_contents(users):
    class CountedExport(UserExport):
        def filename(self, users):
            return f"{self.title}（{len(users)} 人）.xlsx"

    response = CountedExport().response(get_user_model().objects.all())
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''" + quote("用户名单（4 人）.xlsx")
    )


class NameForm(forms.Form):
    name = forms.CharField()
    other = forms.CharField(required=False)


def _failing(message: str, code: str | None = None):
    def call():
        raise ValidationError(message, code=code)

    return call


def test_run_service_returns_the_result_when_the_service_succeeds():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    assert run_service(form, lambda: 42) == (True, 42)
    assert form.errors == {}


def test_run_service_puts_the_error_on_the_form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    assert run_service(form, _failing("名额已满")) == (False, None)
    assert form.non_field_errors() == ["名额已满"]


def test_run_service_puts_a_coded_error_on_the_field_it_names():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    ok, _ = run_service(form, _failing("姓名不一致", code="name"), fields={"name": "name"})
    assert not ok
    assert form.errors == {"name": ["姓名不一致"]}
    assert form.non_field_errors() == []


def test_run_service_puts_a_dict_error_on_each_field():
    form = NameForm({"name": "x"})
    assert form.is_valid()

    def call():
        raise ValidationError({"name": "太长", "other": "必填"})

    run_service(form, call, fields={"name": "other"})
    assert form.errors == {"name": ["太长"], "other": ["必填"]}


def test_run_service_puts_a_refusal_on_the_form_only_when_asked():
    def call():
        raise PermissionDenied("未被安排在该考场")

    form = NameForm({"name": "x"})
    assert form.is_valid()
    assert run_service(form, call, denied=True) == (False, None)
    assert form.non_field_errors() == ["未被安排在该考场"]
    with pytest.raises(PermissionDenied):
        run_service(NameForm({"name": "x"}), call)


def test_run_action_shows_each_message(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/x/")
    request.session = {}
    request._messages = FallbackStorage(request)

    def call():
        raise ValidationError(["已截止", "名额已满"])

    assert run_action(request, call) == (False, None)
    assert [str(m) for m in get_messages(request)] == ["已截止", "名额已满"]
    assert run_action(request, lambda: "ok") == (True, "ok")


def test_translate_looks_each_message_up_in_the_page_language(rf):
    request = rf.post("/x/")
    request.session = {}
    request._messages = _FallbackStorage(request)
    with translation.override("en"):
        run_action(request, _failing("该培训项目当前不在报名期内"), translate=True)
        run_action(request, _failing("该培训项目当前不在报名期内"))
        form = NameForm({"name": "x"})
        assert form.is_valid()
        run_service(form, _failing("该培训项目当前不在报名期内"), translate=True)
        run_service(form, _failing("该培训项目当前不在报名期内", code="n"), fields={"n": "name"})
        coded = NameForm({"name": "x"})
        assert coded.is_valid()
        run_service(
            coded,
            _failing("该培训项目当前不在报名期内", code="n"),
            fields={"n": "name"},
            translate=True,
        )
    assert [str(m) for m in get_messages(request)] == [
        "This program is not open for registration",
        "该培训项目当前不在报名期内",
    ]
    assert form.non_field_errors() == ["This program is not open for registration"]
    assert form.errors["name"] == ["该培训项目当前不在报名期内"]
    assert coded.errors == {"name": ["This program is not open for registration"]}


FORM_TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"form.html": "{{ title }}|{{ form.name.value|default:'' }}|{{ form.errors }}"},
                )
            ]
        },
    }
]


def _form_request(rf, method: str, data=None):
    request = getattr(rf, method)("/f/", data or {})
    request.session = {}
    request._messages = _FallbackStorage(request)
    return request


def _page(request, save):
    from django.http import HttpResponseRedirect

    form = NameForm(request.POST or None)
    return form_page(
        request,
        "form.html",
        form,
        save,
        then=lambda saved: HttpResponseRedirect(f"/done/{saved}/"),
        success=lambda saved: f"已保存 {saved}",
        context={"title": "登记"},
    )


@override_settings(TEMPLATES=FORM_TEMPLATES)
def test_form_page_shows_the_empty_form_on_get_and_saves_nothing(rf):
    saved = []
    response = _page(_form_request(rf, "get"), lambda data: saved.append(data))
    assert (response.status_code, response.content.decode(), saved) == (200, "登记||", [])


@override_settings(TEMPLATES=FORM_TEMPLATES)
def test_form_page_saves_a_valid_form_and_redirects_with_the_message(rf):
    request = _form_request(rf, "post", {"name": "张三"})
    response = _page(request, lambda data: data["name"] + "-1")
    assert (response.status_code, response["Location"]) == (302, "/done/%E5%BC%A0%E4%B8%89-1/")
    assert [str(m) for m in get_messages(request)] == ["已保存 张三-1"]


@override_settings(TEMPLATES=FORM_TEMPLATES)
def test_form_page_shows_a_refusal_on_the_form_and_keeps_what_was_typed(rf):
    request = _form_request(rf, "post", {"name": "张三"})
    refuse = _failing("名额已满")
    response = _page(request, lambda data: refuse())
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith("登记|张三|") and "名额已满" in page
    assert list(get_messages(request)) == []


@override_settings(TEMPLATES=FORM_TEMPLATES)
def test_form_page_does_not_call_the_service_for_an_invalid_form(rf):
    called = []
    with translation.override("zh-hans"):  # Django's own message, in the pages' language
        response = _page(_form_request(rf, "post", {"name": ""}), lambda data: called.append(1))
    assert response.status_code == 200 and called == []
    assert "这个字段是必填项。" in response.content.decode()


def test_an_exported_time_is_the_local_time_the_page_shows():
    class Times(ListExport):
        title = "时间"

        def headers(self):
            return ["报名时间", "日期"]

        def rows(self, values):
            return values

    registered = datetime.datetime(2026, 12, 3, 9, 20, tzinfo=datetime.UTC)  # 17:20 in Shanghai
    late = datetime.datetime(2026, 12, 3, 16, 30, tzinfo=datetime.UTC)  # 00:30 the next day there
    content = Times().render([[registered, None], [late, None]])
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    assert sheet.to_python()[1:] == [
        [datetime.datetime(2026, 12, 3, 17, 20), ""],
        [datetime.datetime(2026, 12, 4, 0, 30), ""],
    ]
    book = Book()
    book.table("名单", ["时间"], [[late]])
    dated = CalamineWorkbook.from_filelike(io.BytesIO(book.close())).get_sheet_by_index(0)
    assert dated.to_python()[1] == [datetime.date(2026, 12, 4)]
