"""User-facing messages of the credit bank (学分银行), kept as constants: services and models
raise them, pages show them, and tests import them to check which refusal they got.

One module, so that each message is worded once. ``services`` and ``models`` re-export the names
they raise, where callers and tests have always found them.
"""

# Refused by the models: a published rule and the ledger never change.
ERR_RULE_IMMUTABLE = "已发布的转换规则不能修改，请新建版本"
ERR_RULE_DELETE = "只有草稿状态的转换规则可以删除"
ERR_LEDGER_APPEND_ONLY = "学分流水只能追加，不能修改或删除；更正请登记冲正流水"


# Refused by the services.
ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_PERSON_REQUIRED = "认定申请须由具体人员提交"
ERR_RULE_NOT_DRAFT = "只有草稿状态的规则可以修改或发布"
ERR_RULE_NOT_PUBLISHED = "只有已发布的规则可以停用"
ERR_RULE_DRAFT_EXISTS = "该规则已有待发布的草稿（第 {version} 版），请先发布或删除"
ERR_RULE_NO_EFFECT = "规则须至少免修一门课程（或模块），或转换若干学分"
ERR_RULE_CATEGORY = "转换学分须指定学分类别"
ERR_RULE_TYPE_REQUIRED = "证书类成果须指定证书类型"
ERR_RULE_TYPE_KIND = "证书「{name}」与成果类型「{kind}」不符"
ERR_RULE_LEVEL = "证书「{name}」没有「{level}」这一等级"
ERR_RULE_COURSE_INSTITUTION = "课程「{course}」不属于规则所属院校"
ERR_RULE_DATES = "失效日期不能早于生效日期"
ERR_RULE_EFFECTIVE = "新版本的生效日期须晚于当前版本的生效日期（{date}）"
ERR_RULE_RETIRE_DATE = "停用日期不能早于生效日期（{date}）"
ERR_RULE_FIELD = "不能修改规则的「{field}」"
ERR_SHARE_RANGE = "转换学分上限须在 0 到 1 之间（如 0.5 表示 50%）"
ERR_NO_CURRICULUM = "该学习者没有对应的人才培养方案，不能申请学分认定"
ERR_NO_OUTCOMES = "请至少选择一项学习成果"
ERR_OUTCOME_NOT_OWN = "所选学习成果不属于该学习者"
ERR_OUTCOME_REVOKED = "成果「{title}」已撤销，不能申请认定"
ERR_OUTCOME_COURSE_RESULT = "课程成绩直接计入学分，无需申请认定"
ERR_OUTCOME_IN_OPEN_REQUEST = "成果「{title}」已在办理中的申请（{code}）里"
ERR_OUTCOME_RECOGNISED = "「{title}」已认定过，不能重复申请"
ERR_STATE = "申请当前状态为「{status}」，不能执行此操作"
ERR_SAME_PERSON = "提交人、二级学院审核人与教务处审批人须为三位不同人员"
ERR_REASON_REQUIRED = "不通过须填写原因"
ERR_APPEAL_ONCE = "每项申请只能申诉一次"
ERR_APPEAL_EVIDENCE = "申诉须提供新的佐证说明或材料"
ERR_ALREADY_POSTED = "该申请已记账，不能重复审批"
ERR_BATCH_EMPTY = "该年级没有持有此证书（达到所选等级）且尚未认定的学生"
ERR_REVERSE_REASON = "冲正须填写原因"
ERR_REVERSE_KIND = "冲正流水不能再冲正"
ERR_ALREADY_REVERSED = "该流水已冲正"


# Told to a learner whose new certificate would bring credits.
MSG_AWARD_PROPOSAL_TITLE = "新证书「{title}」可申请学分认定"
MSG_AWARD_PROPOSAL_BODY = (
    "按现行转换规则，这张证书可在《{curriculum}》中{what}。可在“申请认定”中提交申请。"
)
