"""The demo's reference data: colleges, majors, the 1+X catalogue, curricula and the seed's figures.

Sources and choices (also in README.md):

- The main college and its four 1+X pilots (老年照护, 母婴护理, 幼儿照护/婴幼儿照护, 家庭保健按摩)
  come from the seed document (the college's pilot plan). The partner college is invented.
  Institution codes are demo codes, not official 学校标识码.
- Major codes are those of the 2021 national catalogue (职业教育专业目录（2021年）, 高职专科). Only
  majors whose code we could confirm are included.
- Evaluation organisations are the published ones for 老年照护, 母婴护理 and 幼儿照护; for
  家庭保健按摩 the demo uses a clearly generic name rather than guess.
- The qualification figures (高级营养师 27, 育婴员 17, 养老护理员 17, 护士资格证 215) are the
  seed's; the demo dates them all in 2024.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# --- People ------------------------------------------------------------------------------------

# The roster printed in the seed document: real students. The demo never gives any of these
# names to a synthetic person (the generator skips a collision and draws again).
SEED_ROSTER_NAMES = frozenset(
    [
        "雷文慧", "陈颖炘", "邓淑珊", "李梓璇", "朱倩儿", "赖嘉玲", "陈晴", "魏芝翰", "周林敏",
        "张振谦", "梁咏怡", "李雨彤", "欧阳可儿", "王嘉淇", "陈锦绣", "黄思苗", "谢燕銮", "何慧",
        "张蕾", "罗小玲", "严美婷", "黎新霞", "梁静茹", "谢嘉宜", "林静怡", "蓝景琳", "温春梅",
        "伍铿羽", "陈柠儿", "郭海茵", "陈娟娟", "胡芷莹", "黄颖", "张瑶玲", "冯国壕", "刘玉婷",
        "赵小琦", "梁婷婷", "马剑梅", "林钰茵", "何依莹", "邱晓婷", "李皓羽", "全肖玲", "张丽霞",
        "邱敏", "欧芯妤", "卓晴熙", "郭亦雄", "何慧真", "李昕颖", "尹晓莉", "毛锦瑶", "邓宗泽",
        "侯小瑜", "刘嘉怡", "沈佳杰", "谢欣彤", "李同同", "万启智", "龚诗晴", "彭榕", "杨玉筠",
        "张思淇", "卢芯微", "黎烨杭", "朱俊儉", "林冬怡", "彭嘉怡", "黄楚楚", "刘依晴", "陈思敏",
        "万宇聪", "梁妍清", "蓝文敏", "陶静", "黄彩裕", "张润阳", "潘键炀", "谢诗阳", "张美娜",
        "余楠楠", "叶丹媚", "杜伟杰", "陈思琪", "张佩榆", "何权", "吴俊国", "罗珊珊", "邹翔凤",
        "陆芷晴", "古仪敏", "谢宝莹", "关东成", "丘琪琪", "罗丽琼", "谭金燕", "古晓梅", "马凯怡",
        "谭乐欣", "欧美婷", "吴咏欣", "黄翠凤", "冼子琪", "陈小倩", "叶兆彬", "黎玲玲", "卢锭邦",
        "邓敏", "刘桂希", "钟文怡", "朱乐柔", "何嘉琳", "黄思锐", "杨纪盈", "邵茵怡", "郑雅斯",
        "叶金凤", "陈婉妍",
    ]
)  # fmt: skip

RANDOM_SEED = 20240601
DEMO_PASSWORD = "xbank-demo-2026"  # demo only: printed on screen and in README.md

# --- Organisations -------------------------------------------------------------------------------

MAIN = "main"
PARTNER = "partner"

INSTITUTIONS = {
    MAIN: {"code": "14113", "name": "广东岭南职业技术学院", "short_name": "岭南职院"},
    PARTNER: {"code": "14114", "name": "广州健康职业学院", "short_name": "广州健康"},
}

# (institution, school code, school name)
SCHOOLS = [
    (MAIN, "S01", "护理学院"),
    (MAIN, "S02", "健康管理学院"),
    (MAIN, "S03", "药学院"),
    (PARTNER, "S01", "护理系"),
]

MAJOR_GROUPS = [
    (MAIN, "护理专业群"),
    (MAIN, "健康管理专业群"),
]


@dataclass(frozen=True)
class MajorSpec:
    institution: str
    school: str  # school code
    code: str  # 2021 catalogue code
    name: str
    group: str = ""
    cohort_size: int = 0  # synthetic students per cohort


NURSING = "520201"
MIDWIFERY = "520202"
REHAB = "520601"
HEALTH_MGMT = "520801"
CHILDCARE = "520802"
PHARMACY = "520301"

MAJORS = [
    MajorSpec(MAIN, "S01", NURSING, "护理", "护理专业群", 200),
    MajorSpec(MAIN, "S01", MIDWIFERY, "助产", "护理专业群", 45),
    MajorSpec(MAIN, "S02", HEALTH_MGMT, "健康管理", "健康管理专业群", 40),
    MajorSpec(MAIN, "S02", CHILDCARE, "婴幼儿托育服务与管理", "健康管理专业群", 40),
    MajorSpec(MAIN, "S02", REHAB, "康复治疗技术", "健康管理专业群", 40),
    # Not a pilot major: present so that the catalogue is not only pilots; no students.
    MajorSpec(MAIN, "S03", PHARMACY, "药学", "", 0),
    MajorSpec(PARTNER, "S01", NURSING, "护理", "", 60),
    MajorSpec(PARTNER, "S01", CHILDCARE, "婴幼儿托育服务与管理", "", 0),
]

# The 2021 cohort graduated in June 2024, after sitting the 2024 nurse licensing exam: the seed's
# 215 护士资格证 are held by its 245 nursing and midwifery students.
COHORTS = [2021, 2022, 2023, 2024]
PARTNER_COHORTS = [2023, 2024]
CLASS_SIZE = 45
# Share of female students, by major (ID numbers carry the sex in their 17th digit).
FEMALE_SHARE = {NURSING: 0.9, MIDWIFERY: 1.0, CHILDCARE: 0.95, HEALTH_MGMT: 0.7, REHAB: 0.55}

SOCIAL_EMPLOYERS = [
    "岭南颐康养老服务中心（演示）",
    "安心母婴护理会所（演示）",
    "社区卫生服务中心（演示）",
    "小橡树托育中心（演示）",
    "康宁中医养生馆（演示）",
]
SOCIAL_LEARNER_COUNT = 12

# --- Catalogue -----------------------------------------------------------------------------------

SKILL_LEVELS = ["junior", "intermediate", "senior"]


@dataclass(frozen=True)
class SkillCertificateSpec:
    name: str
    org: str
    org_short: str
    aliases: tuple[str, ...]
    modules: dict[str, tuple[str, ...]]  # level -> module names


SKILL_CERTIFICATES = [
    SkillCertificateSpec(
        "老年照护职业技能等级证书",
        "北京中福长者文化科技有限公司",
        "中福长者",
        ("老年照护", "1+X老年照护", "老年照护证书"),
        {
            "junior": ("生活照护", "基础照护", "康复服务"),
            "intermediate": ("生活照护", "基础照护", "康复服务", "心理支持"),
            "senior": ("照护评估", "失智照护", "质量管理", "培训指导"),
        },
    ),
    SkillCertificateSpec(
        "母婴护理职业技能等级证书",
        "济南阳光大姐服务有限责任公司",
        "阳光大姐",
        ("母婴护理", "1+X母婴护理", "母婴护理证书"),
        {
            "junior": ("产妇生活照护", "新生儿生活照护", "母乳喂养指导"),
            "intermediate": ("产妇专业照护", "新生儿专业照护", "产后康复指导"),
            "senior": ("孕产期健康管理", "母婴照护质量管理", "培训与指导"),
        },
    ),
    SkillCertificateSpec(
        "幼儿照护职业技能等级证书",
        "湖南金职伟业母婴护理有限公司",
        "金职伟业",
        ("幼儿照护", "婴幼儿照护", "1+X幼儿照护", "幼儿照护证书"),
        {
            "junior": ("生活照护", "安全防护", "日常保健"),
            "intermediate": ("早期发展指导", "疾病预防与应对", "家庭养育指导"),
            "senior": ("照护服务管理", "照护质量评价", "培训与指导"),
        },
    ),
    SkillCertificateSpec(
        "家庭保健按摩职业技能等级证书",
        "家庭保健按摩培训评价组织（演示）",
        "保健按摩评价组织",
        ("家庭保健按摩", "1+X家庭保健按摩", "家庭保健按摩证书"),
        {
            "junior": ("经络腧穴基础", "基础保健按摩手法", "全身保健按摩"),
            "intermediate": ("常见亚健康调理按摩", "足部保健按摩", "小儿保健按摩"),
            "senior": ("慢病家庭康复按摩", "保健按摩方案设计", "培训与指导"),
        },
    ),
]
ELDERLY_CARE = "老年照护职业技能等级证书"
MATERNAL_CARE = "母婴护理职业技能等级证书"
INFANT_CARE = "幼儿照护职业技能等级证书"
MASSAGE = "家庭保健按摩职业技能等级证书"

PROVINCIAL_HRSS = "广东省人力资源和社会保障厅"
NHC = "国家卫生健康委员会"


@dataclass(frozen=True)
class QualificationSpec:
    name: str
    issuer: str
    levels: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    cancelled: bool = False


NUTRITIONIST = "公共营养师"
CHILDCARER = "育婴员"
ELDERLY_CARER = "养老护理员"
NURSE_LICENCE = "护士资格证"
CATERING_NUTRITION = "营养配餐员"

QUALIFICATIONS = [
    # The seed's "高级营养师" is 公共营养师 at level 三级 (高级工); both names resolve to it.
    QualificationSpec(
        NUTRITIONIST,
        PROVINCIAL_HRSS,
        ("grade5", "grade4", "grade3", "grade2", "grade1"),
        ("高级营养师", "高级营养师证", "营养师"),
    ),
    QualificationSpec(
        CHILDCARER, PROVINCIAL_HRSS, ("grade5", "grade4", "grade3", "grade2", "grade1"), ("育婴师",)
    ),
    QualificationSpec(
        ELDERLY_CARER, PROVINCIAL_HRSS, ("grade5", "grade4", "grade3", "grade2", "grade1")
    ),
    QualificationSpec(NURSE_LICENCE, NHC, (), ("护士资格证书", "护士执业资格证")),
    # Shows the seed's rule (四(二)2): a cancelled qualification is never brought in again.
    QualificationSpec(
        CATERING_NUTRITION, PROVINCIAL_HRSS, ("grade5", "grade4", "grade3"), cancelled=True
    ),
]


@dataclass(frozen=True)
class HoldingSpec:
    """Certificates of one type held by the college's learners, as the seed reports them."""

    certificate: str
    count: int
    level: str
    title: str
    issued_on: datetime.date
    number_prefix: str
    # Where the holders come from: (major code, cohort) pools of the main college, then social
    # learners; holders are drawn without replacement, so each holds the certificate once.
    pools: tuple[tuple[str, int], ...]
    social: int = 0


