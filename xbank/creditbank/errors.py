"""User-facing messages of the credit bank (学分银行), kept as constants: services and models
raise them, pages show them, and tests import them to check which refusal they got.

One module, so that each message is worded once. ``services`` and ``models`` re-export the names
they raise, where callers and tests have always found them.
"""

# Refused by the models: a published rule and the ledger never change.
ERR_RULE_IMMUTABLE = "已发布的转换规则不能修改，请新建版本"
ERR_RULE_DELETE = "只有草稿状态的转换规则可以删除"
ERR_LEDGER_APPEND_ONLY = "学分流水只能追加，不能修改或删除；更正请登记冲正流水"
