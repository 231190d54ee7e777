"""The content a bureau reviewer checks against the seeds, read back from the two demo reports' PDFs.

Cover (date, organisations, title lines), 附件 2 (the 基础表 forms whole: header block, 支付进度率, the rows the unit
signs; every table printed once per number; no internal sheet codes; the batch table's total explained), the
derived figures (their operands give their results), 附件 3 (the record's own 调研内容 and order) and the draft mark
(visible on every page, absent from the text).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from django.db import transaction
from pypdf import PdfReader

from evaluations.datatables import TABLES
from evaluations.datatables.spec import Column, RateColumn, TableSpec
from evaluations.demo import SEED_DOCUMENTS, load_demo
from evaluations.domain.importing import import_document
from evaluations.interchange.export import export_document
from evaluations.interchange.reader import read_document_partly
from evaluations.models import EvaluationState, StateChange
from reports import base_tables, form_tables
from reports.assembly import assemble_report, cover_date, cover_title_lines
from reports.content import Table
from reports.rendering import render_html, render_pdf_document
from reports.selection import outline_for
from rubrics.document import parse_document
from rubrics.numbers import round_half_up
from tests.factories import EvaluationFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db  # the session fixture needs the test database set up whichever tests run


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _Text(HTMLParser):
    """The text a browser would lay out: the body, without the head's title and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        self._in_body = self._in_body or tag == "body"

    def handle_data(self, data):
        if self._in_body:
            self.parts.append(data)


@pytest.fixture(scope="session")
def reports(django_db_setup, django_db_blocker):
    rendered = {}
    with django_db_blocker.unblock(), transaction.atomic():
        for kind, evaluation in load_demo().items():
            content = assemble_report(evaluation, outline_for(evaluation))
            pdf = render_pdf_document(content).pdf
            pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
            html = _Text()
            html.feed(render_html(content))
            rendered[kind] = {"content": content, "pdf": pdf, "pages": pages, "html_text": "".join(html.parts)}
        transaction.set_rollback(True)
    return rendered


def annex(report: dict, number: int) -> str:
    """The squashed text of 附件N (from its heading to the next annex or the problem list)."""
    text = squash("".join(report["pages"]))
    start = text.rindex(f"附件{number}")  # the heading, after the TOC entry
    ends = [text.find(marker, start + 3) for marker in (f"附件{number + 1}", "附：尚未解决的问题清单")]
    return text[start : min(end for end in ends if end != -1)]


def tables_of(sections) -> list[Table]:
    found = []
    for section in sections:
        found += [block for block in section.blocks if isinstance(block, Table)]
        found += tables_of(section.children)
    return found


# --- cover ------------------------------------------------------------------------------------------


def test_covers_are_dated_by_the_report_never_by_the_render(reports):
    department = squash(reports["department"]["pages"][0])
    assert department.endswith("二〇二三年十月")  # report_date 2023-10-01, as seed 004's cover
    project = squash(reports["project"]["pages"][0])
    assert project.endswith("（报告日期未定）")  # seed 003 gives no date; a draft the team is still writing
    assert "二〇二六" not in project and "二〇二六" not in department


def test_covers_name_only_the_evaluations_own_organisations(reports):
    project = squash(reports["project"]["pages"][0])
    # Seed 003: 区民政局 organised its own 绩效评价小组 and issued the report; it names no firm.
    assert "项目名称：困难群体救助项目单位：深圳市罗湖区民政局委托单位：深圳市罗湖区财政局" in project
    assert "评价机构" not in project and "山东鲁昶" not in project
    department = squash(reports["department"]["pages"][0])
    assert "委托单位：临沂市罗庄区财政局评价机构：山东鲁昶项目管理咨询有限公司" in department


def test_cover_titles_break_between_words(reports):
    for kind, title_lines in (
        ("project", ["2023 年度困难群体救助", "项目支出绩效评价报告"]),
        ("department", ["2022 年度罗庄区民政局", "部门整体绩效评价报告"]),
    ):
        assert reports[kind]["content"].title_lines == title_lines
        lines = reports[kind]["pages"][0].splitlines()
        assert lines[:2] == title_lines, kind  # each line as printed, none wrapped inside a word


