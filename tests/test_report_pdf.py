"""The two demo reports as PDF: rendered once per test session, then read back as a user would.

Rendering is slow (seconds), so the demo reports are rendered by one session fixture (inside a
transaction that is rolled back); the tests read its text, fonts and structure.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pdfplumber
import pytest
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from evaluations.demo import load_demo
from evaluations.domain.scoring import recompute_scores
from evaluations.models import NarrativeSection
from evaluations.queries.consistency import check_evaluation, has_errors
from evaluations.queries.tree import indicator_tree
from reports.assembly import assemble_report
from reports.content import Table
from reports.rendering import render_pdf_document
from reports.selection import outline_for
from rubrics.numbers import plain
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory, complete_report

pytestmark = pytest.mark.slow


def squash(text: str) -> str:
    """Text without whitespace: PDF text extraction breaks lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", text)


@dataclass
class Rendered:
    content: object
    pdf: bytes
    pages: list[str]
    reader: PdfReader
    leaves: list[tuple[str, Decimal, Decimal]]
    total: Decimal
    grade: str

    @property
    def text(self) -> str:
        return squash("".join(self.pages))


@pytest.fixture(scope="session")
def demo_reports(django_db_setup, django_db_blocker):
    reports = {}
    with django_db_blocker.unblock(), transaction.atomic():
        for kind, evaluation in load_demo().items():
            content = assemble_report(evaluation, outline_for(evaluation))
            rendered = render_pdf_document(content)
            reader = PdfReader(io.BytesIO(rendered.pdf))
            leaves = [(leaf.name, leaf.weight, leaf.score) for leaf in indicator_tree(evaluation).leaves]
            reports[kind] = Rendered(
                content,
                rendered.pdf,
                [page.extract_text() for page in reader.pages],
                reader,
                leaves,
                evaluation.total_score,
                evaluation.grade,
            )
        transaction.set_rollback(True)
    return reports


def headings(sections) -> list[str]:
    found = []
    for section in sections:
        found.append(section.heading)
        found += headings(section.children)
    return found


def tables(sections) -> list[Table]:
    found = []
    for section in sections:
        found += [block for block in section.blocks if isinstance(block, Table)]
        found += tables(section.children)
    return found


@pytest.mark.parametrize("kind", ["project", "department"])
def test_demo_report_has_every_heading_leaf_score_total_and_grade(demo_reports, kind):
    report = demo_reports[kind]
    text = report.text
    content = report.content
    for heading in headings(content.sections) + headings(content.annexes):
        assert squash(heading) in text, heading
    for name, weight, score in report.leaves:
        sentence = f"{name}：权重分为{plain(weight)}分，实际得分为{plain(score)}分。"
        assert squash(sentence) in text, sentence
    assert plain(report.total) in text and f"“{report.grade}”" in text
    assert "等级标识分数对应标准：优：绩效评价分值≥90分" in text  # the grade footnote
    assert squash(content.title) in squash(report.pages[0])  # the cover
    assert "目录" in squash(report.pages[1])


def test_project_report_follows_seed_003(demo_reports):
    report = demo_reports["project"]
    content = report.content
    top = [section.heading for section in content.sections]
    assert top == [
        "一、基本情况",
        "二、绩效评价开展情况",
        "三、综合评价结论与指标分析",
        "四、主要经验及做法",
        "五、存在的问题",
        "六、相关建议和整改措施",
        "七、其他需要说明的问题",
    ]
    # 附件 3 (field research) is left out: this evaluation recorded none
    assert [annex.heading for annex in content.annexes] == ["附件1 项目绩效指标体系评分表", "附件2 基础数据采集表"]
    numbered = {t.number: t.title for t in tables(content.sections)}
    assert numbered["表1-1"] == "项目资金使用情况表"
    assert numbered["表1-2"] == "项目绩效目标完成情况表"
    assert numbered["表3-1"] == "绩效评价体系得分表"
    assert numbered["表3-2"] == "预算编制情况表"
    assert numbered["表3-3"] == "产出数量完成情况表"
    text = report.text
    assert "表1-1项目资金使用情况表" in text
    assert "合计293.53100.00%" in text  # 表1-1: 合计 and 占比 computed from the rows
    assert "春节慰问金94.1932.09%" in text
    assert "合计433.53294.39" in text  # 表3-2
    assert "指标权重分20分，得分19分。具体分析如下：" in text
    assert "（1）项目立项（满分7分，得分7分）" in text
    assert "慰问低保家庭、特困人员和四残老人数量" in text and "96.8%" in text  # 表3-3 完成率 from the inputs
    assert "（报告日期未定）" in squash(report.pages[0])  # no report date, not handed on: never the render date
    assert "实际支出293.53万元÷实际到位资金294.39万元×100%=99.71%" in text  # derived figures annex


