"""Demo course–certificate maps (课证融合, seed 四(一)2) for the main college's four pilot majors.

Each pilot curriculum maps its professional courses to the standard modules of its 1+X
certificate, through ``course_standard_map_set`` (audited like a tick on the matrix page). The
gaps are deliberate, so the coverage matrix has something to show:

- every plan leaves the senior "培训与指导"-type modules uncovered (no course teaches trainers);
- nursing and midwifery also leave a senior "质量管理" module uncovered, rehabilitation leaves
  小儿保健按摩 uncovered;
- the 2021 and 2022 plans predate the 课证融合 rebuild: only the practice course and one or two
  core courses are mapped, so their coverage is visibly lower than the 2023 and 2024 plans';
- public courses (思想道德与法治, 大学英语…) map to nothing and are listed as such.

The 1+X practice courses get teaching modules (课程模块), and their junior cells name them.
Rows that exist are left alone, so a second run writes nothing.
"""

from __future__ import annotations

from xbank.catalog.models import (
    CertificateType,
    Course,
    CourseModule,
    CourseStandardMap,
    Curriculum,
    StandardModule,
)
from xbank.catalog.services import course_standard_map_set
from xbank.demo import data

JUNIOR, INTERMEDIATE, SENIOR = "junior", "intermediate", "senior"

# major code → (certificate, {course code: [(level, standard module name), ...]}, the course
# codes mapped in the older (2021, 2022) plans)
MAPS = {
    data.NURSING: (
        data.ELDERLY_CARE,
        {
            "HL01": [(JUNIOR, "生活照护"), (JUNIOR, "基础照护"), (INTERMEDIATE, "基础照护")],
            "HL07": [
                (JUNIOR, "生活照护"),
                (INTERMEDIATE, "生活照护"),
                (SENIOR, "照护评估"),
                (SENIOR, "失智照护"),
            ],
            "HL14": [
                (JUNIOR, "生活照护"),
                (JUNIOR, "基础照护"),
                (JUNIOR, "康复服务"),
                (INTERMEDIATE, "生活照护"),
                (INTERMEDIATE, "基础照护"),
                (INTERMEDIATE, "康复服务"),
            ],
            "HL12": [(INTERMEDIATE, "心理支持")],
            "HL02": [(SENIOR, "照护评估")],
            "HL13": [(JUNIOR, "康复服务")],
        },
        {"HL01", "HL07", "HL14"},
    ),
    data.MIDWIFERY: (
        data.MATERNAL_CARE,
        {
            "ZC04": [
                (JUNIOR, "产妇生活照护"),
                (JUNIOR, "新生儿生活照护"),
                (JUNIOR, "母乳喂养指导"),
                (INTERMEDIATE, "产妇专业照护"),
                (INTERMEDIATE, "新生儿专业照护"),
            ],
            "ZC03": [
                (JUNIOR, "母乳喂养指导"),
                (INTERMEDIATE, "产后康复指导"),
                (SENIOR, "孕产期健康管理"),
            ],
            "HL06": [(JUNIOR, "新生儿生活照护"), (INTERMEDIATE, "新生儿专业照护")],
            "ZC01": [(SENIOR, "孕产期健康管理")],
            "HL01": [(JUNIOR, "产妇生活照护")],
        },
        {"ZC04", "HL06"},
    ),
    data.CHILDCARE: (
        data.INFANT_CARE,
        {
            "TY02": [(JUNIOR, "日常保健"), (INTERMEDIATE, "疾病预防与应对")],
            "TY03": [(JUNIOR, "生活照护")],
            "TY04": [(JUNIOR, "生活照护")],
            "TY05": [(INTERMEDIATE, "早期发展指导")],
            "TY06": [(INTERMEDIATE, "疾病预防与应对")],
            "TY07": [(JUNIOR, "安全防护")],
            "TY08": [(SENIOR, "照护服务管理"), (SENIOR, "照护质量评价")],
            "TY09": [(INTERMEDIATE, "家庭养育指导")],
            "TY11": [(JUNIOR, "生活照护"), (JUNIOR, "安全防护"), (JUNIOR, "日常保健")],
        },
        {"TY02", "TY07", "TY11"},
    ),
    data.REHAB: (
        data.MASSAGE,
        {
            "KF06": [
                (JUNIOR, "经络腧穴基础"),
                (JUNIOR, "基础保健按摩手法"),
                (INTERMEDIATE, "常见亚健康调理按摩"),
            ],
            "KF08": [
                (JUNIOR, "基础保健按摩手法"),
                (JUNIOR, "全身保健按摩"),
                (INTERMEDIATE, "足部保健按摩"),
            ],
            "KF02": [(SENIOR, "慢病家庭康复按摩")],
            "KF01": [(SENIOR, "保健按摩方案设计")],
        },
        {"KF06", "KF08"},
    ),
}
NEWER_PLANS_FROM = 2023

