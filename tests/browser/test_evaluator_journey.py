"""Issue 4 in the browser: an evaluator creates a project evaluation, fills its funds table, scores it,
overrides one score with a reason, uploads evidence, and sees the total follow every change."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.interchange.export import export_document
from evaluations.interchange.scoring import score_document
from evaluations.models import Evaluation
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "2023 年度困难群体救助项目支出绩效评价（浏览器测试）"
TEMPLATE = "项目支出绩效评价指标体系框架（财预〔2020〕10号 附2）（内置）"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"

# What the evaluator enters for each leaf of the national framework: (kind of widget work, values).
CHECKLISTS = {  # indicator → (criteria met, {criterion index: partial share})
    "立项依据充分性": ([0, 1, 2, 3], {4: "0.5"}),  # 4 × 0.8 + 0.8 × 0.5 = 3.60
    "立项程序规范性": ([0, 1, 2], {}),
    "绩效目标合理性": ([0, 1, 2, 3], {}),
    "绩效指标明确性": ([0, 1], {}),  # 2 of 3 criteria: 2.00
    "预算编制科学性": ([0, 1, 2, 3], {}),
    "资金分配合理性": ([0, 1], {}),
    "资金使用合规性": ([0, 1, 2, 3], {}),
    "管理制度健全性": ([0, 1], {}),
    "制度执行有效性": ([0, 1, 2, 3], {}),
}
NUMBERS = {  # indicator → {form field: value}
    "资金到位率": {"in-target": "100"},  # actual bound to 资金到位率 from 项目资金情况表
    "预算执行率": {"in-target": "100"},  # actual bound to 预算执行率
    "实际完成率": {"in-actual": "98", "in-target": "100"},
    "质量达标率": {"in-actual": "100", "in-target": "100"},
    "成本节约率": {"in-actual": "0"},
    "完成及时性": {"in-level": "达成", "in-share": "100"},  # graded (定性): 5 × 100%
    "实施效益": {"in-level": "达成", "in-share": "90"},  # graded: 15 × 90% = 13.50
    "满意度": {"in-satisfaction": "96"},  # with the 开展 (survey) flag
}


def _number(text: str) -> Decimal:
    return Decimal(text.strip().split()[0])


def _scoring_total(page) -> Decimal:
    return _number(page.inner_text("#score-summary [data-total]"))


def _save_leaf(page, leaf, expected_score: str | None = None) -> None:
    """Submit one leaf's scoring form (saved by scoring.js without reloading) and wait for its answer."""
    row = page.locator(f"#indicator-{leaf.pk}")
    row.get_by_role("button", name="保存并计分").click()
    expect(row.locator("[data-form-status]")).to_have_text(f"已保存「{leaf.name}」：得分 {expected_score} 分。")