@pytest.mark.parametrize(
    "title, lines",
    [
        ("甲区民政局项目评价报告", ["甲区民政局项目评价报告"]),  # short: one line
        ("2023 年度困难群体救助项目支出绩效评价报告", ["2023 年度困难群体救助", "项目支出绩效评价报告"]),
        ("某市某区某某某某局某某某某专项资金绩效评价报告", ["某市某区某某某某局某某某某专项资金", "绩效评价报告"]),
        ("某市某区某某某局某某某某某专项资金的评价报告", ["某市某区某某某局某某某某某专项资金的", "评价报告"]),
    ],
)
def test_cover_title_lines(title, lines):
    assert cover_title_lines(title) == lines


@pytest.mark.django_db
def test_cover_date_follows_the_report_date_then_the_approval_then_the_hand_off():
    evaluation = EvaluationFactory(state=EvaluationState.SCORING, report_date=None)
    actor = UserFactory()
    assert cover_date(evaluation) == "（报告日期未定）"  # the team is still writing it

    def step(transition, to_state, when):
        change = StateChange.objects.create(
            evaluation=evaluation, transition=transition, from_state="x", to_state=to_state, actor=actor
        )
        StateChange.objects.filter(pk=change.pk).update(created_at=datetime(*when, 10, tzinfo=SHANGHAI))
        evaluation.state = to_state

    step("submit_review", EvaluationState.INTERNAL_REVIEW, (2024, 2, 5))
    assert cover_date(evaluation) == "二〇二四年二月"  # the reviewer's copy is dated the day it was handed on
    step("pass_review", EvaluationState.CONSULTATION, (2024, 3, 1))
    assert cover_date(evaluation) == "二〇二四年三月"
    step("submit", EvaluationState.SUBMITTED, (2024, 4, 30))
    assert cover_date(evaluation) == "二〇二四年四月"
    step("return", EvaluationState.RETURNED, (2024, 5, 6))
    assert cover_date(evaluation) == "（报告日期未定）"  # back with the team: the old date would be wrong
    step("submit_review", EvaluationState.INTERNAL_REVIEW, (2024, 5, 20))
    step("pass_review", EvaluationState.CONSULTATION, (2024, 5, 25))
    step("submit", EvaluationState.SUBMITTED, (2024, 6, 3))
    step("approve", EvaluationState.APPROVED, (2024, 7, 1))
    assert cover_date(evaluation) == "二〇二四年七月"  # the approval
    step("start_rectification", EvaluationState.RECTIFICATION, (2024, 9, 1))
    assert cover_date(evaluation) == "二〇二四年七月"  # still the approval, not the later step
    evaluation.report_date = date(2024, 6, 18)
    assert cover_date(evaluation) == "二〇二四年六月"  # the team's report date wins


# --- 附件 2: the 基础表 forms whole -----------------------------------------------------------------


def test_form_1_prints_its_header_block_and_per_unit_headcounts(reports):
    text = annex(reports["department"], 2)
    assert "基础表1部门基本情况单位：人部门名称部门性质编制人数在职人数临沂市罗庄区民政局行政单位3440" in text
    assert "机构设置和人员情况（截至2022年12月31日）" in text
    # 序号, 机构名称, 机构性质, 编制人数 (合计, by kind), 在职人数 (合计, by kind), as seed 004's 6/9/8/11 and 13/9/8/10
    for row in ("1民政局机关行政6613931", "2婚姻登记中心事业9999", "3民政事业发展服务中心事业8888"):
        assert row in text, row
    assert "4社会救助综合服务中心事业11111010" in text
    assert "合计346284092731" in text
    assert text.count("基础表1") == 1  # one form, numbered once, in four tables


def test_form_4_prints_the_payment_progress_rate_and_its_total(reports):
    text = annex(reports["department"], 2)
    assert "预算数实际支付资金数支付进度率备注" in text
    assert "公益性公墓建设资金公益性公墓墓穴建设4383个6,840,000.000.000.00%" in text
    assert "惠民殡葬政策减免资金惠民殡葬政策覆盖8个盖镇街1,760,000.00454,542.0025.83%" in text
    assert "部门38人的考核奖励资金70,000.0069,767.9299.67%" in text
    assert "合计51,781,001.2035,405,679.9168.38%" in text