# Teaching modules of the 1+X practice courses: (code, name, hours, junior module it teaches).
PRACTICE_MODULES = {
    "HL14": [
        ("M1", "生活照护实训", 16, "生活照护"),
        ("M2", "基础照护实训", 16, "基础照护"),
        ("M3", "康复服务实训", 16, "康复服务"),
    ],
    "ZC04": [
        ("M1", "产妇生活照护实训", 16, "产妇生活照护"),
        ("M2", "新生儿生活照护实训", 16, "新生儿生活照护"),
        ("M3", "母乳喂养指导实训", 16, "母乳喂养指导"),
    ],
    "TY11": [
        ("M1", "生活照护实训", 16, "生活照护"),
        ("M2", "安全防护实训", 16, "安全防护"),
        ("M3", "日常保健实训", 16, "日常保健"),
    ],
    "KF08": [
        ("M1", "基础手法实训", 24, "基础保健按摩手法"),
        ("M2", "全身保健按摩实训", 24, "全身保健按摩"),
    ],
}


def seed_practice_modules(main) -> dict[tuple[str, str], CourseModule]:
    """(course code, junior standard module name) → the teaching module that teaches it."""
    found = {}
    courses = {
        c.code: c for c in Course.objects.filter(institution=main, code__in=PRACTICE_MODULES)
    }
    for course_code, rows in PRACTICE_MODULES.items():
        for code, name, hours, standard in rows:
            module, _ = CourseModule.objects.get_or_create(
                course=courses[course_code], code=code, defaults={"name": name, "hours": hours}
            )
            found[(course_code, standard)] = module
    return found


def seed(result) -> None:
    from xbank.orgs.models import Institution

    main = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    actor = next((u for spec, u in result.users if spec.username == "academic_affairs"), None)
    practice = seed_practice_modules(main)
    existing = set(
        CourseStandardMap.objects.filter(curriculum__major__institution=main).values_list(
            "curriculum_id", "course_id", "standard_module_id"
        )
    )
    for major_code, (certificate_name, courses, older) in MAPS.items():
        certificate = CertificateType.objects.get(name=certificate_name)
        modules = {
            (m.level, m.name): m
            for m in StandardModule.objects.filter(certificate_type=certificate)
        }
        for curriculum in Curriculum.objects.filter(
            major__institution=main, major__code=major_code
        ).prefetch_related("curriculum_courses__course"):
            taught = {cc.course.code: cc.course for cc in curriculum.curriculum_courses.all()}
            for course_code, cells in courses.items():
                if curriculum.cohort_year < NEWER_PLANS_FROM and course_code not in older:
                    continue
                course = taught.get(course_code)
                if course is None:
                    continue
                for level, name in cells:
                    module = modules[(level, name)]
                    if (curriculum.pk, course.pk, module.pk) in existing:
                        continue
                    course_standard_map_set(
                        actor=actor,
                        curriculum=curriculum,
                        course=course,
                        standard_module=module,
                        mapped=True,
                        course_module=practice.get((course_code, name))
                        if level == JUNIOR
                        else None,
                    )
