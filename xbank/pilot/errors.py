"""Messages of the pilot services (Chinese, shown as they are)."""

from __future__ import annotations

ERR_NOT_ALLOWED = "您无权执行此操作"
ERR_MONEY = "金额须为不超过两位小数的数字"
ERR_MONEY_POSITIVE = "金额须大于 0"
ERR_MONEY_NEGATIVE = "金额不能为负数"
ERR_FUTURE_DATE = "日期不能晚于今天"
ERR_OTHER_INSTITUTION = "「{name}」不属于{institution}"
ERR_NO_LEAD = "至少指定一个统筹部门"
ERR_TASK_NUMBER_TAKEN = "序号 {number} 已被其他工作任务使用"
ERR_PILOT_MAJOR_EXISTS = "专业「{major}」已是试点专业"
ERR_NO_CERTIFICATE = "试点专业至少对应一个证书"
ERR_PROGRESS_RANGE = "进度须在 0 到 100 之间"
ERR_PROGRESS_BACKWARDS = "进度不能低于当前的 {current}%"
ERR_MILESTONE_DONE = "该节点已完成；如需继续更新，请先重新打开"
ERR_MILESTONE_NOT_DONE = "只有已完成的节点可以重新打开"
ERR_REASON_REQUIRED = "请填写原因"
ERR_EVIDENCE_TYPE = "不支持的文件类型：{ext}（可上传 {allowed}）"
ERR_EVIDENCE_SIZE = "文件不能超过 {mb} MB"
ERR_BUDGET_EXISTS = "{major} {year} 年的预算已存在"
ERR_BUDGET_NOT_EDITABLE = "预算处于「{status}」状态，不能修改"
ERR_BUDGET_EMPTY = "预算总额为 0，不能提交论证"
ERR_BUDGET_NOT_SUBMITTABLE = "预算处于「{status}」状态，不能提交论证"
ERR_BUDGET_NOT_UNDER_REVIEW = "预算处于「{status}」状态，不在论证中"
ERR_REVIEWER_IS_SUBMITTER = "论证结论须由提交人以外的人员登记"
ERR_RETURN_NEEDS_COMMENT = "退回修改须填写论证意见"
ERR_BUDGET_NOT_APPROVED = "预算尚未通过论证，不能登记资金或支出"
ERR_OVERSPEND = (
    "「{category}」可用余额 {remaining} 元，本次支出 {amount} 元，超出预算；请先申请并批准预算调整"
)
ERR_DUPLICATE_VOUCHER = "凭证号 {voucher} 已在「{category}」登记过"
ERR_VOUCHER_REUSED = (
    "凭证号 {voucher} 已在「{budget}」的「{category}」登记过；如确属同一凭证分多笔列支，请勾选确认"
)
ERR_ADJUSTMENT_DECIDED = "该调整申请已处理（{status}）"
ERR_FOUR_EYES = "调整申请须由申请人以外的人员审批"