def test_every_signed_form_closes_with_the_units_rows(reports):
    text = annex(reports["department"], 2)
    signed = "填写人：联系电话：填写日期：2022年7月30日备注：①"
    assert text.count(signed) == 5  # 基础表 1, 2, 4, 5, 6 (seed 004 prints none under 基础表3)
    assert signed + "请提供2022年度固定资产新增和处置、报废明细账。②请提供流动资产简要说明。基础表2" in text
    assert signed + "所填文件请提供对应的佐证材料。" in text
    assert text.count(signed + "所填数据请提供对应的佐证材料。") == 3
    form_3 = text[text.index("基础表3") : text.index("基础表4")]
    assert "填写人" not in form_3


def test_each_table_is_printed_once_per_number_and_the_annex_refers_to_the_body(reports):
    for kind, report in reports.items():
        content = report["content"]
        numbers = [table.number for table in tables_of(content.sections + content.annexes) if table.number]
        assert len(numbers) == len(set(numbers)), kind
        text = squash("".join(report["pages"]))
        for table in tables_of(content.sections):
            if table.number:
                # once, besides the 续表 captions of its continued pages
                printed = re.findall(f"(?<!续){re.escape(squash(table.caption))}", text)
                assert len(printed) == 1, table.caption
    text = annex(reports["project"], 2)
    assert (
        "项目资金使用情况表见正文表1-1，项目绩效目标完成情况表见正文表1-2，预算编制情况表见正文表3-2，此处不再重复列示。"
    ) in text
    for caption in ("表1-1项目资金使用情况表", "表1-2项目绩效目标完成情况表", "表3-2预算编制情况表"):
        assert caption not in text
    text = annex(reports["department"], 2)
    assert "收支预算总表和预、决算支出对比表见正文“一、（四）部门整体收支情况”" in text
    assert "一般公共预算财政拨款“三公”经费表见正文“四、（二）绩效分析”，此处不再重复列示。" in text


def test_captions_carry_no_internal_sheet_codes(reports):
    internal = {spec.code for spec in TABLES.values() if not spec.form_number and spec.code != spec.title}
    internal -= {code for code in internal if re.fullmatch(r"表\d+-\d+", code)}  # the seeds' own body numbers
    assert {"资金表", "发放表", "预决算对比表", "三公经费表", "预算执行表"} <= internal
    for report in reports.values():
        content = report["content"]
        for table in tables_of(content.sections + content.annexes):
            assert not any(table.caption.startswith(code) for code in internal), table.caption
        text = squash("".join(report["pages"]))
        for code in internal:
            spec_titles = [spec.title for spec in TABLES.values() if spec.code == code]
            assert not any(squash(f"{code} {title}") in text for title in spec_titles), code
    assert "项目资金情况表" in annex(reports["project"], 2) and "资金发放批次表" in annex(reports["project"], 2)


def test_the_batch_table_says_why_it_totals_less_than_table_1_1(reports):
    text = annex(reports["project"], 2)
    assert (
        "注：本表发放金额合计287.53万元，表1-1实际支付金额合计293.53万元，相差6.00万元：本表只列分批次发放的资金，"
        "不含价格临时补贴4.07万元、临时慰问金2.20万元；春节慰问金各批次合计94.18万元（表1-1为94.19万元）、"
        "中秋节慰问金各批次合计159.53万元（表1-1为159.25万元），两表记录不一致。"
    ) in text


# --- derived figures: the operands give the result -------------------------------------------------------

RATIO = re.compile(r"(-?[\d,]+(?:\.\d+)?)(万元|元|人)÷[^÷=]*?(-?[\d,]+(?:\.\d+)?)\2×100%=(-?[\d.]+)%")
CHANGE = re.compile(r"（本年(-?[\d,.]+)(万元|元)−上年(-?[\d,.]+)\2）÷上年(-?[\d,.]+)\2×100%=(-?[\d.]+)%")


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize("kind, count", [("project", 17), ("department", 13)])
def test_every_derived_figure_line_recomputes_from_its_printed_operands(reports, kind, count):
    text = annex(reports[kind], 2)
    figures = text[text.index("派生数据（由基础数据计算）") :]
    ratios = RATIO.findall(figures)
    changes = CHANGE.findall(figures)
    for numerator, _, denominator, result in ratios:
        computed = round_half_up(_number(numerator) / _number(denominator) * 100, 2)
        assert computed == Decimal(result), (numerator, denominator, result)
    for current, _, previous, base, result in changes:
        assert previous == base
        computed = round_half_up((_number(current) - _number(previous)) / _number(previous) * 100, 2)
        assert computed == Decimal(result), (current, previous, result)
    counts = len(re.findall(r"对象\d+户（人）", figures))  # 逾期发放对象数: a count, not a ratio
    assert len(ratios) + len(changes) + counts == count
    if kind == "department":  # the operands as entered, also in the tables they come from
        assert "“三公经费”实际支出数0.068万元÷“三公经费”预算安排数0.1万元×100%=68.00%" in figures
        assert "（本年0.1953万元−上年0.68万元）÷上年0.68万元×100%=-71.28%" in figures
        assert "公务接待费0.200.000.100.068" in squash("".join(reports[kind]["pages"]))


