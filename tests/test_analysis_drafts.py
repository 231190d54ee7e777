"""Drafting the per-indicator analysis: the composer (seed register, units, figures, evidence, checklist points,
不适用) writing rich text whose numbers are figures bound to the data, 起草全部 (fills blanks, keeps the team's own
text unless confirmed), who may do it, and its query count."""

from __future__ import annotations

from decimal import Decimal
from html import escape

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.datatables.figures import Figure
from evaluations.demo import load_demo
from evaluations.domain import narrative as service
from evaluations.domain.freezing import FrozenEvaluationError
from evaluations.models import EvaluationIndicator, EvaluationState, Evidence
from evaluations.narrative_html import figure_keys, plain_text
from evaluations.queries import analysis_drafts as drafts
from evaluations.queries.analysis_drafts import NotDraftable, Standing
from evaluations.queries.bound_figures import figure_catalogue, figure_texts, indicator_key
from evaluations.queries.leaf_wording import explanation_text, input_facts
from rubrics.numbers import plain
from tests.factories import EvaluationIndicatorFactory


def read(evaluation, html: str) -> str:
    """A stored or drafted analysis as the page and the report print it now: its bound figures filled in."""
    return plain_text(html, figure_texts(figure_catalogue(evaluation)))


# --- the composer on the two demo evaluations (the seeds' indicators), one of each rule kind ----------------

