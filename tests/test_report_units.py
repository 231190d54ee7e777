"""Report building blocks without a PDF: numbering, merged tables, the grade note, the URL fetcher."""

import datetime as dt
from decimal import Decimal

import pytest

from reports.assembly import grade_note, insert_before_tail, text_paragraphs
from reports.content import Cell, content_hash
from reports.layout import TreeRow, tree_bodies
from reports.numbering import heading_number
from reports.rendering import STATIC_DIR, RefusedURL, read_static, render_html, url_fetcher
from rubrics.numbers import cn_number, cn_year_month, money, percent, plain


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"), (99, "九十九")]
)
def test_chinese_numbers(n, text):
    assert cn_number(n) == text


def test_heading_numbers_follow_the_chinese_scheme():
    assert [heading_number(level, 3) for level in (1, 2, 3, 4)] == ["三、", "（三）", "3.", "（3）"]


def test_cover_date_is_written_in_chinese_numerals():
    assert cn_year_month(dt.date(2023, 10, 8)) == "二〇二三年十月"
    assert cn_year_month(dt.date(2024, 1, 31)) == "二〇二四年一月"


def test_numbers_as_reports_write_them():
    assert plain(Decimal("97.750")) == "97.75"
    assert plain(Decimal("19.00")) == "19"
    assert plain(Decimal("1.80")) == "1.8"
    assert money(Decimal("5653.1")) == "5,653.10"
    assert money(Decimal("51781001.2")) == "51,781,001.20"
    assert percent(Decimal("100")) == "100.00%"
    assert percent(Decimal("82.375"), trim=True) == "82.38%"
    assert percent(Decimal("100"), trim=True) == "100%"


def test_grade_note_is_built_from_the_grades():
    note = grade_note([[90, "优"], [80, "良"], [60, "中"], [0, "差"]])
    assert note == (
        "等级标识分数对应标准：优：绩效评价分值≥90 分；良：80 分≤绩效评价分值＜90 分；"
        "中：60 分≤绩效评价分值＜80 分；差：绩效评价分值＜60 分。"
    )
    assert grade_note([[85, "A"], [0, "B"]]) == "等级标识分数对应标准：A：绩效评价分值≥85 分；B：绩效评价分值＜85 分。"


def test_generated_sentence_goes_before_the_closing_phrase():
    text = "该部分主要考察项目立项等方面情况。具体分析如下："
    assert insert_before_tail(text, "指标权重分 20 分，得分 19 分。") == (
        "该部分主要考察项目立项等方面情况。指标权重分 20 分，得分 19 分。具体分析如下："
    )
    assert insert_before_tail("从两个角度来考察。", "X。") == "从两个角度来考察。X。"


def test_text_becomes_paragraphs_with_numbered_subheadings():
    paragraphs = text_paragraphs("（1）慰问工作\n在节日慰问方面：一是……。\n\n1.工作组人员及分工\n")
    assert [(p.text, p.style) for p in paragraphs] == [
        ("（1）慰问工作", "subhead"),
        ("在节日慰问方面：一是……。", ""),
        ("1.工作组人员及分工", "subhead"),
    ]


def _row(labels, name, lines=1.0, subtotal=False):
    return TreeRow(labels, [Cell(name), Cell("1")], lines=lines, subtotal=subtotal)


def test_merged_labels_are_repeated_in_each_body_and_bodies_fit_a_page():
    rows = [_row(["决策", "立项"], f"依据{i}", lines=10) for i in range(6)]
    rows.append(_row(["决策"], "小计", subtotal=True))
    bodies = tree_bodies(rows, 2, limit=25)
    assert len(bodies) == 3  # 60 lines cut into bodies of at most 25 (2 rows each)
    for body in bodies:
        first = body[0]
        assert [cell.text for cell in first[:2]] == ["决策", "立项"]  # every body carries its labels
        assert first[0].rowspan == len(body)
    # the 小计 row joins the last body: its label cell widens over the 二级 column and the name column
    subtotal = bodies[-1][-1]
    assert subtotal[0].text == "小计" and subtotal[0].colspan == 2


def test_a_group_that_fits_stays_in_one_body_with_nested_merges():
    rows = [_row(["产出", "数量"], "a"), _row(["产出", "数量"], "b"), _row(["产出", "质量"], "c")]
    (body,) = tree_bodies(rows, 2, limit=40)
    assert [(c.text, c.rowspan) for c in body[0][:2]] == [("产出", 3), ("数量", 2)]
    assert [(c.text, c.rowspan) for c in body[2][:1]] == [("质量", 1)]


def test_a_shorter_row_widens_its_label_when_asked():
    rows = [TreeRow(["最低生活保障工作"], [Cell("低保生活扶助金")]), TreeRow(["慰问", "节日"], [Cell("春节")])]
    bodies = tree_bodies(rows, 2, limit=40, widen_labels=True)
    label = bodies[0][0][0]
    assert (label.text, label.colspan) == ("最低生活保障工作", 2)


def test_content_hash_depends_on_content_and_outline():
    data = {"title": "报告", "sections": []}
    assert content_hash(data, "project", "1") == content_hash(dict(data), "project", "1")
    assert content_hash(data, "project", "1") != content_hash(data, "project", "2")
    assert content_hash(data, "project", "1") != content_hash({**data, "title": "报告2"}, "project", "1")


def test_url_fetcher_serves_only_the_report_static_files():
    css = (STATIC_DIR / "report.css").as_uri()
    assert b"@page" in read_static(css)
    fetcher = url_fetcher()
    assert b"@page" in fetcher.fetch(css).read()
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (STATIC_DIR / ".." / ".." / "manage.py").as_uri(),
        "file://otherhost" + str(STATIC_DIR / "report.css"),
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


@pytest.mark.django_db
def test_user_text_is_escaped_in_the_report_html():
    from reports.content import Paragraph, ReportContent, Section

    content = ReportContent(
        evaluation_id=1,
        title="<script>alert(1)</script>",
        cover_fields=[],
        date_text="二〇二三年十月",
        outline_key="project",
        outline_version=1,
        outline_name="x",
        author="x",
        sections=[Section("sec-1", "基本情况", 1, "一、", blocks=[Paragraph('<img src="http://evil.example/x.png">')])],
    )
    html = render_html(content)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert '<img src="http://evil.example' not in html and "&lt;img" in html
