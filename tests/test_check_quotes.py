"""Figures, scores, weights, the total and the grade quoted in prose, checked against the data (DESIGN §7).

Each test uses the seeds' own sentences; each shows the contradiction found, with where it is and both figures,
and the corrected sentence raising nothing.
"""

from decimal import Decimal

import pytest

from evaluations.domain.datatables import save_table
from evaluations.domain.scoring import recompute_scores
from evaluations.models import NarrativeSection
from evaluations.queries.consistency import ERROR, check_evaluation, plain_text
from rubrics.models import EvaluationKind
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory

SEED_003_FINDING = (
    "困难群体救助项目子项“生活扶助金”年初分配预算 176.53 万元，年中根据辖区市属福利机构数量、区属特殊儿童康复服务"
    "机构康复服务儿童人数和困难群众数量测算资金需求结果，将预算调整为 31.87 万元，调剂金额 144.64 万元，调剂率 81.95%。"
)
SEED_004_OVERVIEW = (
    "临沂市罗庄区民政局 2022 年项目支出全面实施绩效管理，涉及预算项目支出 20 个，其中 2 个项目含上级资金。"
    "预算资金 5178.10 万元，其中上级资金 1446.8 万元，总支出 3542.65 万元。预算执行率 68.42%。"
)
SEED_004_LOW_INCOME = (
    "根据临沂市民政局 临沂市财政局《关于提高困难群众救助保障标准的通知》（临民〔2022〕15号）文件，城市居民最低生活"
    "保障标准提高到每人每月 829 元；农村居民最低生活保障标准提高到每人每月 638 元。城乡低保标准之比为 1.3:1，"
    "根据评分标准，该指标得 100%权重分，即 3 分。"
)


def quoted(evaluation, anchor_prefix=""):
    return [p for p in check_evaluation(evaluation) if p.key.split(":")[0].endswith("quote")]


def section(evaluation, key, text):
    NarrativeSection.objects.update_or_create(evaluation=evaluation, key=key, defaults={"text": text})


# --- seed 003: 表3-2 and §五 -----------------------------------------------------------------------------------