# As they read with their bound figures filled in.
DEMO_DRAFTS = {
    # ratio, unbound, the indicator's unit on both values
    ("project", "慰问低保家庭、特困人员和四残老人数量"): (
        "该指标主要考察项目慰问辖区低保家庭、特困人员和四残老人的数量情况。经核查并对照评分标准，"
        "实际 333 户（人），目标 344 户（人），完成率 96.80%，按完成比例计分：3 × 96.80% = 2.90 分。"
    ),
    # ratio bound to a derived figure: the table it comes from and its formula
    ("department", "预算完成率"): (
        "该指标主要考核部门预算完成程度。经核查，据《预、决算支出对比表》计算，"
        "预算完成率 = 决算数 5292.58 万元 ÷ 预算数 5653.1 万元 × 100% = 93.62%。"
        "根据评分标准，实际 93.62%，目标 100.00%，完成率 93.62%，按完成比例计分：2 × 93.62% = 1.87 分。"
    ),
    # inverse_ratio in 人, with the team's awarded score
    ("department", "在职人员控制率"): (
        "该指标主要考核部门对人员成本的控制程度。经核查并对照评分标准，"
        "实际 40 人，超过目标 34 人，按比例计分：2 × 34 ÷ 40 = 1.70 分。经评价小组评定，该指标得 1.82 分。"
    ),
    # threshold_deduct bound: the indicator's name for the value, not "实际值"
    ("project", "预算执行率"): (
        "该指标主要考核项目预算执行情况。经核查，据《项目资金情况表》计算，"
        "预算执行率 = 实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元 × 100% = 99.71%。"
        "根据评分标准，预算执行率 99.71%，不低于 98%，得满分 5 分。"
    ),
    # checklist, equal split: the points met and not met, named
    ("department", "预算编制合理性"): (
        "该指标主要考核部门预算测算过程及编制情况。经核查，符合②“预算内容与部门绩效目标匹配”、"
        "④“预算确定的项目投资额或资金量与工作任务相匹配”；不符合①“预算编制经过科学论证”、"
        "③“预算额度测算依据充分, 按照标准编制”。根据评分标准，共 4 项要点，各占 1/4 权重分（各 0.50 分）；"
        "满足要点②④：2 × 2 ÷ 4 = 1.00 分。经评价小组评定，该指标得 1.4 分。"
    ),
    # checklist phrased as questions: written as statements
    ("department", "决策程序规范性"): (
        "该指标主要考核部门预算决策程序的规范性。经核查，符合①“对需要进行评审的项目, 按程序组织预算评审”、"
        "②“经过部门(单位)党组会或局长办公会集体研究决策”。根据评分标准，共 2 项要点，各占 1/2 权重分"
        "（各 1.00 分）；全部 2 项要点均满足，得满分 2 分。"
    ),
    # bands
    ("department", "重点支出安排率"): (
        "该指标主要考核重点支出安排率：重点支出安排率= (重点项目支出/项目总支出) ×100%。经核查并对照评分标准，"
        "重点支出安排率 68.42%，不低于 60%，按该档得 0.5 分。经评价小组评定，该指标得 1.37 分。"
    ),
    # rate_penalty bound
    ("department", "预算调整率"): (
        "该指标主要考核部门预算的调整程度。经核查，据《部门预算执行与运行成本情况》计算，"
        "预算调整率 = 预算调整数 21.15 万元 ÷ 预算数 5653.1 万元 × 100% = 0.37%。"
        "根据评分标准，预算调整率 0.37%，按超标比例扣分：2 × (1 - 0.37%) = 1.99 分。经评价小组评定，该指标得 2 分。"
    ),
    # change_rate bound
    ("department", "人均公用经费变动率"): (
        "该指标主要反映部门人均公用经费实际支出年度间变化情况。经核查，据《部门预算执行与运行成本情况》计算，"
        "人均公用经费变动率 = （本年 0.95 万元 − 上年 1 万元）÷ 上年 1 万元 × 100% = -5.00%。"
        "根据评分标准，人均公用经费变动率 -5.00%，不高于 0%，得满分 1 分。"
    ),
    # threshold_else_rate
    ("department", "全区生活不能自理特困人员集中供养率"): (
        "该指标主要对全区集中供养不能自理人员占全区不能自理人员的比例进行评价。经核查并对照评分标准，"
        "全区生活不能自理特困人员集中供养率 73.47%，不低于 50%，得满分 4 分。"
    ),
    # grade_map
    ("department", "部门考核"): (
        "该指标主要反映上级部门对2022年民政局整体工作考核等级评价情况。经核查并对照评分标准，等级为“三等”，得 1 分。"
    ),
    # manual
    ("department", "婚姻登记服务水平"): (
        "该指标主要对婚姻登记服务水平情况进行评价。经核查并对照评分标准，酌情评分 3.00 分，"
        "理由：今年未发生一起有不良影响的负面舆情,实现零投诉，登记合格率达 100%。"
    ),
    # binary
    ("project", "改善低保家庭生活水平"): (
        "该指标主要考察项目实施能否直接或间接提高低保家庭生活水平。经核查并对照评分标准，达到要求，得满分 7 分。"
    ),
    # satisfaction
    ("project", "困难群众满意度"): (
        "该指标主要考察辖区困难群众对慰问金发放工作的满意程度。经核查并对照评分标准，"
        "未开展满意度调查，扣 1 分；投诉率 1.00%，不超过 5%：5 - 1 = 4.00 分。"
    ),
    # per_count bound to the disbursement batches
    ("project", "养育扶助金发放及时率"): (
        "该指标主要考察项目养育扶助金发放是否及时。经核查，据《资金发放批次表》计算，"
        "养育扶助金逾期发放对象数 = 0 个批次晚于应发放截止日期，涉及对象 0 户（人）。"
        "根据评分标准，扣分事项 0 次，得满分 3 分。"
    ),
}


# What the drafter stores: every number the data's, bound (the calculation of a derived figure, the rule's
# explanation, the checklist points met, an awarded score), the words typed.
DEMO_HTML = {
    ("project", "慰问低保家庭、特困人员和四残老人数量"): (
        "<p>该指标主要考察项目慰问辖区低保家庭、特困人员和四残老人的数量情况。经核查并对照评分标准，"
        '<span data-figure="indicator:项目产出/产出数量/慰问低保家庭、特困人员和四残老人数量:explanation"></span>。</p>'
    ),
    ("project", "预算执行率"): (
        "<p>该指标主要考核项目预算执行情况。经核查，据《项目资金情况表》计算，预算执行率 = "
        '<span data-figure="formula:budget_execution_rate"></span>。根据评分标准，'
        '<span data-figure="indicator:项目管理/资金管理/预算执行率:explanation"></span>。</p>'
    ),
    ("department", "预算编制合理性"): (
        "<p>该指标主要考核部门预算测算过程及编制情况。经核查，"
        '<span data-figure="indicator:资源配置/预算配置/预算编制合理性:facts"></span>。根据评分标准，'
        '<span data-figure="indicator:资源配置/预算配置/预算编制合理性:explanation"></span>。经评价小组评定，该指标得 '
        '<span data-figure="indicator:资源配置/预算配置/预算编制合理性:score"></span>。</p>'
    ),
    ("department", "人均公用经费变动率"): (
        "<p>该指标主要反映部门人均公用经费实际支出年度间变化情况。经核查，据《部门预算执行与运行成本情况》计算，"
        '人均公用经费变动率 = <span data-figure="formula:per_capita_public_cost_change"></span>。根据评分标准，'
        '<span data-figure="indicator:运行成本/公用经费控制/人均公用经费变动率:explanation"></span>。</p>'
    ),
}