# --- 附件 3: the record's own wording and order ----------------------------------------------------------


def test_field_research_prints_the_records_own_content_in_its_order(reports):
    text = annex(reports["department"], 3)
    rows = [
        "5重点支出安排率重点支出安排率=(重点项目支出/项目总支出)X100%。项目总支出:部门(单位)年度预算安排的项目支出总额。",
        "6在职人员控制率在职人员控制率=(在职人员数/编制数)X100%，在职人员数:部门(单位)实际在职人数，以财政部门确定的"
        "部门决算编制口径为准。编制数:机构编制部门核定批复的部门(单位)的人员编制数。",
        "7预算完成率预算完成率=(预算完成数/预算数)X100%。考察部门预算完成情况。",
        "8预算执行进度率预算执行进度率=部门实际支出数/(年初预算数+年中下达预算资金数-年终预算收回数)X100%。"
        "用以反映和考核部门(单位)预算执行的及时性和均衡性程度。",
        "9预算调整率部门本年度预算调整数与预算数的比率,用以反映和考核部门预算的调整程度。",
    ]
    positions = [text.find(row) for row in rows]
    assert -1 not in positions, [row[:12] for row, position in zip(rows, positions, strict=True) if position < 0]
    assert positions == sorted(positions)
    assert "部门本年度预算完成数与预算数的比率" not in text  # 附件 1's 指标解释 of 预算完成率, not the record's


# --- the draft mark: a picture on every page, never text ----------------------------------------------