HOLDINGS = [
    HoldingSpec(
        NUTRITIONIST, 27, "grade3", "公共营养师（三级/高级工）", datetime.date(2024, 12, 20),
        "4401-GYY-2024-3-", ((HEALTH_MGMT, 2022),),
    ),
    HoldingSpec(
        CHILDCARER, 17, "grade4", "育婴员（四级/中级工）", datetime.date(2024, 5, 24),
        "4401-YYY-2024-4-", ((CHILDCARE, 2022), (MIDWIFERY, 2022)),
    ),
    HoldingSpec(
        ELDERLY_CARER, 17, "grade4", "养老护理员（四级/中级工）", datetime.date(2024, 11, 15),
        "4401-YLH-2024-4-", ((NURSING, 2022),), social=4,
    ),
    HoldingSpec(
        NURSE_LICENCE, 215, "", "护士资格证书", datetime.date(2024, 6, 28),
        "202444", ((NURSING, 2021), (MIDWIFERY, 2021)),
    ),
]  # fmt: skip

# The figures the seed reports, keyed by certificate type name (what the statistics page shows).
SEED_CERTIFICATE_FIGURES = {NUTRITIONIST: 27, CHILDCARER: 17, ELDERLY_CARER: 17, NURSE_LICENCE: 215}

# --- Courses and curricula --------------------------------------------------------------------------