@pytest.fixture(scope="module")
def demo_plans(django_db_setup, django_db_blocker):
    """Both demo evaluations' plans (read once, rolled back): {(kind, name): (LeafDraft, the draft as it reads)},
    the leaf counts, and each evaluation's figure catalogue."""
    found, leaves, catalogues = {}, {}, {}
    with django_db_blocker.unblock(), transaction.atomic():
        for kind, evaluation in load_demo().items():
            plan = drafts.analysis_plan(evaluation)
            leaves[kind] = len(plan.leaves)
            catalogues[kind] = figure_catalogue(evaluation)
            for leaf in plan.leaves:
                found[(kind, leaf.indicator.name)] = (leaf, plain_text(leaf.draft, figure_texts(catalogues[kind])))
        transaction.set_rollback(True)
    return found, leaves, catalogues


@pytest.mark.parametrize(("key", "expected"), DEMO_DRAFTS.items(), ids=[name for _, name in DEMO_DRAFTS])
def test_demo_indicator_drafts_read_as_the_seeds_write_with_units(demo_plans, key, expected):
    found, _, _ = demo_plans
    assert found[key][1] == expected


@pytest.mark.parametrize(("key", "expected"), DEMO_HTML.items(), ids=[name for _, name in DEMO_HTML])
def test_demo_drafts_bind_the_data_s_numbers(demo_plans, key, expected):
    found, _, _ = demo_plans
    assert found[key][0].draft == expected


def test_every_demo_leaf_is_drafted_and_the_seed_texts_count_as_the_team_s_own(demo_plans):
    found, leaves, catalogues = demo_plans
    assert leaves == {"project": 28, "department": 41}
    for (kind, name), (leaf, reading) in found.items():
        assert leaf.draft.startswith("<p>") and leaf.draft.count("<p>") == 1 and "\n" not in reading, name
        # every binding is a figure that exists and has a value: no 数据已删除, no （尚无数据）
        keys = figure_keys(leaf.draft)
        assert keys and all(catalogues[kind][key].text for key in keys), name
        # no engine codes, no unit-less "实际 97.03，目标 100" (every ratio names its unit or its percent sign)
        assert not any(code in reading for code in ("actual", "target", "met", "None", "not_applicable")), name
        # the numbers are bound, not typed: only words are left in the HTML (the indicator's own explanation and an
        # awarded score's reason are the team's words, digits and all)
        typed = plain_text(leaf.draft)
        assert typed.startswith(drafts.subject_sentence(leaf.indicator)), name
        typed = typed.removeprefix(drafts.subject_sentence(leaf.indicator))
        typed = typed.replace(leaf.indicator.override_reason.strip().rstrip("。"), "")
        assert not any(char.isdigit() for char in typed), name
    department = [leaf for (kind, _), (leaf, _) in found.items() if kind == "department"]
    assert {leaf.standing for leaf in department} == {Standing.OWN}  # the seed's analysis texts are kept


# --- the composer, without the database -----------------------------------------------------------------------


def leaf(**values) -> EvaluationIndicator:
    return EvaluationIndicator(**{"name": "指标", "weight": Decimal(4), **values})


def compose(indicator, *, figures=None, evidence=(), na_policy="rescale"):
    """The draft as it reads with its bound figures filled in, as the catalogue (bound_figures) fills them."""
    path = (indicator.name,)
    figures = figures or {}
    html = drafts.compose_leaf(indicator, path=path, figures=figures, evidence=list(evidence), na_policy=na_policy)
    score = indicator.awarded_score if indicator.awarded_score is not None else indicator.computed_score
    values = {
        indicator_key(path, "explanation"): explanation_text(indicator, na_policy),
        indicator_key(path, "facts"): input_facts(indicator),
        indicator_key(path, "weight"): f"{plain(indicator.weight)} 分",
        indicator_key(path, "score"): f"{plain(score)} 分" if score is not None else "",
        **{f"formula:{figure.key}": figure.formula.rstrip("。") for figure in figures.values()},
    }
    assert all(values[key] for key in figure_keys(html))  # every binding reads a value
    return plain_text(html, values)


