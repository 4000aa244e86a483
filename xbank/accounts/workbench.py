"""What each role's workbench (工作台) shows: the duties of the role, each linked to its page.

Only pages that exist are linked; a duty whose page is not built yet is listed without a link so
that users see the whole of their role (DESIGN.md, "Who uses it").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role


@dataclass(frozen=True)
class Duty:
    title: str
    description: str
    url_name: str = ""

    @property
    def url(self) -> str:
        if not self.url_name:
            return ""
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return ""


LEARNERS = Duty(_("学习者"), _("按范围查看学生和社会学员，导出名单"), "learners:learner-list")
FULL_EXPORTS = Duty(
    _("完整证件号导出"),
    _("申请或审批含完整证件号的名单导出：须说明原因，每日限次，文件加密"),
    "learners:full-export-list",
)
OUTCOMES = Duty(
    _("学习成果"), _("课程成绩、学历证书、技能等级证书、职业资格证书"), "learners:outcome-list"
)
CERT_STATS = Duty(_("持证统计"), _("按年份和证书类型统计持证人数"), "learners:certificate-stats")
IMPORTS = Duty(_("数据导入"), _("下载模板，上传 Excel，逐行校验后一次性导入"), "imports:batch-list")
CATALOG = Duty(
    _("证书与人才培养方案"), _("证书类型、标准模块、课程与人才培养方案"), "catalog:certificate-list"
)
ADMIN = Duty(_("系统管理"), _("用户、角色与范围、审计日志"), "admin:index")
TRAINING_PROGRAMS = Duty(
    _("培训项目"), _("培训班、课次、报名审核、签到与出勤、结业"), "training:program-list"
)
TRAINING_STATS = Duty(_("培训统计"), _("按年度、项目、证书统计培训人数与人次"), "training:stats")
ASSESSMENT_SESSIONS = Duty(
    _("考核批次"),
    _("排考、考场与考评员、考生与准考证、保密记录、成绩发布"),
    "assessment:session-list",
)
EXAMINER_QUALIFICATIONS = Duty(
    _("考评员资格"),
    _("教师与校外考评员的考评资格及有效期，导出名册"),
    "assessment:qualification-list",
)

PILOT_TASKS = Duty(
    _("试点工作任务"),
    _("本部门的工作任务与进度节点，逾期提醒，上报进度与佐证材料"),
    "pilot:task-list",
)
PILOT_FUNDS = Duty(
    _("试点经费"), _("各试点专业的建设经费预算、专家论证、支出与执行率"), "pilot:budget-list"
)
COVERAGE = Duty(
    _("课证融合"), _("人才培养方案课程对职业技能等级标准模块的覆盖矩阵"), "catalog:coverage-list"
)
CREDIT_REQUESTS = Duty(
    _("认定申请"), _("学分认定申请的办理情况与批量认定，导出 Excel"), "creditbank:request-list"
)
GRADUATION_AUDIT = Duty(
    _("毕业审核"),
    _("按年级审核毕业学分与证书要求，列出不符合的原因"),
    "creditbank:graduation-audit",
)
DASHBOARD = Duty(
    _("统计看板"),
    _("考试人数、合格率、获证、培训人次、学分转换，按年度、证书、专业和对象；点击数字查看名单"),
    "reports:dashboard",
)
EXAMINER_DASHBOARD = Duty(
    _("考评员统计"), _("按证书、年度统计持有效考评员资格的教师人数"), "reports:dashboard"
)
EVIDENCE = Duty(
    _("佐证材料"),
    _("按年度和证书生成考试人数、获证人数、培训人次佐证与名单（PDF、Excel）"),
    "reports:evidence",
)
PERFORMANCE = Duty(
    _("绩效报告"),
    _("各部门、各试点专业年度目标与实际完成情况（实际值由数据计算）"),
    "reports:performance",
)
TARGETS = Duty(
    _("绩效指标与年度目标"),
    _("定义绩效指标，填报各部门、各试点专业的年度目标"),
    "reports:target-list",
)
FACULTY_COMPLIANCE = Duty(
    _("考评员达标"),
    _("各试点专业至少 3 名教师持有效考评员资格，90 天到期预警"),
    "pilot:examiner-compliance",
)

DUTIES: dict[str, list[Duty]] = {
    Role.SYSADMIN: [
        ADMIN,
        LEARNERS,
        Duty(_("审计日志"), _("登录、导入与查看证件号的记录"), "admin:audit_auditentry_changelist"),
        PILOT_TASKS,
        DASHBOARD,
        PERFORMANCE,
        TARGETS,
    ],
    Role.BANK_ADMIN: [
        CATALOG,
        LEARNERS,
        FULL_EXPORTS,
        OUTCOMES,
        CERT_STATS,
        IMPORTS,
        Duty(
            _("跨院校互认规则"),
            _("学分银行的认定、积累与转换规则：版本、发布、停用与模拟"),
            "creditbank:rule-list",
        ),
        CREDIT_REQUESTS,
        DASHBOARD,
        EVIDENCE,
        PERFORMANCE,
    ],
    Role.ACADEMIC_AFFAIRS: [
        CATALOG,
        IMPORTS,
        LEARNERS,
        FULL_EXPORTS,
        OUTCOMES,
        CERT_STATS,
        Duty(
            _("认定终审"),
            _("二级学院初审通过的认定申请，终审后记入学分流水"),
            "creditbank:review-final",
        ),
        Duty(
            _("转换规则"),
            _("本校的转换规则：草稿、发布、新版本、停用，发布前模拟运行"),
            "creditbank:rule-list",
        ),
        GRADUATION_AUDIT,
        CREDIT_REQUESTS,
        COVERAGE,
        FACULTY_COMPLIANCE,
        PILOT_TASKS,
        PILOT_FUNDS,
        DASHBOARD,
        EVIDENCE,
        PERFORMANCE,
        TARGETS,
    ],
    Role.CONTINUING_ED: [
        LEARNERS,
        FULL_EXPORTS,
        Duty(
            _("信息核对"),
            _("公开报名中与已登记信息不一致的姓名、手机号、学历、工作单位：核实后采纳或不采纳"),
            "learners:change-list",
        ),
        OUTCOMES,
        IMPORTS,
        CERT_STATS,
        CATALOG,
        TRAINING_PROGRAMS,
        Duty(_("培训公告"), _("分期发布培训公告，公开报名"), "training:announcement-manage-list"),
        TRAINING_STATS,
        ASSESSMENT_SESSIONS,
        Duty(_("考点与考场"), _("考点、考场及标准化考场认定有效期"), "assessment:site-list"),
        EXAMINER_QUALIFICATIONS,
        Duty(_("证书发放"), _("为合格考生发放证书并记入学习账户；撤销"), "assessment:award-list"),
        Duty(_("鉴定统计"), _("按年份、证书和等级统计鉴定人数与合格率"), "assessment:stats"),
        DASHBOARD,
        EVIDENCE,
        PERFORMANCE,
    ],
    Role.SCHOOL_STAFF: [
        LEARNERS,
        OUTCOMES,
        IMPORTS,
        CERT_STATS,
        CATALOG,
        Duty(_("认定初审"), _("本学院学生学习成果认定申请的初审"), "creditbank:review-school"),
        CREDIT_REQUESTS,
        GRADUATION_AUDIT,
        Duty(_("培训报名"), _("本学院学生的培训报名与结业"), "training:enrollment-list"),
        COVERAGE,
        FACULTY_COMPLIANCE,
        PILOT_TASKS,
        PILOT_FUNDS,
        DASHBOARD,
        EVIDENCE,
        PERFORMANCE,
    ],
    Role.HR: [
        Duty(
            _("师资队伍"),
            _("教师名册：专任与兼职教师、职称、双师型，名册导入与导出"),
            "faculty:teacher-list",
        ),
        Duty(
            _("考评员达标"),
            _("各试点专业至少 3 名教师持有效考评员资格，90 天到期预警"),
            "pilot:examiner-compliance",
        ),
        Duty(_("师资培训"), _("教师参加的培训项目、学时与结业证书"), "faculty:training-list"),
        EXAMINER_QUALIFICATIONS,
        EXAMINER_DASHBOARD,
        PERFORMANCE,
    ],
    Role.FINANCE: [
        PILOT_FUNDS,
        Duty(
            _("支出明细"), _("登记与查询各试点专业的经费支出，导出 Excel"), "pilot:expenditure-list"
        ),
        PILOT_TASKS,
        PERFORMANCE,
    ],
    Role.TEACHER: [
        Duty(_("我的培训班"), _("承担的培训教学任务：签到表、登记出勤"), "training:my-programs")
    ],
    Role.EXAMINER: [
        Duty(
            _("考核评分"), _("为分配给我的考核场次录入成绩、记录保密环节"), "assessment:my-sessions"
        )
    ],
    Role.LEARNER: [
        Duty(_("我的学习账户"), _("我的全部学习成果，按时间排列"), "learners:my-account"),
        Duty(
            _("我的学分"),
            _("申请学分认定，查看办理进度、学分流水与成绩单"),
            "creditbank:my-credits",
        ),
        Duty(_("学分计算器"), _("证书可免修哪些课程、可转换多少学分"), "creditbank:calculator"),
        Duty(_("培训报名"), _("查看培训公告、报名、退出，查看报名状态"), "training:my-enrollments"),
        Duty(_("我的考试"), _("报考的考核、准考证下载与成绩"), "assessment:my-results"),
    ],
}


def duties_for(roles) -> list[tuple[str, list[Duty]]]:
    labels = dict(Role.choices)
    return [(labels[r], DUTIES[r]) for r in Role.values if r in roles]


def menu_for(roles) -> list[tuple[str, list[Duty]]]:
    """The top bar's menus: one per role the user holds, with the duties whose page exists (the
    workbench also lists the ones being built). A duty two roles share appears once, under the
    first role."""
    seen: set[str] = set()
    menus = []
    for label, duties in duties_for(roles):
        items = [d for d in duties if d.url and d.url_name not in seen]
        seen.update(d.url_name for d in items)
        if items:
            menus.append((label, items))
    return menus
