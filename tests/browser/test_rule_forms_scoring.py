"""The rule forms of DESIGN §4.1 on the scoring page, in the browser: a graded level and share, the either-of
choice showing that option's inputs, a leaf marked 不适用 and the evaluation's not-applicable policy, each save
updating the row, the total and the note on how the total was reached without reloading the page."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.domain.importing import import_document
from evaluations.models import Evaluation, EvaluationIndicator, TeamMember, TeamRole
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCUMENT = Path(__file__).resolve().parents[1] / "data" / "every_rule_form.json"


def _evaluation() -> Evaluation:
    """The document using every rule form, done by the demo evaluator's firm and team."""
    load_demo()
    evaluator = get_user_model().objects.get(username="evaluator")
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    doc["evaluation"]["evaluating_firm"] = evaluator.organisation.name
    evaluation = import_document(doc, user=evaluator)
    TeamMember.objects.get_or_create(
        evaluation=evaluation, user=evaluator, defaults={"role": TeamRole.MANAGER, "name": evaluator.username}
    )
    return evaluation


def _open(page, leaf):
    row = page.locator(f"#indicator-{leaf.pk}")
    editor = row.locator("details.score-editor")
    if editor.get_attribute("open") is None:
        editor.locator("> summary").click()
    return row


def _save(row, text):
    row.get_by_role("button", name="保存并计分").click()
    expect(row.locator("[data-form-status]")).to_have_text(text)


def test_evaluator_scores_the_new_forms_and_marks_a_leaf_not_applicable(page):
    evaluation = _evaluation()
    leaves = {leaf.name: leaf for leaf in EvaluationIndicator.objects.filter(evaluation=evaluation)}
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "evaluator")
    page.goto(f"/evaluations/{evaluation.pk}/scoring/")
    total = page.locator("#score-summary [data-total]")
    expect(total).to_have_text("76.33")
    expect(page.locator("[data-rescale-note]")).to_contain_text("68.70 ÷ 90 × 100 = 76.33")

    # graded: 中 at 75 % → 达成 (好) at 90 % of 20
    row = _open(page, leaves["社会效益"])
    row.locator("select[name=in-level]").select_option("好")
    row.locator("input[name=in-share]").fill("90")
    _save(row, "已保存「社会效益」：得分 18.00 分。")
    expect(row.locator("[data-explanation-for]")).to_contain_text("评定等级为“好”，分值区间 80%（含）至 100%（含）")
    expect(total).to_have_text("79.67")  # 71.70 ÷ 90

    # a share outside its level is refused next to the field, and nothing changes
    row.locator("input[name=in-share]").fill("70")
    row.get_by_role("button", name="保存并计分").click()
    expect(row.locator('[data-error-for="in-share"]')).to_contain_text("不在等级“好”的分值区间")
    expect(total).to_have_text("79.67")

    # either of two: choosing 结转结余率 shows its own inputs
    row = _open(page, leaves["结转结余"])
    rate_box = row.locator("[data-option='0']")
    expect(rate_box).to_be_hidden()
    row.locator("select[name=in-option]").select_option("0")
    expect(rate_box).to_be_visible()
    expect(row.locator("[data-option='1']")).to_be_hidden()
    rate_box.locator("input[name=option-in-actual]").fill("8")
    rate_box.locator("input[name=option-in-target]").fill("10")
    _save(row, "已保存「结转结余」：得分 5.00 分。")  # 8 ≤ 10: full
    expect(row.locator("[data-explanation-for]")).to_contain_text("按“结转结余率”考核")

    # 不适用: the leaf leaves the total, which is brought back to 100
    row = _open(page, leaves["服务质量"])
    row.locator("input[name=not_applicable]").check()
    expect(row.locator("[data-widgets-for]")).to_be_hidden()
    _save(row, "已保存「服务质量」：得分 不适用。")
    expect(row.locator("[data-score-for]")).to_have_text("不适用")
    # 6 + 5.5 + 3 + 5 + 20 + 18 + 6 = 63.50 over 80 → 79.38
    expect(total).to_have_text("79.38")
    expect(page.locator("[data-rescale-note]")).to_contain_text("63.50 ÷ 80 × 100 = 79.38")

    # the evaluation's policy: 按满分计算
    page.select_option("select[name=na_policy]", "full")
    page.get_by_role("button", name="更改").click()
    expect(page.locator(".alert-success")).to_contain_text("不适用指标改为“按满分计算”，已重新计分")
    # 63.50 + 10 + 10 = 83.50
    expect(total).to_have_text("83.50")
    evaluation.refresh_from_db()
    assert (evaluation.na_policy, evaluation.total_score) == ("full", Decimal("83.50"))
