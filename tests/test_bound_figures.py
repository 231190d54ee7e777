"""Figures bound to the data inside report sections: stored as a key, shown and printed with the current value,
never stale; a binding whose figure is gone shows 数据已删除."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from docx import Document

from evaluations.demo import load_demo
from evaluations.domain import narrative as service
from evaluations.domain.datatables import save_table
from evaluations.domain.importing import import_document
from evaluations.interchange.export import export_document
from evaluations.models import Evaluation, User
from evaluations.narrative_html import MISSING_FIGURE, clean_section_html, figure_keys, plain_text
from evaluations.queries.bound_figures import figure_catalogue, figure_texts, indicator_key
from evaluations.queries.consistency import ERROR, check_evaluation
from reports.assembly import assemble_report
from reports.content import Paragraph
from reports.rendering import render_html
from reports.selection import outline_for
from reports.word import render_word_document

BINDING = (
    '<p>预算执行率为<span data-figure="figure:budget_execution_rate"></span>，实际支付'
    '<span data-figure="sum:funds_use:amount"></span>，综合得分<span data-figure="total"></span>，'
    '评价等级为“<span data-figure="grade"></span>”；资金到位率得分'
    '<span data-figure="indicator:项目管理/资金管理/资金到位率:score"></span>。</p>'
)


def test_the_sanitiser_keeps_exactly_the_data_figure_attribute_of_a_span():
    assert (
        clean_section_html(
            '<p>得分<span data-figure="total" class="bound-figure" style="color:red" data-x="1" onclick="x()">97.75 分'
            "</span>。</p>"
        )
        == '<p>得分<span data-figure="total"></span>。</p>'
    )  # a value copied from a page is not kept: the key is
    # a span without a key, or with something that is not one, is not kept (its text is)
    assert clean_section_html('<p><span style="font-family:宋体">宋体</span><span data-figure="">空</span></p>') == (
        "<p>宋体空</p>"
    )
    assert clean_section_html('<p><span data-figure="javascript:alert(1)">x</span></p>') == "<p>x</p>"
    assert clean_section_html('<p><span data-figure="total"></span></p>') == '<p><span data-figure="total"></span></p>'
    assert clean_section_html(BINDING) == BINDING  # every kind of key
    assert figure_keys(BINDING) == [
        "figure:budget_execution_rate",
        "sum:funds_use:amount",
        "total",
        "grade",
        "indicator:项目管理/资金管理/资金到位率:score",
    ]
    assert plain_text(BINDING) == "预算执行率为，实际支付，综合得分，评价等级为“”；资金到位率得分。"  # no value typed
    texts = {"total": "97.75 分", "grade": "优"}
    assert plain_text('<p><span data-figure="total"></span>，<span data-figure="grade"></span></p>', texts) == (
        "97.75 分，优"
    )
    assert plain_text('<p><span data-figure="figure:gone"></span></p>', texts) == MISSING_FIGURE


@pytest.fixture
def demo(db):
    return load_demo()


def test_the_catalogue_lists_every_kind_of_figure_with_its_value_as_printed(demo):
    project = figure_catalogue(demo["project"])
    texts = {key: figure.text for key, figure in project.items()}
    assert texts["total"] == "97.75 分" and texts["grade"] == "优"
    assert texts["figure:budget_execution_rate"] == "99.71%"
    assert texts["sum:funds_use:amount"] == "293.53 万元"
    assert texts["indicator:项目管理/资金管理/资金到位率:score"] == "2 分"
    assert texts["indicator:项目管理/资金管理/资金到位率:weight"] == "2 分"
    assert texts["indicator:项目管理/资金管理/资金到位率:actual"] == "100.00%"  # bound to the figure
    assert texts["indicator:项目决策:score"] == "19 分"  # a level-1 indicator: its section's score
    assert project["indicator:项目决策:score"].label == "指标「项目决策」（一级指标）的得分"
    department = figure_catalogue(demo["department"])
    assert department["sum:dept_projects:paid"].text == "35,405,679.91 元"
    assert department["sum:dept_projects:paid:wan"].text == "3,540.57 万元"  # as the report's text quotes it
    assert department["figure:project_payment_rate"].text == "68.38%"
    assert indicator_key(("甲/乙", "丙"), "score") == "indicator:甲%2F乙/丙:score"
    assert all(clean_section_html(f'<p><span data-figure="{key}"></span></p>') for key in [*project, *department])


def _section(evaluation, text=BINDING, key="implementation"):
    stored = evaluation.narrative.get(key=key)
    return service.save_section(evaluation=evaluation, key=key, text=text, expected_version=stored.version)


def _spend(evaluation, amount: str) -> None:
    row = {
        "initial_budget": "433.53",
        "adjusted_budget": "294.39",
        "funds_received": "294.39",
        "actual_expenditure": amount,
    }
    save_table(evaluation=evaluation, key="project_funds", rows=[row])


def test_the_page_shows_the_current_values_and_follows_the_data(client, demo):
    project = demo["project"]
    _section(project)
    client.force_login(User.objects.get(username="evaluator"))
    url = reverse("evaluation-narrative", args=[project.pk])
    body = client.get(url).content.decode()
    figure = '<span class="bound-figure" data-figure="figure:budget_execution_rate" title="预算执行率">99.71%</span>'
    assert f"预算执行率为{figure}" in body
    assert ">293.53 万元</span>" in body and ">97.75 分</span>" in body and ">优</span>" in body
    _spend(project, "250")  # 250 ÷ 294.39: the rate, the 预算执行率 leaf's score and the total follow
    project.refresh_from_db()
    body = client.get(url).content.decode()
    assert ">84.92%</span>" in body and ">99.71%</span>" not in body
    assert f">{project.total_score} 分</span>" in body and str(project.total_score) != "97.75"
    stored = project.narrative.get(key="implementation").text
    assert "99.71" not in stored and "84.92" not in stored  # values are never stored


def test_a_binding_whose_figure_is_gone_shows_a_visible_marker(client, demo):
    project = demo["project"]
    _section(project, '<p>旧指标得分<span data-figure="indicator:项目决策/已删除的指标:score"></span>。</p>')
    client.force_login(User.objects.get(username="evaluator"))
    body = client.get(reverse("evaluation-narrative", args=[project.pk])).content.decode()
    assert 'class="bound-figure missing"' in body and f">{MISSING_FIGURE}</span>" in body
    section = client.get(reverse("evaluation-narrative-section", args=[project.pk, "implementation"])).content.decode()
    catalogue = json.loads(section.split('id="figure-catalogue" type="application/json">')[1].split("</script>")[0])
    assert {"key": "total", "label": "综合得分", "group": "总分与等级", "text": "97.75 分", "hint": ""} in catalogue
    assert "indicator:项目决策/已删除的指标:score" not in {entry["key"] for entry in catalogue}  # the editor's marker
    assert "js/prose_data_figure.js" in section and "&quot;DataFigure&quot;:true" in section
    [problem] = [p for p in check_evaluation(project) if p.key.startswith("figure-deleted:")]
    assert (problem.severity, problem.where) == (ERROR, "章节「项目实施情况」")
    assert "数据已删除" in problem.message
    assert problem.key == "figure-deleted:section-implementation:indicator:项目决策/已删除的指标:score"
    _section(project, "<p>旧指标得分已改为正文说明。</p>")  # the binding removed: the error goes
    assert not [p for p in check_evaluation(project) if p.key.startswith("figure-deleted:")]


def _blocks_of(content, title: str) -> list:
    def walk(sections):
        for section in sections:
            if section.title == title:
                return section.blocks
            found = walk(section.children)
            if found is not None:
                return found
        return None

    return walk(content.sections)


def test_the_report_prints_the_current_values_and_the_marker(demo):
    project = demo["project"]
    _section(project, BINDING + '<p>已删除：<span data-figure="figure:gone"></span></p>')
    content = assemble_report(project, outline_for(project))
    bound, missing = [b for b in _blocks_of(content, "项目实施情况") if isinstance(b, Paragraph)][-2:]
    assert bound.text == (
        "预算执行率为99.71%，实际支付293.53 万元，综合得分97.75 分，评价等级为“优”；资金到位率得分2 分。"
    )
    assert missing.text == f"已删除：{MISSING_FIGURE}" and missing.runs[-1].missing
    html = render_html(content).replace("\n", "")
    assert f'<span class="missing-figure">{MISSING_FIGURE}</span>' in html
    _spend(project, "250")
    project.refresh_from_db()
    again = assemble_report(project, outline_for(project))
    bound = [b for b in _blocks_of(again, "项目实施情况") if isinstance(b, Paragraph)][-2]
    assert "预算执行率为84.92%" in bound.text and f"综合得分{project.total_score} 分" in bound.text
    # The Word file of the same content follows too, marker included.
    word = Document(io.BytesIO(render_word_document(again).docx))
    paragraphs = [paragraph.text for paragraph in word.paragraphs]
    assert bound.text in paragraphs  # the bound sentence with today's figures
    assert f"已删除：{MISSING_FIGURE}" in paragraphs


def test_bindings_survive_export_and_import(demo):
    project = demo["project"]
    _section(project)
    document = export_document(project)
    assert document["narrative"]["implementation"] == BINDING
    project.delete()
    imported = import_document(document)
    texts = figure_texts(figure_catalogue(Evaluation.objects.get(pk=imported.pk)))
    assert set(figure_keys(imported.narrative.get(key="implementation").text)) <= set(texts)
