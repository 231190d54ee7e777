"""The rule editor in the browser, as an evaluator uses it: on the demo project's indicator editor each leaf gets
one of the §4.1 forms chosen by its Chinese name, its parameters typed in boxes and rows (never JSON), the live
preview scoring sample inputs with the engine's sentence, the save storing the structured rule; then the scoring
page scores one of them with the same explanation."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.models import Evaluation, EvaluationIndicator
from rubrics.engine import RULE_KINDS
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _project() -> Evaluation:
    load_demo()
    evaluator = get_user_model().objects.get(username="evaluator")
    return Evaluation.objects.get(kind="project", team__user=evaluator)


def _box(page, name: str):
    """The box called ``name``; a table row is added (＋ 添加一行 of its table) until the box exists."""
    box = page.locator(f'[name="{name}"]')
    for _ in range(6):
        if box.count():
            return box
        table = re.sub(r"-\d+-[a-z_]+$", "", name)  # rule-bands-bands-2-bound → rule-bands-bands
        param = table.rsplit("-", 1)[1]
        kind_block = page.locator(f'[data-kind]:not([hidden]) [data-param="{param}"]').last
        kind_block.locator("[data-add-row]").last.click()
    return box


def _fill(page, boxes: dict[str, str]) -> None:
    for name, value in boxes.items():
        box = _box(page, name)
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)


def _sample(page, inputs: dict[str, str]) -> None:
    samples = page.locator("[data-sample-inputs]")
    for key, value in inputs.items():
        box = samples.locator(f'[data-key="{key}"]')
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(value)
        elif box.get_attribute("type") == "checkbox":
            box.check()
        else:
            box.fill(value)


def _edit(page, evaluation, leaf, label, boxes, inputs, score, sentence):
    page.goto(f"/evaluations/{evaluation.pk}/indicators/?edit={leaf.pk}")
    kind = page.locator('select[name="rule-kind"]')
    kind.select_option(label=label)
    _fill(page, boxes)
    _sample(page, inputs)
    result = page.locator("[data-preview-result]")
    expect(result).to_contain_text(f"得分 {score} 分")
    expect(result).to_contain_text(sentence)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-danger")).to_have_count(0)
    leaf.refresh_from_db()
    return leaf


def test_evaluator_sets_each_new_rule_form_in_the_editor_and_scores_it(page):
    evaluation = _project()
    leaves = {leaf.name: leaf for leaf in EvaluationIndicator.objects.filter(evaluation=evaluation)}
    login(page, "evaluator")

    # "每低于5%扣…分（不足5%按5%计），≤80%不得分": step and zero_at, in boxes.
    leaf = _edit(
        page,
        evaluation,
        leaves["资金到位率"],
        "达标线扣分",
        {
            "rule-threshold_deduct-threshold": "100",
            "rule-threshold_deduct-per_point": "0.5",
            "rule-threshold_deduct-rounding": "ceil",
            "rule-threshold_deduct-step": "5",
            "rule-threshold_deduct-zero_at": "80",
        },
        {"actual": "93"},
        "1.00",
        "按每 5 个百分点（不足 5 个百分点按 5 个百分点计）扣 0.5 分，计 2 档：2 - 0.5 × 2 = 1.00 分",
    )
    assert (leaf.rule_kind, leaf.rule_params) == (
        "threshold_deduct",
        {"threshold": 100, "per_point": 0.5, "rounding": "ceil", "step": 5, "zero_at": 80},
    )

    # Completion above the reasonable limit: the preview names the problem beside the full score.
    leaf = _edit(
        page,
        evaluation,
        leaves["慰问福利机构数量"],
        "比例计分",
        {"rule-ratio-cap": "1", "rule-ratio-over_limit": "130%"},
        {"actual": "13", "target": "9"},
        "2.00",
        "超过 130% 的合理上限",
    )
    assert leaf.rule_params == {"cap": 1, "over_limit": 130}

    # Lower is better: bands as rows.
    leaf = _edit(
        page,
        evaluation,
        leaves["慰问低保边缘家庭数量"],
        "分档计分",
        {
            "rule-bands-direction": "lower",
            "rule-bands-bands-0-bound": "0",
            "rule-bands-bands-0-points": "2",
            "rule-bands-bands-1-bound": "10",
            "rule-bands-bands-1-points": "1.5",
            "rule-bands-bands-2-bound": "20",
            "rule-bands-bands-2-points": "1",
        },
        {"actual": "8"},
        "1.50",
        "高于 0%、不高于 10%，按该档得 1.5 分",
    )
    assert leaf.rule_params == {"bands": [[0, 2], [10, 1.5], [20, 1]], "direction": "lower"}

    leaf = _edit(
        page, evaluation, leaves["慰问困境儿童数量"], "得分系数", {}, {"coefficient": "85"}, "1.70", "2 × 85% = 1.70 分"
    )
    assert (leaf.rule_kind, leaf.rule_params) == ("coefficient", {})

    # The national levels 100–80 %, 80–60 %, 60–0 %: the editor's default rows.
    leaf = _edit(
        page,
        evaluation,
        leaves["改善低保家庭生活水平"],
        "定性分档评分",
        {},
        {"level": "中", "share": "70"},
        "4.90",
        "评定等级为“中”，分值区间 60%（含）至 80%（不含），得分比例 70%：7 × 70% = 4.90 分",
    )
    assert leaf.rule_kind == "graded"

    # Either of two indicators, each option a rule of its own.
    leaf = _edit(
        page,
        evaluation,
        leaves["改善低保边缘家庭生活水平"],
        "二者择其一",
        {
            "rule-either_of-options-0-label": "结转结余率",
            "rule-either_of-options-0-rule-kind": "binary",
            "rule-either_of-options-1-label": "结转结余变动率",
            "rule-either_of-options-1-rule-kind": "ratio",
            "rule-either_of-options-1-rule-ratio-cap": "1",
        },
        {"option": "1", "option.1.actual": "90", "option.1.target": "100"},
        "5.40",
        "二者择其一，按“结转结余变动率”考核",
    )
    assert leaf.rule_params == {
        "options": [
            {"label": "结转结余率", "rule": {"kind": "binary"}},
            {"label": "结转结余变动率", "rule": {"kind": "ratio", "cap": 1}},
        ]
    }

    # Faults inside a checklist point: "每出现一项不满足扣该要点分值的1/3，三项及以上不得分".
    leaf = _edit(
        page,
        evaluation,
        leaves["立项程序规范性"],
        "要点计分",
        {"rule-checklist-items-0-max_faults": "3", "rule-checklist-gate": ""},
        {"met.1": "on", "met.2": "on", "faults.0": "1"},
        "2.67",
        "要点①有 1 项不满足，扣减该要点分值的 1/3",
    )
    assert leaf.rule_params["items"][0]["max_faults"] == 3 and "gate" not in leaf.rule_params

    # No rule code anywhere on the editor page.
    page.goto(f"/evaluations/{evaluation.pk}/indicators/?edit={leaves['资金到位率'].pk}")
    text = page.locator("main").inner_text()
    assert not [code for code in RULE_KINDS if code in text]

    # The scoring page scores the new rule with the same sentence.
    page.goto(f"/evaluations/{evaluation.pk}/scoring/")
    row = page.locator(f"#indicator-{leaves['资金到位率'].pk}")
    editor = row.locator("details.score-editor")
    if editor.get_attribute("open") is None:
        editor.locator("> summary").click()
    row.locator('select[name="bind-actual"]').select_option("")  # bound to 资金到位率 in the demo: type it instead
    row.locator('input[name="in-actual"]').fill("93")
    row.get_by_role("button", name="保存并计分").click()
    expect(row.locator("[data-explanation-for]")).to_contain_text(
        "按每 5 个百分点（不足 5 个百分点按 5 个百分点计）扣 0.5 分，计 2 档：2 - 0.5 × 2 = 1.00 分"
    )
    leaf = EvaluationIndicator.objects.get(pk=leaves["资金到位率"].pk)
    assert str(leaf.computed_score) == "1.00"