@pytest.fixture
def project(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    save_table(
        evaluation=evaluation,
        key="project_funds",
        rows=[
            {
                "initial_budget": "433.53",
                "adjusted_budget": "294.39",
                "funds_received": "294.39",
                "actual_expenditure": "293.53",
            }
        ],
    )
    save_table(
        evaluation=evaluation,
        key="sub_item_budgets",
        rows=[
            {"name": "困难群体补助", "initial": "257", "adjusted": "226.5"},
            {"name": "困难群体补助（非营利组织补贴）", "initial": "0", "adjusted": "36"},
            {"name": "生活扶助金", "initial": "176.53", "adjusted": "31.89"},
        ],
    )
    return evaluation


def test_seed_003_adjusted_budget_and_rate_differ_from_table_3_2(project):
    finding = project.findings.create(title="预算编制精准性不足", text=SEED_003_FINDING)
    problems = {p.key: p for p in quoted(project)}
    assert set(problems) == {
        f"figure-quote:问题-{finding.pk}:预算调整为31.87万元",
        f"figure-quote:问题-{finding.pk}:调剂率81.95%",
    }
    amount = problems[f"figure-quote:问题-{finding.pk}:预算调整为31.87万元"]
    assert amount.severity == ERROR and amount.where == "问题「预算编制精准性不足」"
    assert amount.message == "文中「预算调整为 31.87 万元」与表3-2「生活扶助金」的指标金额 31.89 万元 不一致。"
    rate = problems[f"figure-quote:问题-{finding.pk}:调剂率81.95%"].message
    assert rate.startswith("文中「调剂率 81.95%」与表3-2「生活扶助金」的调剂率 81.94% 不一致")
    assert "176.53" in rate and "31.89" in rate and "144.64" in rate  # how 81.94 % comes about

    finding.text = SEED_003_FINDING.replace("31.87", "31.89").replace("81.95%", "81.94%")
    finding.save()
    assert quoted(project) == []
    finding.text = finding.text.replace("176.53 万元", "176.35 万元")  # the row's own name before its label
    finding.save()
    [problem] = quoted(project)
    assert problem.message == "文中「年初分配预算 176.35 万元」与表3-2「生活扶助金」的年初下达金额 176.53 万元 不一致。"


def test_project_level_figures_quoted_correctly_raise_nothing(project):
    section(
        project,
        "funds_use",
        "区民政局申报年初预算 433.53 万元。故年中项目预算调整为 294.39 万元，预算调剂率为 32.09%。"
        "当年度项目实际支付金额 293.53 万元，预算执行率为 99.71%。",
    )
    assert quoted(project) == []
    section(project, "funds_use", "当年度项目实际支付金额 293.35 万元，预算执行率为 99.71%。")
    [problem] = quoted(project)
    assert "「实际支付金额 293.35 万元」" in problem.message and "293.53 万元" in problem.message


def test_the_same_prose_is_checked_again_when_the_data_changes(project):
    """The quote check remembers its answer by prose and figures: a changed table is a new question."""
    section(project, "funds_use", "当年度项目实际支付金额 293.53 万元，预算执行率为 99.71%。")
    assert quoted(project) == []
    save_table(
        evaluation=project,
        key="project_funds",
        rows=[
            {
                "initial_budget": "433.53",
                "adjusted_budget": "294.39",
                "funds_received": "294.39",
                "actual_expenditure": "293.35",
            }
        ],
    )
    messages = [problem.message for problem in quoted(project)]
    assert any("「实际支付金额 293.53 万元」" in message and "293.35 万元" in message for message in messages)


def test_narrower_amounts_and_either_budget_raise_nothing(project):
    section(
        project,
        "funds_source",
        "本项目年初安排预算资金 433.53 万元，调整后预算资金 294.39 万元。生活扶助金实际支出 30.83 万元，"
        "慰问金预算执行率 98.5%。",
    )
    assert quoted(project) == []


def test_an_amount_of_a_row_needs_the_sentence_to_name_the_row(project):
    """ "发放春节慰问金 6 万元" is one payment of the row, not the row: only a sentence naming the row is checked."""
    section(project, "content", "向深圳市社会福利服务指导中心发放春节慰问金 6 万元；指标金额 20 万元用于临时慰问。")
    messages = [p.message for p in quoted(project)]
    assert len(messages) == 1 and "「指标金额 20 万元」" in messages[0] and "294.39" in messages[0]


# --- seed 004: 基础表4 ---------------------------------------------------------------------------------------


@pytest.fixture
def department(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.DEPARTMENT)
    save_table(
        evaluation=evaluation,
        key="dept_projects",
        rows=[  # 51,781,001.20 and 35,405,679.91 元, as 基础表4 adds up
            {"source": "区级资金", "name": "困难群众基本生活救助", "budget": "24000000.00", "paid": "18511556.20"},
            {"source": "上级资金", "name": "困难群众基本生活救助", "budget": "14430000.00", "paid": "14430000.00"},
            {"source": "上级资金", "name": "儿童福利项目", "budget": "38000.00", "paid": "38000.00"},
            {"source": "区级资金", "name": "公益性公墓建设资金", "budget": "13313001.20", "paid": "2426123.71"},
        ],
    )
    return evaluation


def test_seed_004_total_spending_and_execution_rate_differ_from_basic_table_4(department):
    section(department, "dept_overview", SEED_004_OVERVIEW)
    messages = {p.key: p.message for p in quoted(department)}
    assert messages == {
        "figure-quote:section-dept_overview:总支出3542.65万元": "文中「总支出 3542.65 万元」与基础表4 "
        "部门年度专项项目完成情况表的实际支付资金数合计 3,540.57 万元 不一致。",
        "figure-quote:section-dept_overview:预算执行率68.42%": "文中「预算执行率 68.42%」与基础数据计算的专项项目"
        "支付进度率 68.38% 不一致（实际支付资金数 35405679.91 元 ÷ 预算数 51781001.2 元 × 100% = 68.38%）。",
    }
    assert all(p.where == "章节「部门情况」" for p in quoted(department))
    # 5178.10 万元 and 上级资金 1446.8 万元 are right: only the two wrong figures are named.
    section(department, "dept_overview", SEED_004_OVERVIEW.replace("3542.65", "3540.57").replace("68.42", "68.38"))
    assert quoted(department) == []


def test_a_figure_agrees_when_it_is_the_data_rounded_once_to_the_digits_shown(department):
    section(
        department,
        "dept_key_projects",
        "项目总预算 5178.1 万元（含上级资金），实际支出 3540.57 万元，项目预算执行率为 68.4%。项目总预算约 5178 万元。",
    )
    assert quoted(department) == []
    # 3540.56 is 3540.5679… cut off, not rounded: the pages print 3,540.57
    section(department, "dept_key_projects", "项目总预算 5178.1 万元（含上级资金），实际支出 3540.56 万元。")
    [problem] = quoted(department)
    assert "「实际支出 3540.56 万元」" in problem.message and "3,540.57 万元" in problem.message


def test_a_row_named_in_quotation_marks_is_the_topic_of_its_paragraph(department):
    text = (
        "“困难群众基本生活救助”项目，预算金额 3843 万元。2022 年列入县级财政预算资金 3843 万元，主要用于城市、农村低保"
        "补贴。到绩效评价截止日，项目支出资金 3294.16 万元，资金执行率为 85.72%。"
    )
    section(department, "dept_key_projects", text)
    assert quoted(department) == []
    section(department, "dept_key_projects", text.replace("85.72%", "85.27%"))
    [problem] = quoted(department)
    assert problem.message.startswith("文中「资金执行率为 85.27%」与基础表4「困难群众基本生活救助」的资金执行率 85.72%")


def test_thresholds_narrower_amounts_and_unnamed_figures_are_not_compared(department):
    section(
        department,
        "dept_expenditure",
        "结转结余率为 6.38%，结余结转率 ≤ 8%。其中人员经费年度预算 455.64 万元，部门人员经费支出预算 455.64 万元。"
        "发放城乡低保金1236万元，每人每月 170 元。",
    )
    assert quoted(department) == []


def test_an_amount_in_yuan_is_converted_and_a_unit_slip_is_named(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.DEPARTMENT)
    save_table(
        evaluation=evaluation,
        key="dept_assets",
        rows=[{"category": "房屋", "year_end": "51400913.52", "in_use": "51400913.52"}],
    )
    save_table(
        evaluation=evaluation,
        key="dept_three_public",
        rows=[
            {"item": "公务接待费", "previous_budget": "0.2", "previous_final": "0", "budget": "0.1", "final": "0.068"}
        ],
    )
    section(
        evaluation,
        "dept_three_public",
        "“三公”经费预算共 0.1 万元。罗庄区民政局 2022 年度“三公”经费决算数 680 元。"
        "公务接待费支出决算数 680 元，上年度决算数 0.00 元。",
    )
    section(evaluation, "dept_assets", "2022 年度固定资产总价值约 5140.09 万元。")
    assert quoted(evaluation) == []
    section(evaluation, "dept_assets", "实际在用固定资产价值 5140.09 元。")
    [problem] = quoted(evaluation)
    assert problem.message == (
        "文中「实际在用固定资产价值 5140.09 元」与基础表1 部门基本情况：固定资产状况的在用价值合计 5,140.09 万元"
        "（51,400,913.52 元）不一致：数值相同，单位“元”应为“万元”。"
    )
    # the unit check does not repeat what this finding says
    assert not [p for p in check_evaluation(evaluation) if p.key.startswith("unit-mix")]


def test_quotes_in_html_text_are_read_as_plain_text(department):
    section(
        department,
        "dept_overview",
        "<p>预算资金 5178.10&nbsp;万元，其中上级资金 1446.8 万元，<strong>总支出 3542.65 万元</strong>。</p>"
        "<table><tr><th>项目</th><th>执行率</th></tr><tr><td>预算执行率</td><td>68.42%</td></tr></table>"
        "<script>预算执行率 1%</script>",
    )
    assert {p.key for p in quoted(department)} == {
        "figure-quote:section-dept_overview:总支出3542.65万元",
        "figure-quote:section-dept_overview:预算执行率68.42%",
    }
    assert plain_text("<p>a&amp;b</p><ul><li>一</li><li>二</li></ul>") == "a&b\n一\n二"


# --- seed 004: scores and weights in the analysis ---------------------------------------------------------------


@pytest.fixture
def scored(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.DEPARTMENT)
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="履职效能", weight=100, order=1)
    leaves = {}
    for order, (name, weight) in enumerate(
        (("城乡低保标准之比", 4), ("殡葬服务改革程度", 3), ("部门考核", 4), ("其他指标", 89)), start=1
    ):
        leaves[name] = EvaluationIndicatorFactory(
            evaluation=evaluation,
            parent=root,
            name=name,
            weight=weight,
            order=order,
            rule_kind="binary",
            inputs={"met": True},
        )
    leaves["部门考核"].awarded_score = Decimal(1)
    leaves["部门考核"].override_reason = "考核结果为三等"
    leaves["部门考核"].save()
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    return evaluation, leaves


