"""Column widths from content: a label column gets the width of its longest short term, from columns with slack."""

from __future__ import annotations

from reports.columns import fit_columns, term_em
from reports.typography import GONGWEN


def cell(text: str, **extra) -> dict:
    return {"text": text, "rowspan": 1, "colspan": 1, **extra}


def table(widths: list[float], bodies: list) -> dict:
    return {"columns": [{"width": w, "align": ""} for w in widths], "bodies": bodies, "size": "", "style": ""}


def test_a_narrow_label_column_widens_and_the_amount_column_gives_up_its_slack():
    rows = [
        [cell("节日慰问", rowspan=2), cell("六一儿童节慰问金"), cell("0.11", align="num")],
        [cell("春节慰问金"), cell("94.19", align="num")],
    ]
    t = table([20, 15, 65], [rows])
    fit_columns(t, GONGWEN)
    widths = [c["width"] for c in t["columns"]]
    # 8 characters at 12 pt on a 156 mm table need about 24 %: the second column gets them (the rowspan respected)
    assert widths[1] > 23 and widths[2] < 65 and abs(sum(widths) - 100) < 0.1
    assert 12.5 < widths[0] < 20  # 节日慰问 (4 characters, about 12.4 %) keeps room for itself and gives the rest


def test_columns_that_already_fit_are_left_alone_and_long_text_counts_its_longest_term():
    t = table([30, 70], [[[cell("项目决策"), cell("评价要点：①立项依据充分；②程序规范。" * 3)]]])
    fit_columns(t, "report")
    assert [c["width"] for c in t["columns"]] == [30, 70]
    assert term_em("评价要点：①立项依据充分；②程序规范。") == 7  # the longest run between punctuation


def test_tables_written_in_sections_keep_their_widths():
    t = table([5, 95], [[[cell("六一儿童节慰问金"), cell("x")]]])
    t["style"] = "rich"
    fit_columns(t, GONGWEN)
    assert [c["width"] for c in t["columns"]] == [5, 95]