def test_not_applicable_says_so_and_how_the_policy_counts_it():
    marked = leaf(
        name="楼堂馆所控制率",
        explanation="部门楼堂馆所建设是否符合规定，用以反映和考核部门对楼堂馆所建设的控制情况。",
        rule_kind="ratio",
        inputs={"not_applicable": True},
    )
    assert compose(marked) == (
        "该指标主要考核部门对楼堂馆所建设的控制情况。经核查，该指标不适用于本次评价。"
        "本次评价对不适用指标的处理方式为“扣除后按百分制折算”，该指标不参与计分，评价总分按适用指标得分折算为百分制。"
    )
    assert compose(marked, na_policy="full").endswith(
        "本次评价对不适用指标的处理方式为“按满分计算”，该指标按满分 4 分计算。"
    )


def test_evidence_names_and_typed_change_rate_figures_with_their_unit():
    training = leaf(
        name="培训费、会议费变动率",
        unit="元",
        weight=Decimal("0.5"),
        rule_kind="change_rate",
        rule_params={"per_point": 0.1, "rounding": "exact"},
        inputs={"current": 1953, "previous": 6800, "rate": "-4847/68"},
    )
    assert compose(training, evidence=["2022年培训费明细.xlsx", "会议费台账.pdf", "会议费台账.pdf"]) == (
        "该指标主要考核培训费、会议费变动率。经查阅《2022年培训费明细》《会议费台账》等佐证材料，"
        "本年 1953 元，上年 6800 元。根据评分标准，培训费、会议费变动率 -71.28%，不高于 0%，得满分 0.5 分。"
    )
    computed = leaf(
        name="机关运行经费控制率",
        unit="万元",
        weight=Decimal("0.5"),
        rule_kind="change_rate",
        rule_params={"per_point": 0.1, "rounding": "exact"},
        inputs={"current": "39.4", "previous": "236.76"},
    )
    assert compose(computed, evidence=["运行经费.pdf"]) == (
        "该指标主要考核机关运行经费控制率。经查阅《运行经费》等佐证材料并对照评分标准，"
        "本年 39.4 万元、上年 236.76 万元，机关运行经费控制率 -83.36%，不高于 0%，得满分 0.5 分。"
    )


def test_a_bound_figure_without_data_is_not_quoted():
    bound = leaf(name="预算完成率", unit="%", rule_kind="ratio", inputs={"actual": 90, "target": 100})
    bound.bindings = {"actual": "budget_completion_rate"}
    missing = Figure(
        "budget_completion_rate", "预算完成率", None, "缺少预算数，无法计算预算完成率。", "dept_budget_vs_final"
    )
    assert "缺少" not in compose(bound, figures={missing.key: missing})


def test_checklist_partial_and_fault_counted_points():
    checklist = leaf(
        name="制度执行有效性",
        rule_kind="checklist",
        rule_params={
            "items": [
                {"text": "遵守“三重一大”制度", "points": 1},
                {"text": "调整手续完备。", "points": 1},
                {"text": "资料归档", "points": 1, "max_faults": 3},
                {"text": "人员到位", "points": 1},
            ]
        },
        inputs={"met": [0], "partial": {"1": 0.5}, "faults": {"2": 1}},
    )
    assert compose(checklist) == (
        "该指标主要考核制度执行有效性。经核查，符合①“遵守‘三重一大’制度”；部分符合②“调整手续完备”；"
        "不符合④“人员到位”。根据评分标准，满足要点①（1.00 分），部分满足要点②（1 × 0.5 = 0.50 分），"
        "要点③有 1 项不满足，扣减该要点分值的 1/3（1 × (1 - 1 ÷ 3) = 0.67 分）：1.00 + 0.50 + 0.67 = 2.17 分。"
    )