# code: (name, credits, hours)
COURSES = {
    "GB01": ("思想道德与法治", 3, 48),
    "GB02": ("毛泽东思想和中国特色社会主义理论体系概论", 2, 32),
    "GB03": ("习近平新时代中国特色社会主义思想概论", 3, 48),
    "GB04": ("大学英语", 6, 96),
    "GB05": ("信息技术", 3, 48),
    "GB06": ("体育与健康", 4, 108),
    "GB07": ("大学生心理健康教育", 2, 32),
    "GB08": ("职业生涯规划与就业指导", 2, 32),
    "JC01": ("人体解剖学与组织胚胎学", 6, 96),
    "JC02": ("生理学", 4, 64),
    "JC03": ("病理学与病理生理学", 3, 48),
    "JC04": ("药理学", 3, 48),
    "JC05": ("病原生物学与免疫学", 3, 48),
    "HL01": ("护理学基础", 8, 128),
    "HL02": ("健康评估", 4, 64),
    "HL03": ("内科护理", 8, 128),
    "HL04": ("外科护理", 7, 112),
    "HL05": ("妇产科护理", 4, 64),
    "HL06": ("儿科护理", 4, 64),
    "HL07": ("老年护理", 4, 64),
    "HL08": ("急危重症护理", 3, 48),
    "HL09": ("社区护理", 2, 32),
    "HL10": ("精神科护理", 2, 32),
    "HL11": ("护理礼仪与人际沟通", 2, 32),
    "HL12": ("护理心理学", 2, 32),
    "HL13": ("中医护理", 2, 32),
    "HL14": ("老年照护实训（1+X 课证融通）", 2, 48),
    "ZC01": ("助产技术", 6, 96),
    "ZC02": ("妇科护理", 3, 48),
    "ZC03": ("母婴保健", 2, 32),
    "ZC04": ("母婴护理实训（1+X 课证融通）", 2, 48),
    "TY01": ("婴幼儿生理与心理发展", 4, 64),
    "TY02": ("婴幼儿卫生与保健", 4, 64),
    "TY03": ("婴幼儿营养与喂养", 3, 48),
    "TY04": ("婴幼儿回应性照护", 4, 64),
    "TY05": ("婴幼儿早期学习与发展指导", 4, 64),
    "TY06": ("婴幼儿常见病识别与预防", 3, 48),
    "TY07": ("婴幼儿伤害预防与急救", 2, 32),
    "TY08": ("托育机构运营与管理", 3, 48),
    "TY09": ("家庭养育指导", 2, 32),
    "TY10": ("婴幼儿行为观察与分析", 3, 48),
    "TY11": ("幼儿照护实训（1+X 课证融通）", 2, 48),
    "TY12": ("儿童游戏与玩具", 2, 32),
    "KF01": ("康复评定技术", 6, 96),
    "KF02": ("运动治疗技术", 6, 96),
    "KF03": ("物理因子治疗技术", 4, 64),
    "KF04": ("作业治疗技术", 4, 64),
    "KF05": ("言语治疗技术", 3, 48),
    "KF06": ("中国传统康复技术", 4, 64),
    "KF07": ("临床疾病概要", 4, 64),
    "KF08": ("家庭保健按摩实训（1+X 课证融通）", 2, 48),
    "SX01": ("岗位实习", 40, 960),
    "SX02": ("毕业综合考核", 2, 32),
}