def test_department_report_follows_seed_004(demo_reports):
    report = demo_reports["department"]
    text = report.text
    assert [section.heading for section in report.content.sections][:4] == [
        "一、部门基本情况",
        "二、绩效评价工作开展情况",
        "三、部门整体绩效评价指标体系",
        "四、评价结论及绩效分析",
    ]
    assert "二〇二三年十月" in squash(report.pages[0])  # report_date 2023-10-01
    # 绩效得分整体情况表 by level-1 indicator: 指标, 权重, 分值, 得分率
    assert "指标权重分值得分率" in text
    assert "资源配置86.5982.38%" in text
    assert "合计10091.8791.87%" in text
    assert "指标分值为6分，实际得分6分，得分率为100%。指标得分情况见表：" in text
    assert "预算完成率：权重分为2分，实际得分为1.87分。" in text
    # body tables where the seed has them
    for title in ("收支预算总表", "预、决算支出对比表", "部门基本情况：机构设置和人员情况", "三公"):
        assert title in text, title
    assert "收入总计5,653.10支出总计5,653.10" in text
    # annexes: indicator system with scores, every base table, field research
    for annex in ("附件1指标体系得分表", "附件2基础数据采集表", "附件3现场调研记录"):
        assert annex in text
    assert "基础表4部门年度专项项目完成情况表" in text and "51,781,001.20" in text  # declared in 元, stays 元
    assert "部门整体支出绩效目标申报表、三定方案、相关规划等" in text  # 调研资料说明
    assert "一般公共预算财政拨款“三公”经费表" in text
    # derived figures (evaluations.datatables.figures) with their arithmetic, after the base tables
    assert "派生数据（由基础数据计算）" in text and "在职人员控制率" in text and "117.65%" in text