def test_a_leaf_that_cannot_be_scored_yet_is_not_drafted_and_says_why_in_words():
    with pytest.raises(NotDraftable, match=r"^缺少「实际值」$"):
        compose(leaf(rule_kind="ratio", inputs={"target": 100}))
    with pytest.raises(NotDraftable, match=r"^尚未设置计分规则$"):
        compose(leaf())
    with pytest.raises(NotDraftable, match=r"^计分规则的设置有误，请先在指标体系中修改$"):
        compose(leaf(rule_kind="ratio", rule_params={"capp": 1}, inputs={"actual": 1, "target": 2}))


@pytest.mark.parametrize(
    ("explanation", "sentence"),
    [
        (
            "实际到位资金与预算资金的比率，用以反映和考核资金落实情况对项目实施的总体保障程度。",
            "该指标主要考核资金落实情况对项目实施的总体保障程度。",
        ),
        ("考察项目慰问金是否发放到位。", "该指标主要考察项目慰问金是否发放到位。"),
        ("主要反映部门社会救助制度标准健全性情况。", "该指标主要反映部门社会救助制度标准健全性情况。"),
        ("对边界联检工作进行评价", "该指标主要对边界联检工作进行评价。"),
        ("按照规定标准发放经济困难老年人补贴。", "该指标主要考核补贴人数：按照规定标准发放经济困难老年人补贴。"),
        ("", "该指标主要考核补贴人数。"),
    ],
)
def test_the_opening_sentence_comes_from_the_indicator_s_explanation(explanation, sentence):
    assert drafts.subject_sentence(leaf(name="补贴人数", explanation=explanation)) == sentence


def test_graded_and_coefficient_leaves():
    graded = leaf(name="项目实施效果", rule_kind="graded", inputs={"level": "好", "share": 90})
    assert compose(graded) == (
        "该指标主要考核项目实施效果。经核查并对照评分标准，评定等级为“好”，分值区间 80%（含）至 100%（含），"
        "得分比例 90%："
        "4 × 90% = 3.60 分。"
    )
    coefficient = leaf(name="自评得分", rule_kind="coefficient", inputs={"coefficient": 100})
    assert compose(coefficient) == "该指标主要考核自评得分。经核查并对照评分标准，得分系数 100%，得满分 4 分。"


def test_an_inner_node_s_overview_names_its_children_and_binds_their_weights_and_scores():
    node = leaf(name="资源配置", weight=Decimal(8))
    children = [
        drafts.ChildScore(leaf(name="预算配置", weight=Decimal(6)), Decimal("4.77"), ("资源配置", "预算配置")),
        drafts.ChildScore(leaf(name="人员配置", weight=Decimal(2)), Decimal("1.82"), ("资源配置", "人员配置")),
    ]
    overview = drafts.compose_inner(node, children)
    assert overview == (
        "<p>资源配置指标从预算配置、人员配置两个角度来考察。其中失分的是预算配置（权重 "
        '<span data-figure="indicator:资源配置/预算配置:weight"></span>，得 '
        '<span data-figure="indicator:资源配置/预算配置:score"></span>）、人员配置（权重 '
        '<span data-figure="indicator:资源配置/人员配置:weight"></span>，得 '
        '<span data-figure="indicator:资源配置/人员配置:score"></span>）。</p>'
    )
    values = {
        "indicator:资源配置/预算配置:weight": "6 分",
        "indicator:资源配置/预算配置:score": "4.77 分",
        "indicator:资源配置/人员配置:weight": "2 分",
        "indicator:资源配置/人员配置:score": "1.82 分",
    }
    assert plain_text(overview, values) == (
        "资源配置指标从预算配置、人员配置两个角度来考察。"
        "其中失分的是预算配置（权重 6 分，得 4.77 分）、人员配置（权重 2 分，得 1.82 分）。"
    )
    full = [drafts.ChildScore(leaf(name="绩效目标合理性", weight=Decimal(3)), Decimal(3))] * 2
    assert drafts.compose_inner(node, full).endswith("两个角度来考察。各项指标均得满分。</p>")


# --- 起草全部: the write ------------------------------------------------------------------------------------------