# A row of a curriculum: (course code, semester, required, category). Credits are the course's.
GENERAL = [
    ("GB01", 1, True, "general"),
    ("GB04", 1, True, "general"),
    ("GB05", 1, True, "general"),
    ("GB06", 1, True, "general"),
    ("GB07", 1, True, "general"),
    ("GB02", 2, True, "general"),
    ("GB03", 2, True, "general"),
    ("GB08", 4, True, "general"),
]
PRACTICE = [("SX01", 5, True, "practice"), ("SX02", 6, True, "practice")]
# 习近平新时代中国特色社会主义思想概论 entered the plans from the 2023 cohort on.
GB03_FROM_COHORT = 2023

CURRICULUM_ROWS = {
    NURSING: GENERAL
    + [
        ("JC01", 1, True, "professional"),
        ("JC02", 2, True, "professional"),
        ("JC05", 2, True, "professional"),
        ("HL01", 2, True, "core"),
        ("HL11", 2, True, "professional"),
        ("JC03", 3, True, "professional"),
        ("JC04", 3, True, "professional"),
        ("HL02", 3, True, "core"),
        ("HL03", 3, True, "core"),
        ("HL04", 3, True, "core"),
        ("HL12", 3, True, "professional"),
        ("HL05", 4, True, "core"),
        ("HL06", 4, True, "core"),
        ("HL07", 4, True, "core"),
        ("HL08", 4, True, "core"),
        ("HL09", 4, True, "professional"),
        ("HL10", 4, True, "professional"),
        ("HL13", 4, False, "elective"),
        ("HL14", 4, False, "elective"),
    ]
    + PRACTICE,
    MIDWIFERY: GENERAL
    + [
        ("JC01", 1, True, "professional"),
        ("JC02", 2, True, "professional"),
        ("JC05", 2, True, "professional"),
        ("HL01", 2, True, "core"),
        ("HL11", 2, True, "professional"),
        ("JC03", 3, True, "professional"),
        ("JC04", 3, True, "professional"),
        ("HL02", 3, True, "core"),
        ("HL03", 3, True, "core"),
        ("ZC01", 3, True, "core"),
        ("HL04", 4, True, "core"),
        ("ZC02", 4, True, "core"),
        ("HL06", 4, True, "core"),
        ("ZC03", 4, True, "professional"),
        ("ZC04", 4, False, "elective"),
    ]
    + PRACTICE,
    CHILDCARE: GENERAL
    + [
        ("TY01", 1, True, "professional"),
        ("TY02", 2, True, "core"),
        ("TY03", 2, True, "core"),
        ("TY04", 3, True, "core"),
        ("TY05", 3, True, "core"),
        ("TY06", 3, True, "professional"),
        ("TY10", 3, True, "professional"),
        ("TY07", 4, True, "core"),
        ("TY08", 4, True, "professional"),
        ("TY09", 4, True, "professional"),
        ("TY11", 4, False, "elective"),
        ("TY12", 4, False, "elective"),
    ]
    + PRACTICE,
    REHAB: GENERAL
    + [
        ("JC01", 1, True, "professional"),
        ("JC02", 2, True, "professional"),
        ("KF07", 2, True, "professional"),
        ("KF01", 3, True, "core"),
        ("KF02", 3, True, "core"),
        ("KF03", 3, True, "core"),
        ("KF04", 4, True, "core"),
        ("KF05", 4, True, "core"),
        ("KF06", 4, True, "core"),
        ("KF08", 4, False, "elective"),
    ]
    + PRACTICE,
}