def test_evaluator_creates_scores_overrides_and_documents_an_evaluation(page, tmp_path):
    load_demo()
    page.on("dialog", lambda dialog: dialog.accept())  # leaving a page with a saved form is fine
    login(page, "evaluator")

    # --- create: project, unit, project, year, bureau, the built-in national framework ---------------
    page.get_by_role("link", name="＋ 新建评价").click()
    page.wait_for_url("**/evaluations/new/")
    page.check("input[name=kind][value=project]")
    page.fill("#id_title", TITLE)
    page.select_option("#id_evaluated_unit", label="深圳市罗湖区民政局")
    page.select_option("#id_project", label="困难群体救助")
    page.fill("#id_year", "2023")
    page.select_option("#id_commissioning_bureau", label="深圳市罗湖区财政局")
    page.select_option("#id_template", label=TEMPLATE)
    page.get_by_role("button", name="新建评价").click()
    page.wait_for_url("**/evaluations/*/")
    expect(page.locator(".alert-success")).to_contain_text(f"已新建评价「{TITLE}」，您是本评价的项目经理。")
    expect(page.locator(".alert-success")).to_contain_text("已根据预算数据预填 资金表 项目资金情况表")
    evaluation = Evaluation.objects.get(title=TITLE)
    assert evaluation.template.name == TEMPLATE.removesuffix("（内置）")
    assert evaluation.commissioning_bureau.name == "深圳市罗湖区财政局"
    assert evaluation.total_score is None  # nothing scored yet
    leaves = {node.name: node for node in evaluation.indicators.filter(children__isnull=True)}
    assert set(leaves) == set(CHECKLISTS) | set(NUMBERS)

    # --- the prefilled 项目资金情况表, read through the table page ---------------------------------------
    page.get_by_role("link", name="基础数据", exact=True).click()
    page.get_by_role("link", name="项目资金情况表", exact=True).click()
    page.wait_for_url("**/tables/project_funds/")
    body = page.inner_text("main")
    assert "293.53" in body and "294.39" in body  # from the project's 2023 budget figures (元 → 万元)
    expect(page.locator('[data-figure="budget_execution_rate"] .figure-value')).to_have_text("99.71%")

    # --- score every leaf with its widget ----------------------------------------------------------------
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url("**/scoring/")
    expect(page.locator("#score-summary [data-total]")).to_have_text("—")
    for name, (met, partial) in CHECKLISTS.items():
        row = page.locator(f"#indicator-{leaves[name].pk}")
        for index in met:
            row.locator(f"#met-{leaves[name].pk}-{index}").check()
        for index, share in partial.items():
            row.locator(f"input[name=partial-{index}]").fill(share)
        leaves[name].refresh_from_db()
        expected = {"立项依据充分性": "3.60", "绩效指标明确性": "2.00"}.get(name, f"{leaves[name].weight:.2f}")
        _save_leaf(page, leaves[name], expected)
    row = page.locator(f"#indicator-{leaves['立项依据充分性'].pk}")
    expect(row.locator("[data-explanation-for]")).to_contain_text("部分满足要点⑤")
    for name, fields in NUMBERS.items():
        row = page.locator(f"#indicator-{leaves[name].pk}")
        if name == "满意度":
            row.locator(f"label[for=in-survey-{leaves[name].pk}-1]").click()
        for field, value in fields.items():
            if field == "in-level":
                row.locator(f"select[name={field}]").select_option(value)
            else:
                row.locator(f"[name={field}]").fill(value)
        expected = {"预算执行率": "4.99", "实际完成率": "14.70", "实施效益": "13.50"}.get(
            name, f"{leaves[name].weight:.2f}"
        )
        _save_leaf(page, leaves[name], expected)
    # The bound ratio shows the figure it follows (99.71 % of 5 points), read-only, with its source.
    row = page.locator(f"#indicator-{leaves['预算执行率'].pk}")
    expect(row.locator("input[name=in-actual]")).to_have_value("99.71")
    expect(row.locator("input[name=in-actual]")).not_to_be_editable()
    expect(row.locator(".bound-figure")).to_contain_text("预算执行率 99.71%")

    evaluation.refresh_from_db()
    first_total = _scoring_total(page)
    assert first_total == evaluation.total_score == Decimal("96.79")
    expect(page.locator("#score-summary [data-grade]")).to_have_text("优")

    # --- change the funds table: the bound ratio and the total follow ------------------------------------
    page.goto(f"/evaluations/{evaluation.pk}/tables/project_funds/")
    page.get_by_role("link", name="填写 / 修改").click()
    page.fill("#table-form input[name=c-actual_expenditure]", "280.00")
    page.locator("#table-form").get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/tables/project_funds/")
    evaluation.refresh_from_db()
    assert evaluation.total_score == first_total - Decimal("0.23")  # 预算执行率 95.11 %: 4.99 → 4.76
    expect(page.locator(".alert-success")).to_contain_text(f"总分重新计算为 {evaluation.total_score:.2f} 分（优）")
    expect(page.locator('[data-figure="budget_execution_rate"] .figure-value')).to_have_text("95.11%")
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url("**/scoring/")
    after_table = _scoring_total(page)
    assert after_table == evaluation.total_score
    row = page.locator(f"#indicator-{leaves['预算执行率'].pk}")
    expect(row.locator(".bound-figure")).to_contain_text("预算执行率 95.11%")
    expect(row.locator("[data-score-for]")).to_have_text("4.76")

    # --- override one score: refused without a reason, accepted with one ---------------------------------
    leaf = leaves["实际完成率"]
    row = page.locator(f"#indicator-{leaf.pk}")
    row.locator("details.score-editor > summary").click()  # a scored leaf's editor is folded
    row.locator("details.override > summary").click()
    row.locator(f"#awarded-{leaf.pk}").fill("14.5")
    row.get_by_role("button", name="保存并计分").click()
    expect(row.locator('[data-error-for="override_reason"]')).to_have_text(
        "调整得分必须填写理由（将写入报告和一致性检查）。"
    )
    expect(row.locator("[data-form-status]")).to_contain_text("未保存")
    assert _scoring_total(page) == after_table
    leaf.refresh_from_db()
    assert leaf.awarded_score is None  # nothing was saved
    row.locator(f"#reason-{leaf.pk}").fill("抽查发现 2 户救助对象资料不全，酌情扣减。")
    _save_leaf(page, leaf, "14.50")
    expect(row.locator(f"[data-override-for='{leaf.pk}']")).to_contain_text(
        "评定得分 14.50 分（计算得分 14.70 分），理由：抽查发现 2 户救助对象资料不全，酌情扣减。"
    )
    evaluation.refresh_from_db()
    after_override = _scoring_total(page)
    assert after_override == evaluation.total_score == after_table - Decimal("0.20")

    # --- evidence linked to the overridden indicator ---------------------------------------------------
    evidence_file = tmp_path / "救助对象抽查记录.pdf"
    evidence_file.write_bytes(PDF)
    page.get_by_role("link", name="佐证材料", exact=True).click()
    page.wait_for_url("**/evidence/")
    page.set_input_files("#upload-files", str(evidence_file))
    page.fill("#upload-description", "2023 年救助对象抽查记录")
    page.select_option("#upload-indicators", value=str(leaf.pk))
    page.locator("#upload").get_by_role("button", name="上传").click()
    expect(page.locator(".alert-success")).to_contain_text("已上传 1 个文件：「救助对象抽查记录.pdf」。")
    item = evaluation.evidence.get()
    assert list(item.indicators.all()) == [leaf]
    expect(page.locator(f"#evidence-{item.pk}")).to_contain_text("实际完成率")
    page.select_option("#filter-indicator", value=str(leaf.pk))  # the filter submits on change
    page.wait_for_url(f"**/evidence/?indicator={leaf.pk}")
    expect(page.locator(f"#evidence-{item.pk}")).to_contain_text("救助对象抽查记录.pdf")

    # --- the evaluation page shows the same total, section subtotals and the override --------------------
    page.get_by_role("link", name="概览", exact=True).click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/")
    assert _number(page.inner_text("#evaluation-total")) == evaluation.total_score == Decimal("96.36")
    # The same total and section scores from the rules alone: the exported document scored without the database.
    scored = score_document(export_document(evaluation))
    assert scored["total"] == evaluation.total_score and scored["grade"] == "优"
    sections = page.locator("#evaluation-sections tbody tr")
    assert [tuple(row.inner_text().split("\t")[:3]) for row in sections.all()] == [
        (section["name"], f"{section['weight']}", f"{section['score']}") for section in scored["sections"]
    ]
    expect(page.locator("main")).to_contain_text("评定得分 14.50：抽查发现 2 户救助对象资料不全，酌情扣减。")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluator_journey_evaluation.png"), full_page=True)
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url("**/scoring/")
    page.screenshot(path=str(ARTIFACTS / "evaluator_journey_scoring.png"), full_page=True)
