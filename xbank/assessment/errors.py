"""User-facing messages of skill assessment (考核), in Chinese, with ``str.format`` fields.

Kept as constants so services raise them and tests compare against them (STYLE.md §3); also
importable from ``xbank.assessment.services`` as before.
"""

ERR_STATUS = "考核批次「{title}」当前状态为「{status}」，不能{action}"
ERR_LEVEL_REQUIRED = "证书「{certificate}」须选择等级（可选：{allowed}）"
ERR_LEVEL_NOT_OFFERED = "证书「{certificate}」没有「{level}」这一等级"
ERR_DATES = "有效期至不能早于有效期自"
ERR_NOT_YET = "考核日期 {date} 还没到，不能开始考核"
ERR_ROOM_OTHER_INSTITUTION = "考场「{room}」不属于{institution}"
ERR_ROOM_INACTIVE = "考场「{room}」已停用"
ERR_ROOM_NOT_CERTIFIED = "考场「{room}」没有登记标准化考场认定有效期，不能安排考核"
ERR_ROOM_CERTIFICATION_LAPSED = (
    "考场「{room}」的标准化考场认定有效期至 {until}，考核日期 {date} 已过期，不能安排考核"
)
ERR_ROOM_CERTIFICATION_NOT_YET = (
    "考场「{room}」的标准化考场认定自 {since} 起有效，考核日期 {date} 尚未生效，不能安排考核"
)
ERR_ROOM_BUSY = "考场「{room}」在 {date} 的同一时段已安排考核批次「{other}」"
ERR_ROOM_TWICE = "考场「{room}」已在本批次中"
ERR_TOO_MANY_ROOMS = "一个考核批次最多安排 {max} 个考场"
ERR_SEATS = "座位数应在 1 到考场容量 {capacity} 之间"
ERR_ROOM_HAS_CANDIDATES = "考场「{room}」已安排了考生，不能移出"
ERR_NO_ROOMS = "考核批次还没有安排考场"
ERR_TOO_FEW_EXAMINERS = (
    "考场「{room}」有 {count} 名在 {date} 持有效「{certificate}」考评资格的考评员，"
    "每个考场至少需要 {min} 名"
)
ERR_NO_QUALIFICATION = "{name} 没有「{certificate}」的考评员资格"
ERR_QUALIFICATION_LEVEL = "{name} 的「{certificate}」考评员资格等级为{held}，不能考评{required}"
ERR_QUALIFICATION_EXPIRED = (
    "{name} 的「{certificate}」考评员资格（{number}）已于 {until} 到期，考核日期为 {date}"
)
ERR_QUALIFICATION_NOT_YET = (
    "{name} 的「{certificate}」考评员资格（{number}）自 {since} 起有效，考核日期为 {date}"
)
ERR_EXAMINER_TWICE = "{name} 已是本批次考场「{room}」的考评员"
ERR_EXAMINER_LAST = "移出后考场「{room}」的合格考评员少于 {min} 名；请先增加考评员"
ERR_EXAMINER_TAUGHT = (
    "{examiner} 是考生 {candidate} 所参加培训项目「{program}」的授课教师，不能考评该考生"
)
ERR_ALREADY_CANDIDATE = "{name} 已报考本考核批次"
ERR_SESSION_FULL = "本考核批次的考场座位已满（共 {seats} 个座位）"
ERR_NO_SEAT_WITHOUT_CONFLICT = (
    "尚有空位的考场中，都有考评员是 {name} 所参加培训项目「{program}」的授课教师：无法安排考场"
)
ERR_ENROLLMENT_OTHER_PERSON = "培训报名与考生不是同一人"
ERR_ENROLLMENT_NOT_APPROVED = "{name} 在培训项目「{program}」的报名未获录取，不能由此报考"
ERR_ENROLLMENT_OTHER_CERTIFICATE = "培训项目「{program}」的证书与本考核批次的证书不一致"
ERR_CANDIDATE_HAS_RESULT = "考生 {name} 已有成绩，不能移出"
ERR_NOT_ASSIGNED = "您不是考生 {name} 所在考场的考评员，不能录入其成绩"
ERR_SCORE_RANGE = "{part}成绩应在 0 到 {full} 之间"
ERR_ABSENT_WITH_SCORES = "缺考的考生不能有成绩"
ERR_RESULTS_INCOMPLETE = "还有 {count} 名考生没有完整成绩（或缺考标记），不能结束评分"
ERR_CONFIDENTIALITY_INCOMPLETE = "保密记录不完整（{missing}），不能发布成绩"
ERR_STEP_DONE = "「{step}」已签字记录"
ERR_STEP_ORDER = "须先记录「{previous}」"
ERR_STEP_COUNTERSIGNED = "「{step}」已由 {name} 复核"
ERR_COUNTERSIGN_SELF = "「{step}」须由另一人复核：您是第一签字人"
ERR_INCIDENT_RESOLVED = "该异常情况已处理"
ERR_NOT_PUBLISHED = "考核批次「{title}」的成绩尚未发布，不能发放证书"
ERR_NOT_PASSED = "考生 {name} 未通过考核，不能发放证书"
ERR_AWARD_EXISTS = "考生 {name} 已发放证书（编号 {number}）"
ERR_AWARD_NUMBER_TAKEN = "发证机构「{issuer}」的证书编号 {number} 已发放给他人"
ERR_AWARD_DATE = "发证日期不能早于考核日期 {date}"
ERR_AWARD_DATE_FUTURE = "发证日期不能晚于今天（{today}）"
ERR_AWARD_REVOKED = "该证书已撤销"
REISSUED_AS = "已撤销，补发证书：{number}"
REISSUED_FROM = "补发自：{number}"

MISSING_STEP = "「{step}」未签字"
MISSING_COUNTERSIGN = "「{step}」未复核"
MISSING_INCIDENT = "{count} 项异常情况未处理"

NOTIFY_PUBLISHED = "考核成绩已发布：{title}"
NOTIFY_AWARDED = "证书已发放：{title}"
NOTIFY_REVOKED = "证书已撤销：{title}"

# A person without the role for the institution (the pages refuse them first; the services
# check again, so no caller can skip it). The system (``core.actors.SYSTEM``) is let through.
ERR_NOT_ALLOWED = "您没有权限执行此操作"
# What only a person can do: sign, countersign, report, score.
ERR_PERSON_ONLY = "该操作须由本人完成，系统不能代为办理"