# "At least one certificate from this list" (seed 四(一)3), per pilot major.
REQUIRED_CERTIFICATES = {
    NURSING: [ELDERLY_CARE, NURSE_LICENCE, ELDERLY_CARER],
    MIDWIFERY: [MATERNAL_CARE, NURSE_LICENCE, CHILDCARER],
    CHILDCARE: [INFANT_CARE, CHILDCARER],
    REHAB: [MASSAGE],
}

# Curricula: the main college's four pilot majors for every cohort; the partner's nursing major
# for its cohorts.
CURRICULA = [(MAIN, major, cohort) for major in CURRICULUM_ROWS for cohort in COHORTS] + [
    (PARTNER, NURSING, cohort) for cohort in PARTNER_COHORTS
]

# --- Demo users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    full_name: str
    try_this: str
    institution: str = MAIN
    school: str = ""  # school code, for school staff
    superuser: bool = False


USERS = [
    UserSpec("sysadmin", "sysadmin", "信息中心管理员（演示）",
             "系统管理 /admin/：用户、角色与范围、审计日志", superuser=True),
    UserSpec("bank_admin", "bank_admin", "学分银行管理员（演示）",
             "全区域：两所院校的学习者、证书目录、持证统计"),
    UserSpec("academic_affairs", "academic_affairs", "教务处（演示）",
             "人才培养方案、数据导入、持证统计（27/17/17/215）"),
    UserSpec("continuing_ed", "continuing_ed", "继续教育学院（演示）",
             "社会学员、学习成果、证书导入"),
    UserSpec("school_staff", "school_staff", "护理学院（演示）",
             "只看到护理学院的学生（按范围限制）", school="S01"),
    UserSpec("hr", "hr", "人事处（演示）", "师资队伍、考评员达标（各试点专业至少 3 名）、师资培训、考评员资格"),
    UserSpec("finance", "finance", "财务处（演示）",
             "试点经费：预算执行率、登记支出（超出科目余额须先批准预算调整）"),
    UserSpec("teacher", "teacher", "教师（演示）", "我的培训班；母婴护理考评员资格"),
    UserSpec("examiner", "examiner", "考评员（演示）", "考核评分：为今天的考核场次录入理论和实操成绩"),
    UserSpec("learner", "learner", "", "我的学习账户：课程成绩、1+X 证书、职业资格证书"),
    UserSpec("partner_academic_affairs", "academic_affairs", "合作院校教务处（演示）",
             "只看到广州健康职业学院的数据", institution=PARTNER),
]  # fmt: skip