def ratio_leaf(evaluation, name, order, **values):
    return EvaluationIndicatorFactory(
        evaluation=evaluation,
        name=name,
        order=order,
        weight=Decimal(2),
        unit="户",
        rule_kind="ratio",
        inputs={"actual": 14, "target": 15},
        computed_score=Decimal("1.87"),
        **values,
    )


@pytest.fixture
def leaves(world):
    evaluation = world["a"]
    blank = ratio_leaf(evaluation, "慰问低保边缘家庭数量", 1)
    own = ratio_leaf(evaluation, "慰问困境儿童数量", 2, analysis="经核查花名册，共慰问困境儿童 14 户。")
    earlier = ratio_leaf(evaluation, "价格临时补贴家庭数量", 3, analysis="旧的起草稿", analysis_drafted="旧的起草稿")
    unscorable = EvaluationIndicatorFactory(evaluation=evaluation, name="新增指标", order=4, rule_kind="ratio")
    return {"blank": blank, "own": own, "earlier": earlier, "unscorable": unscorable}


DRAFT_14_OF_15 = "实际 14 户，目标 15 户，完成率 93.33%，按完成比例计分：2 × 93.33% = 1.87 分。"


def stored(indicator) -> EvaluationIndicator:
    return EvaluationIndicator.objects.get(pk=indicator.pk)


def test_draft_all_fills_blanks_refreshes_untouched_drafts_and_keeps_the_team_s_own(world, leaves):
    result = service.draft_all_analyses(evaluation=world["a"], user=world["evaluator_a"])
    assert [leaf.indicator.name for leaf in result.filled] == ["慰问低保边缘家庭数量"]
    assert [leaf.indicator.name for leaf in result.refreshed] == ["价格临时补贴家庭数量"]
    assert [leaf.indicator.name for leaf in result.kept] == ["慰问困境儿童数量"]
    assert [(leaf.indicator.name, leaf.problem) for leaf in result.undraftable] == [("新增指标", "缺少「实际值」")]
    blank = stored(leaves["blank"])
    assert read(world["a"], blank.analysis).endswith(DRAFT_14_OF_15) and blank.analysis == blank.analysis_drafted
    assert 'data-figure="indicator:慰问低保边缘家庭数量:explanation"' in blank.analysis
    assert blank.version == 2  # an editor opened before the draft cannot save over it unseen
    assert read(world["a"], stored(leaves["earlier"]).analysis).endswith(DRAFT_14_OF_15)
    assert stored(leaves["own"]).analysis == "经核查花名册，共慰问困境儿童 14 户。"
    assert stored(leaves["unscorable"]).analysis == ""
    record = blank.history.first()
    assert (record.history_change_reason, record.history_user) == ("起草全部指标分析", world["evaluator_a"])
    report = dict(result.report())
    assert report["success"] == "已起草 2 项指标的分析（原为空白 1 项，更新未修改过的起草稿 1 项）。"
    assert "保留了 1 项已编辑的分析：「慰问困境儿童数量」。" in [text for _, text in result.report()]

    again = service.draft_all_analyses(evaluation=world["a"])  # nothing left to do: nothing written
    assert (again.written, len(again.current), len(again.kept)) == ([], 2, 1)
    plan = drafts.analysis_plan(world["a"])
    assert [leaf.standing for leaf in plan.leaves][:3] == [Standing.DRAFTED, Standing.OWN, Standing.DRAFTED]
    assert plan.fillable == []
    # the data moves on: the draft's numbers are bound, so it reads the new ones and needs no drafting again
    EvaluationIndicator.objects.filter(pk=blank.pk).update(inputs={"actual": 15, "target": 15})
    assert drafts.analysis_plan(world["a"]).fillable == []
    now = read(world["a"], stored(blank).analysis)
    assert now.endswith("实际 15 户，目标 15 户，完成率 100.00%，达到目标，得满分 2 分。")
    # what it says in words moves on (the indicator's explanation): an untouched draft is drafted again unasked
    EvaluationIndicator.objects.filter(pk=blank.pk).update(explanation="用以考核慰问工作的覆盖面。")
    assert [leaf.indicator.name for leaf in drafts.analysis_plan(world["a"]).fillable] == ["慰问低保边缘家庭数量"]