def _red_pixels(pdf: bytes, page: int, box: tuple[float, float, float, float], *, faint: bool) -> int:
    """Pixels of the draft red (#b00000) in a part of a page (box as fractions of width and height)."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=100 / 72).to_pil().convert("RGB")
    width, height = image.size
    left, top, right, bottom = box
    data = image.crop((int(left * width), int(top * height), int(right * width), int(bottom * height))).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    if faint:  # the watermark at a tenth of the ink: pink over white
        return sum(1 for r, g, b in pixels if r > 235 and 200 < g < 240 and abs(g - b) < 8 and r - g > 12)
    return sum(1 for r, g, b in pixels if r > 140 and g < 60 and b < 60)


@pytest.mark.parametrize("kind", ["project", "department"])
def test_the_draft_mark_is_visible_on_every_page_but_not_text(reports, kind):
    report = reports[kind]
    assert report["content"].draft
    pages = len(report["pages"])
    for page in range(pages):
        assert _red_pixels(report["pdf"], page, (0.75, 0, 1, 0.08), faint=False) > 40, f"page {page + 1}: no mark"
    for page in (0, pages // 2, pages - 1):
        assert _red_pixels(report["pdf"], page, (0.2, 0.25, 0.8, 0.75), faint=True) > 1000, f"page {page + 1}"
    # Every 草 and 稿 the PDF's text holds is one the report's text holds (起草, 底稿, 初稿, "本报告为草稿"):
    # none comes from the mark.
    for char in "草稿":
        assert "".join(report["pages"]).count(char) == report["html_text"].count(char), char


# --- the parts, on their own ------------------------------------------------------------------------


def test_a_rate_column_per_row_and_over_the_totals():
    spec = TableSpec(
        key="t",
        code="基础表9",
        title="测试表",
        kinds=frozenset({"department"}),
        columns=(
            Column("name", "项目名称"),
            Column("budget", "预算数", "money", "元", total=True),
            Column("paid", "实际支付资金数", "money", "元", total=True),
        ),
        rates=(RateColumn("支付进度率", "paid", "budget"),),
    )
    rows = [
        {"name": "甲", "budget": Decimal("3"), "paid": Decimal("1")},
        {"name": "乙", "budget": Decimal("0"), "paid": Decimal("0")},
    ]
    table = base_tables.data_table(spec, rows, "测试表")
    assert [cell.text for cell in table.head[0]][-1] == "支付进度率"
    assert [cell.text for cell in table.bodies[0][0]][-1] == "33.33%"
    assert [cell.text for cell in table.bodies[0][1]][-1] == ""  # nothing budgeted: no rate, not 0 %
    assert [cell.text for cell in table.bodies[-1][0]][-1] == "33.33%"


def test_a_form_left_empty_still_prints_its_footer():
    spec = TABLES["dept_capacity"]
    facts = form_tables.FormFacts(unit="甲局", year=2022, signatures={})
    blocks = form_tables.form_blocks([spec], {}, facts)
    assert blocks[0].empty_text == "（未填报）"
    assert [block.text for block in blocks[1:]] == [
        "填写人：　　联系电话：　　填写日期：",
        "备注：①所填数据请提供对应的佐证材料。",
    ]


def test_batches_note_is_empty_when_the_totals_agree_and_names_what_differs():
    uses = [{"item": "甲", "amount": Decimal("2")}, {"item": "乙", "amount": Decimal("1")}]
    assert base_tables.batches_note([{"item": "甲", "amount": Decimal("3")}], uses, "表1-1") == ""
    note = base_tables.batches_note(
        [{"item": "甲", "amount": Decimal("2")}, {"item": "丙", "amount": Decimal("0.5")}], uses, "表1-1"
    )
    assert note == (
        "注：本表发放金额合计 2.50 万元，表1-1 实际支付金额合计 3.00 万元，相差 0.50 万元："
        "本表只列分批次发放的资金，不含乙 1.00 万元；本表另列表1-1 未单列的丙。"
    )


# --- the facts behind them travel with the document ------------------------------------------------------


@pytest.mark.django_db
def test_the_cover_and_research_record_facts_round_trip_through_the_document():
    for username in ("evaluator", "reviewer", "reviewer1", "reviewer3"):
        UserFactory(username=username)
    project = import_document(parse_document(SEED_DOCUMENTS["project"].read_text(encoding="utf-8")))
    assert project.cover_names_firm is False
    assert export_document(project)["evaluation"]["cover_names_firm"] is False
    department = import_document(parse_document(SEED_DOCUMENTS["department"].read_text(encoding="utf-8")))
    assert department.cover_names_firm is True
    exported = export_document(department)
    assert "cover_names_firm" not in exported["evaluation"]  # the default is not written: older readers agree
    leaves = {leaf.name: leaf for leaf in department.indicators.filter(children__isnull=True)}
    assert leaves["预算执行进度率"].research_order == 8 and leaves["预算调整率"].research_order == 9
    assert leaves["预算完成率"].research_content == "预算完成率=(预算完成数/预算数)X100%。考察部门预算完成情况。"
    assert leaves["预算调整率"].research_content == ""  # worded as its 指标解释

    def exported_leaf(nodes, name):
        for node in nodes:
            found = node if node["name"] == name else exported_leaf(node.get("children", []), name)
            if found:
                return found
        return None

    node = exported_leaf(exported["indicators"], "预算完成率")
    assert (node["research_order"], node["research_content"]) == (7, leaves["预算完成率"].research_content)


@pytest.mark.parametrize(
    "header, leaf_extra, message",
    [
        ({"cover_names_firm": "否"}, {}, "evaluation.cover_names_firm（封面列出评价机构）只能是 true 或 false"),
        ({}, {"research_order": 0}, "research_order（调研记录序号）必须是 1 至 32767 的整数"),
        ({}, {"research_order": "8"}, "research_order（调研记录序号）必须是 1 至 32767 的整数"),
        ({}, {"research_content": 8}, "research_content 必须是文字"),
    ],
)
def test_bad_cover_and_research_facts_are_refused_in_chinese(header, leaf_extra, message):
    leaf = {"name": "预算完成率", "weight": 100, "rule": {"kind": "binary"}, "inputs": {"met": True}, **leaf_extra}
    doc = {"format": "perf-eval/1", "evaluation": {"kind": "department", **header}, "indicators": [leaf]}
    _, errors = read_document_partly(doc)
    assert any(message in error for error in errors), errors