def analyse(leaf, text):
    leaf.analysis = text
    leaf.save(update_fields=["analysis"])


def test_seed_004_score_of_3_quoted_for_a_weight_4_indicator(scored):
    evaluation, leaves = scored
    analyse(leaves["城乡低保标准之比"], SEED_004_LOW_INCOME)
    [problem] = quoted(evaluation)
    anchor = f"indicator-{leaves['城乡低保标准之比'].pk}"
    assert problem.key == f"score-quote:{anchor}:该指标得100%权重分，即3分" and problem.anchor == anchor
    assert problem.where == "指标「城乡低保标准之比」的分析"
    assert problem.message == (
        "文中「该指标得 100%权重分，即 3 分」与指标「城乡低保标准之比」的得分 4 分不一致（权重 4 分、得分 4 分）。"
    )
    analyse(leaves["城乡低保标准之比"], SEED_004_LOW_INCOME.replace("即 3 分", "即 4 分"))
    assert quoted(evaluation) == []


def test_scores_and_weights_that_agree_raise_nothing(scored):
    evaluation, leaves = scored
    analyse(leaves["殡葬服务改革程度"], "统一制作红白理事会马甲 2000 套。根据评分标准，该指标得 100%权重分，即 3 分。")
    analyse(leaves["部门考核"], "全区高质量发展综合绩效考核结果为三等，根据评分标准，该指标得 25%权重分，即 1 分。")
    analyse(leaves["城乡低保标准之比"], "权重分为 4 分，实际得分为 4 分\n该项指标得满分 4 分。")
    assert quoted(evaluation) == []