def test_an_own_text_is_overwritten_only_at_the_version_the_user_confirmed(world, leaves):
    own = leaves["own"]
    result = service.draft_all_analyses(evaluation=world["a"], overwrite={own.pk: own.version + 1})
    assert [leaf.indicator.name for leaf in result.changed_since] == ["慰问困境儿童数量"]
    assert stored(own).analysis == "经核查花名册，共慰问困境儿童 14 户。"
    result = service.draft_all_analyses(evaluation=world["a"], overwrite={own.pk: own.version})
    assert [leaf.indicator.name for leaf in result.overwritten] == ["慰问困境儿童数量"]
    assert read(world["a"], stored(own).analysis).endswith(DRAFT_14_OF_15)
    assert stored(own).history.first().prev_record.analysis == "经核查花名册，共慰问困境儿童 14 户。"


def test_an_edited_draft_becomes_the_team_s_own(world, leaves):
    service.draft_all_analyses(evaluation=world["a"])
    blank = stored(leaves["blank"])
    service.save_analysis(indicator=blank, text=blank.analysis + "其中 1 户已迁出辖区。", expected_version=2)
    plan = drafts.analysis_plan(world["a"])
    assert {leaf.indicator.name: leaf.standing for leaf in plan.leaves}["慰问低保边缘家庭数量"] is Standing.OWN


def test_draft_all_refuses_an_approved_evaluation(world, leaves):
    world["a"].state = EvaluationState.APPROVED
    world["a"].save()
    with pytest.raises(FrozenEvaluationError):
        service.draft_all_analyses(evaluation=world["a"])
    assert stored(leaves["blank"]).analysis == ""


def draft_all_queries(evaluation) -> int:
    with CaptureQueriesContext(connection) as queries:
        service.draft_all_analyses(evaluation=evaluation)
    return len(queries.captured_queries)


def test_the_query_count_of_draft_all_does_not_grow_with_the_indicators(world):
    small, large = world["a"], world["b"]
    for evaluation, count in ((small, 2), (large, 12)):
        root = EvaluationIndicatorFactory(evaluation=evaluation, name="产出数量", weight=Decimal(2 * count))
        for number in range(count):
            leaf_ = ratio_leaf(evaluation, f"慰问对象数量{number}", number, parent=root)
            evidence = Evidence.objects.create(
                evaluation=evaluation,
                file=ContentFile(b"x", name="list.pdf"),
                original_name=f"慰问名单{number}.pdf",
                size=1,
                sha256="0" * 64,
                content_type="application/pdf",
            )
            evidence.indicators.add(leaf_)
    assert draft_all_queries(small) == draft_all_queries(large)
    drafted = stored(large.indicators.get(name="慰问对象数量11"))
    assert read(large, drafted.analysis).startswith(
        "该指标主要考核慰问对象数量11。经查阅《慰问名单11》等佐证材料并对照评分标准，实际 14 户"
    )


# --- pages --------------------------------------------------------------------------------------------------


def draft_all_url(evaluation):
    return reverse("evaluation-analysis-draft-all", args=[evaluation.pk])


def analysis_url(evaluation):
    return reverse("evaluation-analysis", args=[evaluation.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("evaluator_a", 302),
        ("reviewer_a", 403),
        ("bureau_a", 403),
        ("admin", 403),
        ("unit_a", 403),
        ("evaluator_b", 404),
        ("unit_b", 404),
        ("bureau_b", 404),
        ("nobody", 404),
    ],
)
def test_only_the_team_s_evaluators_may_draft_all(client, world, leaves, persona, status):
    client.force_login(world[persona])
    own = leaves["own"]
    response = client.post(draft_all_url(world["a"]), {"mode": "all", "overwrite": f"{own.pk}:{own.version}"})
    assert response.status_code == status
    assert (stored(leaves["blank"]).analysis != "") == (status == 302)
    assert (stored(own).analysis == "经核查花名册，共慰问困境儿童 14 户。") == (status != 302)
    assert client.get(draft_all_url(world["a"])).status_code == (200 if status == 302 else status)


def test_nobody_drafts_all_while_the_evaluation_is_under_review(client, world, leaves):
    world["a"].state = EvaluationState.INTERNAL_REVIEW
    world["a"].save()
    client.force_login(world["evaluator_a"])
    assert client.post(draft_all_url(world["a"]), {"mode": "blank"}).status_code == 403
    assert stored(leaves["blank"]).analysis == ""
    assert "起草全部" not in client.get(analysis_url(world["a"])).content.decode()


