"""Issue 11 in the browser, the per-indicator analysis: the evaluator drafts 预算执行率 on the analysis page, sees the
bound calculation in the editor with its current value, adds a sentence and a figure from the picker, and saves;
an unchanged draft saved from the editor is still the drafter's text, and the analysis list shows the values."""

import pytest
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.models import EvaluationIndicator
from evaluations.queries import analysis_drafts as drafts
from evaluations.queries.analysis_drafts import Standing
from tests.browser.conftest import EDITOR, focus_at_end, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALCULATION = "实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元 × 100% = 99.71%"


def test_evaluator_drafts_an_analysis_with_bound_figures_edits_it_and_saves(page):
    project = load_demo()["project"]
    leaf = project.indicators.get(name="预算执行率")
    login(page, "evaluator")
    page.goto(f"/evaluations/{project.pk}/narrative/analysis/{leaf.pk}/")
    editor = page.locator(EDITOR)
    expect(editor).to_contain_text("项目指标金额 294.39 万元")  # the seed's own text, in the editor

    # 按计分结果起草 replaces the editor's text (after asking): the numbers are bound figures showing their values
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="按计分结果起草").click()
    expect(page.locator(".alert-info")).to_contain_text("尚未保存")
    expect(editor.locator(".bound-figure[data-figure='formula:budget_execution_rate']")).to_have_text(CALCULATION)
    explanation = editor.locator(".bound-figure[data-figure='indicator:项目管理/资金管理/预算执行率:explanation']")
    expect(explanation).to_have_text("预算执行率 99.71%，不低于 98%，得满分 5 分")

    # saved as drafted, the editor's HTML is the drafter's: the analysis stays an untouched draft
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_have_text("已保存「预算执行率」的分析。")
    stored = EvaluationIndicator.objects.get(pk=leaf.pk)
    [planned] = [entry for entry in drafts.analysis_plan(project).leaves if entry.indicator.pk == leaf.pk]
    assert stored.analysis == stored.analysis_drafted == planned.draft
    assert planned.standing is Standing.DRAFTED

    # the evaluator adds a sentence with a table total from the picker: the text becomes the team's own
    focus_at_end(page)
    page.keyboard.press("Enter")
    page.keyboard.insert_text("全年实际支付")
    page.locator(".prose-menubar [data-name=dataFigure]").click()
    picker = page.locator("dialog.figure-picker")
    picker.locator("input[type=search]").fill("项目资金使用情况表合计")
    picker.locator("[data-key='sum:funds_use:amount']").click()
    expect(editor.locator(".bound-figure[data-figure='sum:funds_use:amount']")).to_have_text("293.53 万元")
    page.keyboard.insert_text("。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_have_text("已保存「预算执行率」的分析。")
    stored = EvaluationIndicator.objects.get(pk=leaf.pk)
    assert stored.analysis == planned.draft + '<p>全年实际支付<span data-figure="sum:funds_use:amount"></span>。</p>'
    [planned] = [entry for entry in drafts.analysis_plan(project).leaves if entry.indicator.pk == leaf.pk]
    assert planned.standing is Standing.OWN

    # the analysis list shows it with the values filled in
    page.goto(f"/evaluations/{project.pk}/narrative/analysis/#indicator-{leaf.pk}")
    item = page.locator(f"#indicator-{leaf.pk}")
    expect(item.locator(".bound-figure[data-figure='formula:budget_execution_rate']")).to_have_text(CALCULATION)
    expect(item).to_contain_text("全年实际支付293.53 万元。")
