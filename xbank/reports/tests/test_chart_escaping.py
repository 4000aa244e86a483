"""Names typed by people (courses, standard modules, certificates, schools, majors) reach the
charts' tooltips as text, never as markup (issue 9).

Every chart page is opened in Chromium with the Content-Security-Policy turned off, so that
only the pages' own escaping stands between a hostile name and the page: each chart's tooltip
is shown for every data point (ECharts' ``showTip``, as a hover does) and the mouse is moved
over each chart; then no ``<img src=x>`` nor ``<script>`` was ever made from a name (a
MutationObserver watches from before the page's scripts), no script from a name has run
(``window.__xss`` is undefined) and the tooltip shows the name as typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from xbank.catalog.models import CurriculumCourse, StandardModule
from xbank.catalog.tests.factories import CourseFactory, CurriculumCourseFactory
from xbank.learners.tests.factories import student
from xbank.pilot.models import Budget
from xbank.pilot.tests import factories as pilot_f
from xbank.testing.world import build_world

from . import factories as f

PASSWORD = "pass-123456"  # the test users' password (accounts.tests.factories)
IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = '"><script>window.__xss=2</script>'

# Show every data point's tooltip of every chart on the page; return the tooltips' text.
SHOW_TIPS = """
() => {
  const texts = [];
  for (const el of document.querySelectorAll("[_echarts_instance_]")) {
    const chart = window.echarts.getInstanceByDom(el);
    const option = chart.getOption();
    option.series.forEach((series, s) => {
      (series.data || []).forEach((_, i) => {
        chart.dispatchAction({ type: "showTip", seriesIndex: s, dataIndex: i });
        texts.push(el.innerText);
      });
    });
  }
  return texts.join("\\n");
}
"""
# Installed before the page's scripts: records every element made from a name, even one that
# the next tooltip replaces at once.
WATCH = """
window.__injected = [];
new MutationObserver((mutations) => {
  for (const m of mutations) {
    for (const node of m.addedNodes) {
      if (node.nodeType !== 1) continue;
      const found = [node, ...node.querySelectorAll("img, script")].filter((e) =>
        (e.tagName === "IMG" && e.getAttribute("src") === "x") ||
        (e.tagName === "SCRIPT" && e.type !== "application/json" && e.textContent.includes("__xss")));
      window.__injected.push(...found.map((e) => e.outerHTML));
    }
  }
}).observe(document, { childList: true, subtree: true });
"""
INJECTED = """
() => ({
  made: window.__injected,
  img: document.querySelectorAll('img[src="x"]').length,
  xss: window.__xss === undefined ? null : window.__xss,
})
"""


@pytest.fixture
def no_csp(settings):
    """The CSP off for the live server (django-csp reads the setting on every response)."""
    settings.CONTENT_SECURITY_POLICY = None
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def _hostile_world():
    """build_world with hostile names on the coverage map, certificate, schools and majors, an
    approved budget, a pilot major for the compliance chart and an exam for the dashboard."""
    w = build_world()
    w.certificate_type.name = f"证书{IMG}"
    w.certificate_type.save(update_fields=["name"])
    StandardModule.objects.filter(certificate_type=w.certificate_type).update(name=f"模块{SCRIPT}")
    course = CurriculumCourse.objects.filter(curriculum=w.curriculum_a1).get().course
    course.name = f"课程{IMG}"
    course.save(update_fields=["name"])
    CurriculumCourseFactory(curriculum=w.curriculum_a1, course=CourseFactory(name=f"课程{SCRIPT}"))
    for school, name in [(w.school_a1, IMG), (w.school_a2, SCRIPT)]:
        school.name = f"学院{name}"
        school.save(update_fields=["name"])
    for major, name in [(w.major_a1, IMG), (w.major_a2, SCRIPT)]:
        major.name = f"专业{name}"
        major.save(update_fields=["name"])
    pw = pilot_f.build_pilot_world(w)
    pilot_f.approved_budget(
        pw.pm_a1, submitter=w.users["school_staff_a1"], reviewer=w.users["academic_affairs_a"]
    )
    people = [student(major=w.major_a1, cohort_year=2022) for _ in range(3)]
    f.exam(institution=w.college_a, certificate_type=w.certificate_type, people=people, fail=1)
    return w


@pytest.mark.django_db(transaction=True)
def test_hostile_names_in_every_chart_tooltip_are_shown_as_text(no_csp, live_server, desktop_page):
    w = _hostile_world()
    budget = Budget.objects.get(pilot_major__major=w.major_a1)
    pages = {
        "catalog:coverage": reverse("catalog:coverage", kwargs={"pk": w.curriculum_a1.pk}),
        "reports:dashboard": reverse("reports:dashboard"),
        "pilot:budget-list": reverse("pilot:budget-list"),
        "pilot:budget-detail": reverse("pilot:budget-detail", kwargs={"pk": budget.pk}),
        "pilot:examiner-compliance": reverse("pilot:examiner-compliance"),
    }
    page = desktop_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(WATCH)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(w.users["academic_affairs_a"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/**")

    tips = {}
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, name
        assert "content-security-policy" not in response.headers, "the CSP must be off here"
        page.wait_for_selector("[_echarts_instance_] canvas")
        for chart in page.locator("[_echarts_instance_]").all():
            box = chart.bounding_box()
            for fx, fy in [(0.3, 0.3), (0.5, 0.5), (0.7, 0.6)]:
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                page.wait_for_timeout(50)
        tips[name] = page.evaluate(SHOW_TIPS)
        page.wait_for_timeout(200)
        assert page.evaluate(INJECTED) == {"made": [], "img": 0, "xss": None}, name

    # The names are there, as typed: escaped, not dropped.
    assert f"课程{IMG}" in tips["catalog:coverage"]
    assert f"模块{SCRIPT}" in tips["catalog:coverage"]
    assert f"证书{IMG}" in tips["reports:dashboard"]
    assert errors == []
