"""A section's rich text in the report: sub-headings in the report's hierarchy, emphasis, lists, tables."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from reports.content import ListBlock, Paragraph, ReportContent, Section, Table
from reports.numbering import heading_number
from reports.rendering import render_html, render_pdf_document
from reports.rich_text import section_blocks

SECTION = (
    "<h3>内控管理</h3><p>民政局制定了<strong>六个方面</strong>的制度，<em>确保</em>合法合规。<br>另起一行</p>"
    "<h4>预算业务</h4><p>按预算法执行。</p><h4>合同管理</h4><h3>① 财务管理</h3><h4>报销</h4>"
    "<ul><li><p>财务管理制度</p><ol><li>报销管理制度</li></ol></li><li>公务卡结算管理办法</li></ul>"
    "<p>（1）前期准备</p>"
    '<p>预算执行率为<span data-figure="figure:budget_execution_rate"></span>，'
    '旧数据<span data-figure="figure:gone"></span>。</p>'
)
FIGURES = {"figure:budget_execution_rate": "99.71%"}


def test_sub_headings_continue_the_report_hierarchy_below_the_section():
    blocks = section_blocks(SECTION, level=2)  # inside （五）部门管理情况
    headings = [(b.text, b.level) for b in blocks if isinstance(b, Paragraph) and b.style == "heading"]
    assert headings == [
        ("1.内控管理", 3),
        ("（1）预算业务", 4),
        ("（2）合同管理", 4),
        ("① 财务管理", 3),  # numbered by the evaluator: printed as written, still counted
        ("（1）报销", 4),
    ]
    deeper = [b for b in section_blocks(SECTION, level=3) if isinstance(b, Paragraph) and b.style == "heading"]
    assert [(b.text, b.level) for b in deeper][:2] == [("（1）内控管理", 4), ("①预算业务", 5)]
    preamble = [b for b in section_blocks(SECTION, level=0) if isinstance(b, Paragraph) and b.style == "heading"]
    assert preamble[0].text == "内控管理" and preamble[0].level == 3  # before the first chapter: no number
    assert [heading_number(5, n) for n in (1, 20, 21)] == ["①", "⑳", "（21）"]


def test_paragraphs_keep_emphasis_and_line_breaks_and_lists_stay_lists():
    blocks = section_blocks(SECTION, level=2)
    emphasised = blocks[1]
    assert emphasised.text == "民政局制定了六个方面的制度，确保合法合规。\n另起一行"
    assert [(r.text, r.bold, r.italic, r.br) for r in emphasised.runs] == [
        ("民政局制定了", False, False, False),
        ("六个方面", True, False, False),
        ("的制度，", False, False, False),
        ("确保", False, True, False),
        ("合法合规。", False, False, False),
        ("", False, False, True),
        ("另起一行", False, False, False),
    ]
    (listed,) = [b for b in blocks if isinstance(b, ListBlock)]
    assert not listed.ordered and len(listed.items) == 2
    first, nested = listed.items[0]
    assert (first.text, first.style) == ("财务管理制度", "item")
    assert nested.ordered and nested.items[0][0].text == "报销管理制度"
    assert (blocks[-2].text, blocks[-2].style) == ("（1）前期准备", "subhead")  # a numbered line, as before


TABLE = (
    "<p>收支情况如下：</p><p>2022 年民政局收支预算总表</p><p>单位：万元</p>"
    "<table><thead><tr><th rowspan='2'>项目</th><th colspan='2'>预算数</th></tr>"
    "<tr><th>收入</th><th>支出</th></tr></thead><tbody>"
    "<tr><th>一般公共预算</th><td>5,446.28</td><td><p>5,395.32</p></td></tr>"
    "<tr><td>其他收入（含以前年度结转的财政专户管理资金和事业单位经营收入等各类资金）</td>"
    "<td>3.02</td><td>—</td></tr></tbody></table>"
)


def test_a_table_gets_its_title_unit_header_rows_and_widths():
    blocks = section_blocks(TABLE, level=3)
    assert [b.text for b in blocks[:-1]] == ["收支情况如下："]  # the title and unit line moved onto the table
    table = blocks[-1]
    assert isinstance(table, Table)
    assert (table.title, table.unit_note, table.style, table.key) == (
        "2022 年民政局收支预算总表",
        "单位：万元",
        "rich",
        "narrative",
    )
    assert [[(c.text, c.rowspan, c.colspan) for c in row] for row in table.head] == [
        [("项目", 2, 1), ("预算数", 1, 2)],
        [("收入", 1, 1), ("支出", 1, 1)],
    ]
    (body,) = table.bodies
    assert [(c.text, c.role, c.align) for c in body[0]] == [
        ("一般公共预算", "rowhead", ""),
        ("5,446.28", "", "num"),
        ("5,395.32", "", "num"),
    ]
    widths = [column.width for column in table.columns]
    assert len(widths) == 3 and abs(sum(widths) - 100) < 0.05
    assert widths[0] > widths[1]  # the long label column gets the room
    assert min(widths) >= 2.315 * 4 + 3  # a column of "5,446.28" is at least as wide as its figures
    assert table.whole  # short: kept on one page


def test_a_table_merged_down_from_the_header_keeps_its_rows_in_the_header_and_long_tables_may_split():
    html = "<table><tr><th rowspan=2>甲</th><th>乙</th></tr><tr><td>丙</td></tr><tr><td>丁</td><td>戊</td></tr></table>"
    table = section_blocks(html, level=2)[0]
    assert len(table.head) == 2 and len(table.bodies[0]) == 1
    long = (
        "<table>" + "".join(f"<tr><td>第{i}行</td><td>{'很长的说明文字' * 30}</td></tr>" for i in range(8)) + "</table>"
    )
    table = section_blocks("<p>表</p>" + long, level=2)[-1]
    assert table.head == [] and not table.whole  # 8 rows of long text: allowed to run over pages
    assert table.title == "表"
    prose = section_blocks("<p>具体职责分工如下：</p>" + long, level=2)
    assert prose[0].text == "具体职责分工如下：" and prose[1].title == ""  # a sentence is not a title


def _report(blocks) -> ReportContent:
    return ReportContent(
        evaluation_id=1,
        title="测试报告",
        cover_fields=[],
        date_text="二〇二三年十月",
        outline_key="department",
        outline_version=1,
        outline_name="部门",
        author="评价机构",
        sections=[Section("sec-1", "部门管理情况", 2, number="（五）", blocks=blocks)],
    )


def test_rich_text_is_printed_with_the_report_styles():
    content = _report(section_blocks(SECTION + TABLE, level=2, figures=FIGURES))
    html = render_html(content).replace("\n", "")  # (the templates' own line ends)
    assert '<h3 class="inner">1.内控管理</h3>' in html and '<h4 class="inner">（1）预算业务</h4>' in html
    assert "民政局制定了<strong>六个方面</strong>的制度，<em>确保</em>合法合规。<br>另起一行" in html
    assert '<ul class="rich"><li><p class="item">财务管理制度</p><ol class="rich">' in html
    assert '<div class="table-block rich whole">' in html and '<p class="unit-note">单位：万元</p>' in html
    assert '<td class="num ">5,446.28</td>' in html and '<td class=" rowhead">一般公共预算</td>' in html
    assert '预算执行率为99.71%，旧数据<span class="missing-figure">数据已删除</span>。' in html  # bound figures
    assert html == render_html(content.to_dict()).replace("\n", "")  # the stored snapshot prints the same


@pytest.mark.slow
def test_a_section_table_prints_as_a_ruled_table():
    pdf = render_pdf_document(_report(section_blocks(SECTION + TABLE, level=2, figures=FIGURES))).pdf
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        rows = [row for page in document.pages for table in page.extract_tables() for row in table]
        text = "".join(page.extract_text() or "" for page in document.pages)
    assert ["项目", "预算数", None] in rows and ["一般公共预算", "5,446.28", "5,395.32"] in rows
    assert "1.内控管理" in text and "（1）预算业务" in text
    assert "预算执行率为99.71%，旧数据数据已删除。" in text.replace("\n", "")
