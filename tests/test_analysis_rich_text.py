"""Issue 11 for the per-indicator analysis: rich text like a section (the same editor and sanitiser on every way
in), drafted with figures bound to the data, so a change of the data changes the drafted text on the analysis page
and in the report without drafting again; the check reads it without false alarms and names a binding whose figure
is gone; export and import carry it; the migration turns stored plain text into paragraphs."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.forms import modelform_factory
from django.urls import reverse

from evaluations.demo import load_demo
from evaluations.domain import narrative as service
from evaluations.domain.datatables import save_table
from evaluations.domain.importing import import_document
from evaluations.interchange.export import export_document
from evaluations.interchange.reader import read_document_partly
from evaluations.models import Evaluation, EvaluationIndicator, User
from evaluations.narrative_html import MISSING_FIGURE, clean_section_html, figure_keys, plain_text, with_figures
from evaluations.queries import analysis_drafts as drafts
from evaluations.queries.analysis_drafts import Standing
from evaluations.queries.audit import change_log
from evaluations.queries.bound_figures import figure_catalogue, figure_texts
from evaluations.queries.consistency import ERROR, check_evaluation
from reports.assembly import assemble_report, with_sentence
from reports.content import ListBlock, Paragraph, Run, Table
from reports.selection import outline_for
from tests.factories import EvaluationIndicatorFactory

DIRTY = (
    '<p onclick="x()" style="color:red">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a>'
    '<img src="https://evil.example/t.png"></p><iframe src="https://evil.example/"></iframe>'
    '<table><tr><td colspan="2">表</td></tr></table>'
)
CLEAN = '<p>正文链接</p><table><tbody><tr><td colspan="2"><p>表</p></td></tr></tbody></table>'

EXECUTION = "预算执行率"  # the project demo's leaf bound to the derived figure of the same name
CALCULATION = "实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元 × 100% = 99.71%"


@pytest.fixture
def demo(db):
    return load_demo()


@pytest.fixture
def evaluator(demo):
    return User.objects.get(username="evaluator")


def leaf_named(evaluation: Evaluation, name: str) -> EvaluationIndicator:
    return evaluation.indicators.get(name=name)


def reading(evaluation: Evaluation, html: str) -> str:
    return plain_text(html, figure_texts(figure_catalogue(evaluation)))


def draft_everything(evaluation: Evaluation, user) -> service.DraftAllResult:
    """起草全部, overwriting the seed's own texts as confirmed (the demo keeps some of the seed's analyses)."""
    own = {leaf.indicator.pk: leaf.indicator.version for leaf in drafts.analysis_plan(evaluation).own}
    return service.draft_all_analyses(evaluation=evaluation, overwrite=own, user=user)


def _spend(evaluation: Evaluation, amount: str) -> None:
    """The project's 实际支出 changes (293.53 → amount): 预算执行率, its leaf's score and the total follow."""
    row = {"initial_budget": "433.53", "adjusted_budget": "294.39", "funds_received": "294.39"}
    save_table(evaluation=evaluation, key="project_funds", rows=[{**row, "actual_expenditure": amount}])


def _leaf_paragraphs(content, name: str) -> list[str]:
    """The texts printed after a leaf's heading sentence ("预算执行率：权重分为…"), up to the next block that is
    not a plain paragraph of its analysis."""

    def walk(sections):
        for section in sections:
            yield section
            yield from walk(section.children)

    for section in walk(content.sections):
        for index, block in enumerate(section.blocks):
            if isinstance(block, Paragraph) and block.label == f"{name}：":
                following = []
                for after in section.blocks[index + 1 :]:
                    if not isinstance(after, Paragraph) or after.label:
                        break
                    following.append(after.text)
                return following
    raise AssertionError(f"no leaf {name} in the report")


# --- a drafted analysis follows the data ---------------------------------------------------------------------


def test_a_drafted_analysis_follows_a_table_change_on_the_page_and_in_the_report(client, demo, evaluator):
    project = demo["project"]
    draft_everything(project, evaluator)
    execution = leaf_named(project, EXECUTION)
    stored = execution.analysis
    assert stored == (
        "<p>该指标主要考核项目预算执行情况。经核查，据《项目资金情况表》计算，预算执行率 = "
        '<span data-figure="formula:budget_execution_rate"></span>。根据评分标准，'
        '<span data-figure="indicator:项目管理/资金管理/预算执行率:explanation"></span>。</p>'
    )
    before = (
        "该指标主要考核项目预算执行情况。经核查，据《项目资金情况表》计算，预算执行率 = 实际支出 293.53 万元 ÷ "
        "实际到位资金 294.39 万元 × 100% = 99.71%。根据评分标准，预算执行率 99.71%，不低于 98%，得满分 5 分。"
    )
    assert reading(project, stored) == before
    assert _leaf_paragraphs(assemble_report(project, outline_for(project)), EXECUTION) == [before]

    _spend(project, "250")  # nobody drafts again
    project.refresh_from_db()
    execution.refresh_from_db()
    assert execution.analysis == stored  # the stored text did not change: only what it shows did
    after = reading(project, stored)
    assert after == (
        "该指标主要考核项目预算执行情况。经核查，据《项目资金情况表》计算，预算执行率 = 实际支出 250 万元 ÷ "
        "实际到位资金 294.39 万元 × 100% = 84.92%。根据评分标准，预算执行率 84.92%，低于 98% 13.08 个百分点"
        "（不足 1 个百分点按 1 个百分点计，计 14 个百分点），每个百分点扣 0.1 分：5 - 0.1 × 14 = 3.60 分。"
    )
    report = _leaf_paragraphs(assemble_report(project, outline_for(project)), EXECUTION)
    assert report == [after]
    client.force_login(evaluator)
    page = client.get(reverse("evaluation-analysis", args=[project.pk])).content.decode()
    assert "84.92%" in page and "= 99.71%" not in page
    editor = client.get(reverse("evaluation-analysis-indicator", args=[project.pk, execution.pk])).content.decode()
    catalogue = json.loads(editor.split('id="figure-catalogue" type="application/json">')[1].split("</script>")[0])
    texts = {entry["key"]: entry["text"] for entry in catalogue}
    assert texts["formula:budget_execution_rate"].endswith("= 84.92%")  # what the editor shows in place
    # still the drafter's text, and nothing to draft again: 起草全部 has no work and keeps it
    [plan] = [leaf for leaf in drafts.analysis_plan(project).leaves if leaf.indicator.pk == execution.pk]
    assert plan.standing is Standing.DRAFTED and not plan.stale


def test_the_score_and_its_arithmetic_never_disagree_after_a_change(demo, evaluator):
    """The rule's explanation is bound whole: the band it falls in changes with the value ("不低于 98%, 得满分" is
    not left next to a new, lower rate)."""
    project = demo["project"]
    draft_everything(project, evaluator)
    _spend(project, "280")  # 95.11%: below the 98% of the full score
    project.refresh_from_db()
    execution = leaf_named(project, EXECUTION)
    text = reading(project, execution.analysis)
    assert text.endswith(
        "= 实际支出 280 万元 ÷ 实际到位资金 294.39 万元 × 100% = 95.11%。根据评分标准，预算执行率 95.11%，"
        "低于 98% 2.89 个百分点（不足 1 个百分点按 1 个百分点计，计 3 个百分点），每个百分点扣 0.1 分："
        "5 - 0.1 × 3 = 4.70 分。"
    )
    assert str(execution.score) == "4.70"  # the score the text ends with is the stored one


# --- the check ---------------------------------------------------------------------------------------------------


def test_no_false_alarm_on_drafted_bindings_and_a_deleted_one_is_an_error(demo, evaluator):
    project = demo["project"]
    result = draft_everything(project, evaluator)
    drafted = {leaf.indicator.pk for leaf in result.written}
    assert len(drafted) == 28
    execution = leaf_named(project, EXECUTION)
    copied = reading(project, execution.analysis)  # the same words with the numbers typed, as drafts used to be
    _spend(project, "250")  # the data changes after drafting: the drafted words still agree with it
    project.refresh_from_db()
    anchors = {f"indicator-{pk}" for pk in drafted}
    on_drafted = [p for p in check_evaluation(project) if p.anchor in anchors and p.where.endswith("的分析")]
    assert on_drafted == []  # no number typed, so none stale: the quotes and score checks see only words
    service.save_analysis(indicator=execution, text=copied, expected_version=execution.version)
    typed = [p.key for p in check_evaluation(project) if p.where == "指标「预算执行率」的分析"]
    assert f"score-quote:indicator-{execution.pk}:得满分5分" in typed  # a typed copy goes stale: the check says so
    execution.refresh_from_db()
    execution = leaf_named(project, EXECUTION)
    gone = '<p>旧的数据：<span data-figure="figure:gone"></span>。</p>'
    service.save_analysis(indicator=execution, text=execution.analysis + gone, expected_version=execution.version)
    [problem] = [p for p in check_evaluation(project) if p.key.startswith("figure-deleted:")]
    assert (problem.severity, problem.where) == (ERROR, "指标「预算执行率」的分析")
    assert problem.anchor == f"indicator-{execution.pk}"
    assert problem.key == f"figure-deleted:indicator-{execution.pk}:figure:gone"
    assert "数据已删除" in problem.message
    assert reading(project, leaf_named(project, EXECUTION).analysis).endswith(f"旧的数据：{MISSING_FIGURE}。")


# --- sanitising on every way in ----------------------------------------------------------------------------------


def test_the_service_and_the_page_store_sanitised_html(client, demo, evaluator):
    project = demo["project"]
    execution = leaf_named(project, EXECUTION)
    saved = service.save_analysis(indicator=execution, text=DIRTY, expected_version=execution.version)
    assert saved.analysis == CLEAN
    service.save_analysis(indicator=saved, text="第一段\n\n第二段 <二>", expected_version=saved.version)
    assert leaf_named(project, EXECUTION).analysis == "<p>第一段</p><p>第二段 &lt;二&gt;</p>"
    client.force_login(evaluator)
    url = reverse("evaluation-analysis-indicator", args=[project.pk, execution.pk])
    page = client.get(url).content.decode()
    assert 'id="analysis-text"' in page and "data-django-prose-editor-configurable" in page
    assert "&quot;DataFigure&quot;:true" in page and 'id="figure-catalogue"' in page  # 插入数据, as on a section
    version = leaf_named(project, EXECUTION).version
    assert client.post(url, {"text": DIRTY, "version": str(version)}).status_code == 302
    assert leaf_named(project, EXECUTION).analysis == CLEAN


def test_the_model_form_and_the_admin_use_the_same_editor_and_sanitiser(client, demo):
    project = demo["project"]
    execution = leaf_named(project, EXECUTION)
    form = modelform_factory(EvaluationIndicator, fields=["analysis"])(data={"analysis": DIRTY}, instance=execution)
    assert form.is_valid() and form.save(commit=False).analysis == CLEAN
    client.force_login(User.objects.create_superuser("analysis-admin", password="x"))
    page = client.get(reverse("admin:evaluations_evaluationindicator_change", args=[execution.pk])).content.decode()
    assert 'name="analysis"' in page and "data-django-prose-editor-configurable" in page


def test_the_reader_sanitises_an_imported_analysis(demo):
    document = export_document(demo["project"])
    document["indicators"][0]["analysis"] = DIRTY
    document["indicators"][1]["analysis"] = "第一段\n第二段"
    parsed, errors = read_document_partly(document)
    assert errors == []
    by_path = {node.path: node.analysis for node in parsed.indicators}
    assert by_path[(document["indicators"][0]["name"],)] == CLEAN
    assert by_path[(document["indicators"][1]["name"],)] == "<p>第一段</p><p>第二段</p>"


def test_every_demo_analysis_is_stored_as_the_sanitiser_makes_it(demo):
    for evaluation in demo.values():
        for indicator in evaluation.indicators.exclude(analysis=""):
            assert indicator.analysis.startswith("<") and clean_section_html(indicator.analysis) == indicator.analysis


# --- export and import ------------------------------------------------------------------------------------------


def test_drafted_analyses_round_trip_through_export_and_import(demo, evaluator):
    project = demo["project"]
    draft_everything(project, evaluator)
    first = export_document(project)
    [execution] = [
        leaf
        for root in first["indicators"]
        for node in root.get("children", [])
        for leaf in node.get("children", [])
        if leaf["name"] == EXECUTION
    ]
    assert execution["analysis"] == leaf_named(project, EXECUTION).analysis  # HTML, bindings as keys
    assert figure_keys(execution["analysis"]) == [
        "formula:budget_execution_rate",
        "indicator:项目管理/资金管理/预算执行率:explanation",
    ]
    project.delete()
    imported = import_document(json.loads(json.dumps(first, ensure_ascii=False)))
    assert export_document(imported) == first
    again = leaf_named(imported, EXECUTION)
    assert reading(imported, again.analysis).endswith("不低于 98%，得满分 5 分。")
    assert again.analysis_drafted == ""  # a new evaluation: its analyses read as the team's own until drafted


# --- the migration ---------------------------------------------------------------------------------------------


def test_the_migration_turns_stored_plain_text_analyses_into_paragraphs(world):
    plain = EvaluationIndicatorFactory(evaluation=world["a"], name="甲")
    drafted = EvaluationIndicatorFactory(evaluation=world["a"], name="乙")
    html = EvaluationIndicatorFactory(evaluation=world["a"], name="丙")
    rows = EvaluationIndicator.objects.filter(pk__in=[plain.pk, drafted.pk, html.pk])
    rows.filter(pk=plain.pk).update(analysis="一 <二>\n\n三")
    rows.filter(pk=drafted.pk).update(analysis="起草稿", analysis_drafted="起草稿")
    rows.filter(pk=html.pk).update(analysis="<p>已是 HTML</p>")
    migration = importlib.import_module("evaluations.migrations.0014_indicator_analysis_as_html")
    migration.analyses_to_html(apps, None)
    stored = {row.name: (row.analysis, row.analysis_drafted) for row in rows}
    assert stored == {
        "甲": ("<p>一 &lt;二&gt;</p><p>三</p>", ""),
        "乙": ("<p>起草稿</p>", "<p>起草稿</p>"),  # an untouched draft stays the drafter's
        "丙": ("<p>已是 HTML</p>", ""),
    }


# --- the report lays an analysis out like a section -----------------------------------------------------------


def test_the_report_prints_an_analysis_with_lists_tables_and_bold(demo):
    department = demo["department"]
    leaf = leaf_named(department, "预算完成率")
    text = (
        "<p>经核查，<strong>预算完成率</strong>为"
        '<span data-figure="figure:budget_completion_rate"></span>。</p>'
        "<ul><li><p>决算数来自决算报表</p></li><li><p>预算数来自预算批复</p></li></ul>"
        "<p>核查情况表</p><table><tr><th>项目</th><th>数额</th></tr><tr><td>决算数</td><td>5292.58</td></tr></table>"
    )
    service.save_analysis(indicator=leaf, text=text, expected_version=leaf.version)
    content = assemble_report(department, outline_for(department))
    blocks = None
    for section in content.sections:
        stack = [section]
        while stack and blocks is None:
            current = stack.pop()
            for index, block in enumerate(current.blocks):
                if isinstance(block, Paragraph) and block.label == "预算完成率：":
                    blocks = current.blocks[index + 1 : index + 4]
            stack.extend(current.children)
    assert blocks is not None
    paragraph, items, table = blocks
    assert paragraph.text == "经核查，预算完成率为93.62%。"
    assert [run.text for run in paragraph.runs if run.bold] == ["预算完成率"]
    assert isinstance(items, ListBlock) and not items.ordered and len(items.items) == 2
    assert isinstance(table, Table) and table.title == "核查情况表" and table.style == "rich"


def test_the_level_one_sentence_joins_a_rich_first_paragraph_before_its_closing_words():
    paragraph = Paragraph(
        "从两个方面考察，其中加粗。具体分析如下：",
        runs=[Run("从两个方面考察，其中"), Run("加粗", bold=True), Run("。具体分析如下：")],
    )
    with_sentence(paragraph, "指标权重分 20 分，得分 19 分。")
    assert paragraph.text == "从两个方面考察，其中加粗。指标权重分 20 分，得分 19 分。具体分析如下："
    assert [(run.text, run.bold) for run in paragraph.runs] == [
        ("从两个方面考察，其中", False),
        ("加粗", True),
        ("。", False),
        ("指标权重分 20 分，得分 19 分。", False),
        ("具体分析如下：", False),
    ]
    plain = Paragraph("没有结尾提示语。")
    with_sentence(plain, "X。")
    assert (plain.text, plain.runs) == ("没有结尾提示语。X。", [])


def test_the_audit_trail_shows_the_analysis_words_not_the_tags(world):
    indicator = EvaluationIndicatorFactory(evaluation=world["a"], name="预算完成率")
    indicator = service.save_analysis(indicator=indicator, text="<p>旧</p>", expected_version=indicator.version)
    service.save_analysis(indicator=indicator, text="<p>新<strong>文</strong></p>", expected_version=indicator.version)
    entries = change_log(indicator.evaluation, indicator=indicator).entries
    words = [(change.old, change.new) for entry in entries for change in entry.changes if change.field == "指标分析"]
    assert ("旧", "新文") in words


def test_the_catalogue_offers_the_sentences_a_draft_binds(demo):
    project = figure_catalogue(demo["project"])
    formula = project["formula:budget_execution_rate"]
    assert (formula.label, formula.text) == ("预算执行率的计算过程", CALCULATION)
    explanation = project["indicator:项目管理/资金管理/预算执行率:explanation"]
    assert (explanation.label, explanation.text) == (
        "指标「预算执行率」的计分说明",
        "预算执行率 99.71%，不低于 98%，得满分 5 分",
    )
    facts = project["indicator:项目决策/资金投入/资金分配合理性:facts"]
    assert facts.label == "指标「资金分配合理性」的核查情况" and facts.text.startswith("符合①“预算资金分配依据充分")
    assert "indicator:项目管理/资金管理/预算执行率:facts" not in project  # a rule whose explanation says it all
    assert "indicator:项目决策:explanation" not in project  # leaves only
    late = project["formula:late_recipients:养育扶助金"].text
    assert late == "0 个批次晚于应发放截止日期，涉及对象 0 户（人）"  # no sentence end inside a sentence
    for key in ("formula:budget_execution_rate", "indicator:项目管理/资金管理/预算执行率:explanation"):
        assert (
            clean_section_html(f'<p><span data-figure="{key}"></span></p>')
            == f'<p><span data-figure="{key}"></span></p>'
        )
    assert clean_section_html('<p><span data-figure="indicator:项目管理:analysis">x</span></p>') == "<p>x</p>"
    # a calculation may wrap on the page; a number with its unit never does
    shown = with_figures(
        '<p><span data-figure="formula:budget_execution_rate"></span><span data-figure="total"></span></p>',
        figure_texts(project),
    )
    assert 'class="bound-figure sentence" data-figure="formula:budget_execution_rate"' in shown
    assert 'class="bound-figure" data-figure="total"' in shown