def ruled_rows(pdf: bytes, caption: str, pages: int = 4) -> list[list[str]]:
    """The rows of the ruled tables pdfplumber finds from the page printing ``caption`` on, each cell's text
    squashed and without the diagonal 草稿 stamp's characters (a merged-away cell reads "")."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        start = next(i for i, page in enumerate(document.pages) if caption in squash(page.extract_text() or ""))
        return [
            [squash(cell or "").replace("草", "").replace("稿", "") for cell in row]
            for page in document.pages[start : start + pages]
            for table in page.extract_tables()
            for row in table
        ]


def test_the_seed_004_tables_written_in_sections_print_as_tables(demo_reports):
    report = demo_reports["department"]
    assert "罗庄区民政局内设机构职责分工表" in report.text and "2022年罗庄区民政局履职完成情况" in report.text
    structure = ruled_rows(report.pdf, "罗庄区民政局内设机构职责分工表")
    assert structure.count(["机构设置", "职责分工"]) >= 2  # the header, repeated on the next page
    units = {row[0] for row in structure if len(row) == 2}
    assert {
        "办公室(挂党建工作科、政策法规科牌子)",
        "社会组织事务和基层政权建设办公室(挂区划地名科、儿童福利科牌子)",
        "社会救助和养老服务科(挂慈善事业促进和社会工作科牌子)",
        "临沂市罗庄区婚姻登记中心",
        "临沂市罗庄区民政事业发展服务中心",
        "临沂市罗庄区社会救助综合服务中心",
    } <= units
    assert any(row[1].startswith("负责文电、会务、督查") for row in structure if len(row) == 2)
    performance = ruled_rows(report.pdf, "2022年罗庄区民政局履职完成情况")
    assert ["部门职责", "", "职责目标", "工作内容"] in performance  # 部门职责 spans two columns
    four = [row for row in performance if len(row) == 4]
    assert {"社会救助工作", "社会事务工作", "区划管理", "基层政权管理", "养老服务工作", "儿童福利"} <= {
        r[0] for r in four
    }
    marriage = next(row for row in four if row[2] == "提升婚姻登记服务水平")
    assert marriage[0] == "" and marriage[3].startswith("共办理婚姻登记工作总量5685件")  # under the merged 社会事务工作


@pytest.mark.parametrize("kind", ["project", "department"])
def test_fonts_are_embedded_and_subset(demo_reports, kind):
    report = demo_reports[kind]
    fonts = {}
    for page in report.reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), f"{name} is not a subset"
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
            "/FontDescriptor"
        ].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"
    assert len(report.pdf) < 1_000_000  # subset fonts keep the report under 1 MB


@pytest.mark.parametrize("kind", ["project", "department"])
def test_demo_reports_are_drafts_with_the_problem_list(demo_reports, kind):
    report = demo_reports[kind]
    assert report.content.draft  # the mark on every page is a picture: tests/test_report_content.py
    last = squash("".join(report.pages[-2:]))  # the list of the department's 26 findings takes two pages
    assert "附：尚未解决的问题清单" in last
    assert squash(report.content.problems[0].message)[:20] in squash("".join(report.pages[-3:]))


@pytest.mark.django_db
def test_a_clean_evaluation_is_not_a_draft_and_empty_optional_sections_render():
    evaluation = EvaluationFactory(title="甲区民政局部门整体绩效评价")
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="履职效能", weight=100, order=1)
    middle = EvaluationIndicatorFactory(evaluation=evaluation, parent=root, name="社会救助", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=middle,
        name="收养登记合格率",
        weight=60,
        rule_kind="binary",
        inputs={"met": True},
        order=1,
    )
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=middle,
        name="婚姻登记服务水平",
        weight=40,
        rule_kind="binary",
        inputs={"met": False},
        order=2,
        analysis="存在投诉。",
    )
    NarrativeSection.objects.create(evaluation=evaluation, key="conclusion", text="部门整体支出较规范。")
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    assert not has_errors(check_evaluation(evaluation))

    # Required sections left empty are visible, not silently dropped, and keep the report a draft.
    unfinished = assemble_report(evaluation, outline_for(evaluation))
    assert unfinished.draft
    assert any(p.severity == "待填" and p.where == "章节「部门情况」" for p in unfinished.problems)

    def texts(section):
        return [getattr(block, "text", "") for block in section.blocks] + [
            t for c in section.children for t in texts(c)
        ]

    assert "（尚未填写）" in texts(unfinished.sections[0])

    complete_report(evaluation)  # every required section written; 评价的局限性 and 其他 are optional
    content = assemble_report(evaluation, outline_for(evaluation))
    assert not content.draft
    other = content.sections[-1]
    assert other.heading == "六、其他需要说明的问题" and other.blocks[0].text == "无。"
    process = [s for s in content.sections[1].children if s.title == "评价的局限性"]
    assert process == []  # an empty optional subsection is left out

    rendered = render_pdf_document(content)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages]
    text = squash("".join(pages))
    assert "草稿" not in text
    assert "尚未解决的问题清单" not in text
    assert "综合得分为60分，评价等级为“中”。" in text
    assert "婚姻登记服务水平：权重分为40分，实际得分为0分。" in text
    assert "（尚未填写）" not in text


@pytest.mark.django_db
def test_render_report_command_writes_the_pdf_and_prints_pages_size_seconds(tmp_path):
    evaluation = EvaluationFactory()
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="产出", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="完成率", weight=100, rule_kind="binary", inputs={"met": True}
    )
    recompute_scores(evaluation)
    output = tmp_path / "报告.pdf"
    out = io.StringIO()
    call_command("render_report", str(evaluation.pk), "--output", str(output), stdout=out)
    assert output.read_bytes().startswith(b"%PDF")
    assert re.search(r"\d+ 页，\d+ KB，[\d.]+ 秒", out.getvalue())


@pytest.mark.django_db
def test_an_evaluation_without_indicators_or_data_still_renders():
    evaluation = EvaluationFactory(kind="project", project=None)
    content = assemble_report(evaluation, outline_for(evaluation))
    rendered = render_pdf_document(content)
    text = squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages))
    assert "尚有指标未计分，暂无综合得分和评价等级。" in text
    assert "（未填报）" in text  # the empty data tables say so
    assert "四、主要经验及做法无。" in text