def test_the_analysis_page_asks_first_when_the_team_has_texts_of_its_own(client, world, leaves):
    client.force_login(world["evaluator_a"])
    page = client.get(analysis_url(world["a"])).content.decode()
    assert f'href="{draft_all_url(world["a"])}">起草全部…</a>' in page
    assert "空白 1 项 · 起草稿 1 项 · 已编辑 1 项 · 尚不能起草 1 项" in page
    choice = client.get(draft_all_url(world["a"])).content.decode()
    assert "已编辑的分析（1 项）" in choice and "经核查花名册，共慰问困境儿童 14 户。" in choice
    assert "只起草空白的（2 项）" in choice and "全部重新起草（覆盖 1 项已编辑的分析）" in choice
    assert 'data-confirm="将用起草的段落覆盖 1 项已编辑的分析' in choice
    assert f'name="overwrite" value="{leaves["own"].pk}:1"' in choice
    assert "新增指标</a>：缺少「实际值」" in choice

    response = client.post(draft_all_url(world["a"]), {"mode": "blank"}, follow=True)
    body = response.content.decode()
    assert "已起草 2 项指标的分析（原为空白 1 项，更新未修改过的起草稿 1 项）。" in body
    assert "1 项尚不能计分，未起草：「新增指标」缺少「实际值」。" in body
    assert stored(leaves["own"]).analysis == "经核查花名册，共慰问困境儿童 14 户。"


def test_with_nothing_of_the_team_s_own_one_click_drafts_all(client, world, leaves):
    leaves["own"].delete()
    client.force_login(world["evaluator_a"])
    page = client.get(analysis_url(world["a"])).content.decode()
    assert '<input type="hidden" name="mode" value="blank">' in page and "起草全部（2 项）" in page


def test_a_bad_mode_changes_nothing(client, world, leaves):
    client.force_login(world["evaluator_a"])
    response = client.post(draft_all_url(world["a"]), {"mode": "everything"}, follow=True)
    assert "请选择“只起草空白的”或“全部重新起草”。" in response.content.decode()
    assert stored(leaves["blank"]).analysis == ""
    bogus = client.post(draft_all_url(world["a"]), {"mode": "all", "overwrite": ["x:1", f"{leaves['own'].pk}:"]})
    assert bogus.status_code == 302 and stored(leaves["own"]).analysis.startswith("经核查花名册")


def test_the_query_count_of_the_draft_all_post_does_not_grow_with_the_indicators(client, world):
    client.force_login(world["evaluator_a"])
    counts = []
    for count in (2, 10):
        EvaluationIndicator.objects.filter(evaluation=world["a"]).delete()
        for number in range(count):
            ratio_leaf(world["a"], f"慰问对象数量{number}", number)
        with CaptureQueriesContext(connection) as queries:
            assert client.post(draft_all_url(world["a"]), {"mode": "blank"}).status_code == 302
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_per_indicator_draft_button_uses_the_same_composer_and_a_saved_draft_stays_a_draft(client, world, leaves):
    blank = leaves["blank"]
    url = reverse("evaluation-analysis-indicator", args=[world["a"].pk, blank.pk])
    client.force_login(world["evaluator_a"])
    drafted = client.post(url, {"action": "draft", "text": "", "version": "1"}).content.decode()
    expected = drafts.analysis_plan(world["a"]).leaves[0].draft
    assert f"\n{escape(expected)}</textarea>" in drafted and read(world["a"], expected).endswith(DRAFT_14_OF_15)
    assert stored(blank).analysis == ""  # a draft is not saved until the user saves it
    assert client.post(url, {"text": expected, "version": "1"}).status_code == 302
    assert stored(blank).analysis_drafted == expected  # saved unchanged: still the drafter's text
    unscorable = reverse("evaluation-analysis-indicator", args=[world["a"].pk, leaves["unscorable"].pk])
    refused = client.post(unscorable, {"action": "draft", "text": "草稿", "version": "1"}).content.decode()
    assert "「新增指标」尚不能起草：缺少「实际值」。" in refused and "\n&lt;p&gt;草稿&lt;/p&gt;</textarea>" in refused