def test_a_heading_with_the_wrong_weight_and_a_share_that_does_not_give_the_score(scored):
    evaluation, leaves = scored
    analyse(leaves["城乡低保标准之比"], "权重分为 3 分，实际得分为 4 分")
    analyse(leaves["殡葬服务改革程度"], "根据评分标准，该指标得 80%权重分，即 3 分。")
    messages = sorted(p.message for p in quoted(evaluation))
    assert messages == [
        "文中「权重分为 3 分」与指标「城乡低保标准之比」的权重 4 分不一致（权重 4 分、得分 4 分）。",
        "文中「该指标得 80%权重分，即 3 分」中的 80% 权重分与指标「殡葬服务改革程度」的得分不符"
        "（权重 3 分、得分 3 分，得分为权重的 100%）。",
    ]


def test_a_paragraph_headed_by_another_name_is_not_this_indicators_score(scored):
    """Seed 004 appends 成本控制 and 成本节约率 (not in 附件 1) to 管理效率's analysis under their own labels."""
    evaluation, leaves = scored
    analyse(
        leaves["部门考核"],
        "考核结果为三等，该指标得 25%权重分，即 1 分。\n成本控制：根据评分标准，该项指标可得 100%权重分，即 2 分。\n"
        "殡葬服务改革程度：该指标得 100%权重分，即 2 分。",
    )
    [problem] = quoted(evaluation)  # 成本控制 names no indicator; 殡葬服务改革程度 has 3 points
    assert "指标「殡葬服务改革程度」的得分 3 分" in problem.message


def test_parts_of_a_score_and_another_indicators_total_are_not_this_indicators_score(scored):
    evaluation, leaves = scored
    analyse(leaves["城乡低保标准之比"], "要点①得分 2 分，要点②得分 2 分；履职效能综合得分 97 分。")
    assert quoted(evaluation) == []
    analyse(leaves["城乡低保标准之比"], "要点①得分 2 分；履职效能综合得分 96 分。")
    [problem] = quoted(evaluation)
    assert problem.message.startswith("文中「履职效能综合得分 96 分」与指标「履职效能」的得分 97 分不一致")


def test_a_score_named_in_a_section_is_checked_against_that_indicator(scored):
    evaluation, _ = scored
    section(evaluation, "conclusion", "城乡低保标准之比得分 4 分，殡葬服务改革程度得分 2 分。")
    [problem] = quoted(evaluation)
    assert problem.message.startswith("文中「殡葬服务改革程度得分 2 分」与指标「殡葬服务改革程度」的得分 3 分不一致")


def test_the_conclusion_typed_with_an_old_total_and_grade_is_flagged(scored):
    evaluation, leaves = scored
    assert evaluation.total_score == Decimal("97.00") and evaluation.grade == "优"
    conclusion = "经过数据分析，该项目综合得分为 97 分。评价等级为“优”。"
    section(evaluation, "conclusion", conclusion)
    assert quoted(evaluation) == []

    leaves["其他指标"].inputs = {"met": False}  # the total falls to 8 points: 差
    leaves["其他指标"].save()
    recompute_scores(evaluation)
    messages = sorted(p.message for p in quoted(evaluation))
    assert messages == [
        "文中「综合得分为 97 分」与评价的总分 8 分不一致。",
        "文中「评价等级为“优”」与评价的等级“差”不一致（总分 8 分）。",
    ]
    section(evaluation, "conclusion", "经过数据分析，该项目综合得分为 8 分。评价等级为“差”。")
    assert quoted(evaluation) == []
