"""The downloadable import template of each kind (导入模板), built from its columns.

It looks like the files offices make (a merged title row above the header) so that the reader is
exercised the same way, with what prevents the usual mistakes: ID numbers and codes formatted as
text (so Excel cannot round them), drop-down lists for columns with fixed values, one example row,
and a second sheet that explains every column and the other header names that are accepted.
"""

from __future__ import annotations

import datetime
import io

import xlsxwriter

from .pipeline import ImportSpec

DATA_SHEET = "导入数据"
HELP_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
TEMPLATE_ROWS = 5000  # rows below the header that carry formats and drop-down lists
_FIRST_DATA_ROW = 2  # 0-based: title, header, then the example row


def template_file_name(spec: ImportSpec) -> str:
    return f"{spec.title}导入模板.xlsx"


def template_workbook(spec: ImportSpec) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(DATA_SHEET)
    title_fmt = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    header_fmt = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required_fmt = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000"}
    )
    text_fmt = book.add_format({"num_format": "@"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    example_fmt = book.add_format({"italic": True, "font_color": "#808080"})
    example_text_fmt = book.add_format({"italic": True, "font_color": "#808080", "num_format": "@"})
    example_date_fmt = book.add_format(
        {"italic": True, "font_color": "#808080", "num_format": "yyyy-mm-dd"}
    )

    columns = spec.columns
    last = len(columns) - 1
    sheet.merge_range(
        0,
        0,
        0,
        last,
        f"{spec.title}导入模板（红色列为必填；第 3 行是示例，填写时请删除或覆盖）",
        title_fmt,
    )
    options_sheet = None
    dynamic = spec.template_options()
    for c, column in enumerate(columns):
        column_fmt = text_fmt if column.text_format else date_fmt if column.date_format else None
        sheet.set_column(c, c, column.width, column_fmt)
        sheet.write_string(1, c, column.label, required_fmt if column.required else header_fmt)
        if column.help:
            sheet.write_comment(1, c, str(column.help), {"x_scale": 1.5})
        example = column.example
        if isinstance(example, datetime.date):
            sheet.write_datetime(
                _FIRST_DATA_ROW,
                c,
                datetime.datetime.combine(example, datetime.time()),
                example_date_fmt,
            )
        elif example not in ("", None):
            sheet.write_string(
                _FIRST_DATA_ROW,
                c,
                str(example),
                example_text_fmt if column.text_format else example_fmt,
            )
        first, last_row = _FIRST_DATA_ROW, _FIRST_DATA_ROW + TEMPLATE_ROWS
        if column.choices:
            choices = [str(choice) for choice in column.choices]
            sheet.data_validation(
                first,
                c,
                last_row,
                c,
                {
                    "validate": "list",
                    "source": choices,
                    "error_title": "请从列表中选择",
                    "error_message": "可填：" + "、".join(choices),
                },
            )
        elif dynamic.get(column.key):
            # Long lists (certificate names) live on a hidden sheet; other values stay allowed
            # (the 证书名称 column also takes course names and aliases).
            if options_sheet is None:
                options_sheet = book.add_worksheet(OPTIONS_SHEET)
                options_sheet.hide()
            values = dynamic[column.key]
            options_sheet.write_column(0, c, values)
            col = xlsxwriter.utility.xl_col_to_name(c)
            sheet.data_validation(
                first,
                c,
                last_row,
                c,
                {
                    "validate": "list",
                    "source": f"={OPTIONS_SHEET}!${col}$1:${col}${len(values)}",
                    "error_type": "information",
                    "error_title": "不在证书目录中",
                    "error_message": "该名称不在证书目录中，导入时会核对别名",
                },
            )
    sheet.freeze_panes(2, 0)
    sheet.set_row(0, 28)

    notes = book.add_worksheet(HELP_SHEET)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for c, (header, width) in enumerate(
        [("列名", 16), ("必填", 6), ("也可以写作", 36), ("说明", 48), ("可填的值", 36)]
    ):
        notes.write_string(0, c, header, bold)
        notes.set_column(c, c, width, wrap)
    for r, column in enumerate(columns, start=1):
        notes.write_row(
            r,
            0,
            [
                column.label,
                "是" if column.required else "",
                "、".join(column.synonyms),
                str(column.help),
                "、".join(str(choice) for choice in column.choices),
            ],
        )
    tips = [
        "表头可以放在前 10 行中的任意一行，上方可以有合并的标题行；列的顺序不限，多余的列会被忽略。",
        "日期可以是 Excel 日期，也可以写成 2024-06-30、2024/6/30、2024.06.30、2024年6月30日 或 20240630。",
        "身份证号等长号码请保持“文本”格式；被存成数字的 18 位号码末尾已经丢失，会被拒绝。",
        "任何一行有错误时，整个文件都不会导入；请按提示修改后重新上传。同一文件重复导入不会产生重复数据。",
    ]
    for r, tip in enumerate(tips, start=len(columns) + 2):
        notes.merge_range(r, 0, r, 4, tip, wrap)
        notes.set_row(r, 30)
    book.close()
    return buffer.getvalue()
