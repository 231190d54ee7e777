"""The write services of the workspace: creation, prefill, team, indicator editing and scoring inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from evaluations.domain import creation as creation_service
from evaluations.domain import indicator_tree, prefill, scoring_inputs, team
from evaluations.domain.datatables import save_table
from evaluations.domain.errors import EditError
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.scoring import recompute_scores
from evaluations.models import (
    BudgetFigure,
    DataTable,
    Evaluation,
    EvaluationIndicator,
    EvaluationState,
    FundingSource,
    OrganisationKind,
    SubItem,
    TeamMember,
    TeamRole,
)
from evaluations.models.roles import Role
from evaluations.queries import access
from evaluations.queries.consistency import check_evaluation
from evaluations.queries.tree import indicator_tree as indicator_tree_of
from rubrics.engine import compute_score
from tests.factories import (
    EvaluationIndicatorFactory,
    OrganisationFactory,
    ProjectFactory,
    TemplateIndicatorFactory,
    UserFactory,
    three_level_template,
)

# --- a small tree with one leaf per widget type ------------------------------------------------------


def build_tree(evaluation: Evaluation) -> dict[str, EvaluationIndicator]:
    """决策 30 (立项 30: 依据 checklist 10, 程序 binary 10, 评审 grade_map 10) and
    产出 70 (数量 70: 完成率 ratio 20, 采购 bound threshold_deduct 10, 满意度 satisfaction 10, 酌情 manual 10,
    超标 rate_penalty 20). The procurement figure comes from the key-figures table (9 of 10 万元 = 90%)."""

    def node(name, weight, parent=None, order=0, **fields):
        return EvaluationIndicatorFactory(
            evaluation=evaluation, name=name, weight=Decimal(weight), parent=parent, order=order, **fields
        )

    decision = node("决策", 30, order=1)
    setup = node("立项", 30, decision, order=1)
    output = node("产出", 70, order=2)
    quantity = node("数量", 70, output, order=1)
    nodes = {
        "decision": decision,
        "setup": setup,
        "output": output,
        "quantity": quantity,
        "checklist": node(
            "立项依据充分性",
            10,
            setup,
            1,
            rule_kind="checklist",
            rule_params={"items": [{"text": "符合规划", "points": 5}, {"text": "符合职责", "points": 5}], "gate": None},
            inputs={"met": [0]},
        ),
        "binary": node("立项程序规范性", 10, setup, 2, rule_kind="binary", inputs={"met": True}),
        "grade": node(
            "部门考核",
            10,
            setup,
            3,
            rule_kind="grade_map",
            rule_params={"map": {"优秀": 10, "良好": 6}},
            inputs={"grade": "良好"},
        ),
        "ratio": node(
            "完成率", 20, quantity, 1, rule_kind="ratio", rule_params={"cap": 1}, inputs={"actual": 9, "target": 10}
        ),
        "bound": node(
            "政府采购执行率",
            10,
            quantity,
            2,
            rule_kind="threshold_deduct",
            rule_params={"threshold": 100, "per_point": 0.5, "direction": "below", "rounding": "exact"},
            bindings={"actual": "procurement_execution_rate"},
            inputs={},
        ),
        "satisfaction": node(
            "满意度",
            10,
            quantity,
            3,
            rule_kind="satisfaction",
            rule_params={},
            inputs={"survey": True, "satisfaction": 96},
        ),
        "manual": node(
            "服务水平", 10, quantity, 4, rule_kind="manual", inputs={"score": 8, "reason": "零投诉，合格率 100%"}
        ),
        "penalty": node("超标率", 20, quantity, 5, rule_kind="rate_penalty", inputs={"rate": 0}),
    }
    save_table(
        evaluation=evaluation,
        key="dept_key_figures",
        rows=[{"procurement_budget": "10", "procurement_actual": "9"}],
        recompute=False,
    )
    recompute_scores(evaluation)
    for key, value in nodes.items():
        value.refresh_from_db()
        nodes[key] = value
    return nodes


@pytest.fixture
def tree(world):
    return build_tree(world["a"])


def test_built_tree_scores_with_the_engine(world, tree):
    evaluation = world["a"]
    evaluation.refresh_from_db()
    assert tree["checklist"].computed_score == Decimal("5.00")
    assert tree["grade"].computed_score == Decimal("6.00")
    assert Decimal(tree["bound"].inputs["actual"]) == 90
    assert tree["bound"].computed_score == Decimal("5.00")
    assert evaluation.total_score == Decimal("82.00")  # 5 + 10 + 6 + 18 + 5 + 10 + 8 + 20
    assert evaluation.total_score == sum((n.computed_score for n in tree.values() if n.rule_kind), Decimal(0))


# --- creation -----------------------------------------------------------------------------------------


@pytest.fixture
def creation(world):
    template = three_level_template(kind="project")
    unit = world["a"].evaluated_unit
    project = ProjectFactory(unit=unit, name="困难群体救助")
    return {
        "user": world["evaluator_a"],
        "kind": "project",
        "title": "2023 年度困难群体救助项目支出绩效评价",
        "evaluated_unit": unit,
        "project": project,
        "year": 2023,
        "commissioning_bureau": world["a"].commissioning_bureau,
        "template": template,
    }


def test_create_copies_template_and_makes_the_creator_manager(world, creation):
    evaluation = creation_service.create_evaluation(**creation)
    assert evaluation.evaluating_firm == world["evaluator_a"].organisation
    assert evaluation.period_start == date(2023, 1, 1) and evaluation.period_end == date(2023, 12, 31)
    assert evaluation.indicators.count() == creation["template"].indicators.count()
    member = evaluation.team.get()
    assert member.user == world["evaluator_a"] and member.role == TeamRole.MANAGER
    assert evaluation.template == creation["template"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": "  "}, "title", "评价名称"),
        ({"kind": "other"}, "kind", "评价类型"),
        ({"project": None}, "project", "必须选择评价项目"),
        ({"year": 1800}, "year", "四位年份"),
        ({"evaluated_unit": None}, "evaluated_unit", "被评价单位"),
        ({"commissioning_bureau": None}, "commissioning_bureau", "委托单位"),
        ({"template": None}, "template", "指标体系模板"),
        ({"period_start": date(2023, 6, 1), "period_end": date(2023, 1, 1)}, "period_end", "不能早于"),
        ({"report_date": date(2022, 1, 1)}, "report_date", "报告日期"),
    ],
)
def test_create_refuses_bad_input_in_chinese(world, creation, change, field, words):
    with pytest.raises(EditError) as caught:
        creation_service.create_evaluation(**{**creation, **change})
    assert field in caught.value.errors
    assert words in "".join(caught.value.errors[field])
    assert not Evaluation.objects.filter(title=creation["title"]).exists()


def test_create_refuses_project_of_another_unit(world, creation):
    other = ProjectFactory(unit=world["b"].evaluated_unit)
    with pytest.raises(EditError) as caught:
        creation_service.create_evaluation(**{**creation, "project": other})
    assert "不属于被评价单位" in caught.value.errors["project"][0]


def test_create_refuses_template_of_the_other_kind(world, creation):
    with pytest.raises(EditError) as caught:
        creation_service.create_evaluation(**{**creation, "template": three_level_template(kind="department")})
    assert "与评价类型" in caught.value.errors["template"][0]


def test_create_refuses_a_bureau_that_is_not_a_bureau_and_a_duplicate(world, creation):
    with pytest.raises(EditError) as caught:
        creation_service.create_evaluation(**{**creation, "commissioning_bureau": world["a"].evaluated_unit})
    assert "不是财政局" in caught.value.errors["commissioning_bureau"][0]
    creation_service.create_evaluation(**creation)
    with pytest.raises(EditError) as caught:
        creation_service.create_evaluation(**creation)
    assert "已有名为" in caught.value.errors["title"][0]


@pytest.mark.parametrize("persona", ["reviewer_a", "unit_a", "bureau_a", "admin", "nobody"])
def test_only_evaluators_of_a_firm_create(world, creation, persona):
    with pytest.raises(EditError, match="评价人员"):
        creation_service.create_evaluation(**{**creation, "user": world[persona]})


def test_prefill_project_tables_from_budget_figures_in_wan(world, creation):
    project, unit = creation["project"], creation["evaluated_unit"]
    BudgetFigure.objects.create(
        organisation=unit,
        project=project,
        year=2023,
        initial_budget=Decimal("4335300.00"),
        adjusted_budget=Decimal("2943900.00"),
        funds_received=Decimal("2943900.00"),
        actual_expenditure=Decimal("2935300.00"),
    )
    for order, (name, initial, adjusted) in enumerate([("补助", "2570000", "2265000"), ("慰问", "100", "0")], 1):
        sub_item = SubItem.objects.create(project=project, name=name, order=order)
        BudgetFigure.objects.create(
            organisation=unit,
            project=project,
            sub_item=sub_item,
            year=2023,
            initial_budget=Decimal(initial),
            adjusted_budget=Decimal(adjusted),
        )
    BudgetFigure.objects.create(organisation=unit, project=project, year=2022, initial_budget=Decimal(1))
    evaluation = creation_service.create_evaluation(**creation)
    funds = DataTable.objects.get(evaluation=evaluation, key="project_funds").rows.get().values
    assert Decimal(funds["initial_budget"]) == Decimal("433.53")
    assert Decimal(funds["actual_expenditure"]) == Decimal("293.53")
    rows = DataTable.objects.get(evaluation=evaluation, key="sub_item_budgets").rows.order_by("order")
    assert [(r.values["name"], Decimal(r.values["initial"])) for r in rows] == [
        ("补助", Decimal("257")),
        ("慰问", Decimal("0.01")),
    ]


def test_prefill_department_projects_in_yuan_and_never_overwrites(world):
    evaluation = world["a"]
    unit = evaluation.evaluated_unit
    for name, budget, paid, source in (("社会救助经费", "50000.00", "0.00", FundingSource.DISTRICT),):
        project = ProjectFactory(unit=unit, name=name)
        BudgetFigure.objects.create(
            organisation=unit,
            project=project,
            year=evaluation.year,
            funding_source=source,
            adjusted_budget=Decimal(budget),
            actual_expenditure=Decimal(paid),
        )
    assert prefill.prefill_tables(evaluation) == ["dept_projects"]
    row = DataTable.objects.get(evaluation=evaluation, key="dept_projects").rows.get().values
    assert row["source"] == "区级资金" and row["name"] == "社会救助经费"
    assert Decimal(row["budget"]) == Decimal("50000.00")
    assert prefill.prefill_tables(evaluation) == []  # a table with rows is left alone


# --- team ---------------------------------------------------------------------------------------------


def test_manager_adds_and_edits_members(world):
    evaluation, manager = world["a"], world["evaluator_a"]
    colleague = UserFactory(organisation=evaluation.evaluating_firm, role=Role.EVALUATOR)
    member = team.save_member(
        evaluation=evaluation,
        actor=manager,
        values={"name": "李四", "role": TeamRole.MEMBER, "user": colleague, "qualification": "注册会计师"},
    )
    assert member.user == colleague and member.order > 0
    snapshot = team.member_snapshot(member)
    team.save_member(
        evaluation=evaluation,
        actor=manager,
        member=member,
        snapshot=snapshot,
        values={"name": "李四", "role": TeamRole.LEAD, "user": colleague, "duty": "主评人"},
    )
    member.refresh_from_db()
    assert member.role == TeamRole.LEAD and member.duty == "主评人"


def test_linked_account_must_belong_to_the_firm_and_join_once(world):
    evaluation, manager = world["a"], world["evaluator_a"]
    with pytest.raises(EditError) as caught:
        team.save_member(evaluation=evaluation, actor=manager, values={"name": "外人", "user": world["evaluator_b"]})
    assert "不属于本评价的评价机构" in caught.value.errors["user"][0]
    with pytest.raises(EditError) as caught:
        team.save_member(evaluation=evaluation, actor=manager, values={"name": "重复", "user": manager})
    assert "只能加入一次" in caught.value.errors["user"][0]
    with pytest.raises(EditError) as caught:
        team.save_member(
            evaluation=evaluation,
            actor=manager,
            values={"name": "复核", "role": TeamRole.REVIEW_1, "user": UserFactory(organisation=manager.organisation)},
        )
    assert "内部复核" in caught.value.errors["user"][0]


@pytest.mark.parametrize("persona", ["reviewer_a", "unit_a", "bureau_a", "evaluator_b"])
def test_only_the_manager_or_an_admin_changes_the_team(world, persona):
    with pytest.raises(EditError, match="项目经理"):
        team.save_member(evaluation=world["a"], actor=world[persona], values={"name": "某人"})
    team.save_member(evaluation=world["a"], actor=world["admin"], values={"name": "某人"})


def test_last_manager_stays_and_stale_member_edit_is_refused(world):
    evaluation, manager = world["a"], world["evaluator_a"]
    own = TeamMember.objects.get(evaluation=evaluation, user=manager)
    with pytest.raises(EditError, match="唯一的项目经理"):
        team.remove_member(evaluation=evaluation, actor=manager, member=own, snapshot=team.member_snapshot(own))
    with pytest.raises(EditError, match="唯一的项目经理"):
        team.save_member(
            evaluation=evaluation,
            actor=manager,
            member=own,
            snapshot=team.member_snapshot(own),
            values={"name": own.name, "role": TeamRole.MEMBER, "user": manager},
        )
    snapshot = team.member_snapshot(own)
    TeamMember.objects.filter(pk=own.pk).update(duty="他人改过")
    with pytest.raises(EditError, match="已被他人修改") as caught:
        team.save_member(
            evaluation=evaluation,
            actor=manager,
            member=own,
            snapshot=snapshot,
            values={"name": own.name, "role": TeamRole.MANAGER, "user": manager, "duty": "我的"},
        )
    assert "他人改过" in str(caught.value)


# --- indicator editing --------------------------------------------------------------------------------


def _versions(*nodes):
    return {n.pk: n.version for n in nodes}


def test_weights_that_do_not_add_up_are_refused_naming_both_figures(world, tree):
    ratio = tree["ratio"]
    with pytest.raises(EditError) as caught:
        indicator_tree.set_weights(evaluation=world["a"], weights={ratio.pk: ("25", ratio.version)})
    message = str(caught.value)
    assert "「数量」权重 70 分，其下级指标权重合计 75 分" in message
    ratio.refresh_from_db()
    assert ratio.weight == Decimal(20)


def test_batch_weights_rebalance_a_parent_and_its_children(world, tree):
    ratio, penalty = tree["ratio"], tree["penalty"]
    version = ratio.version
    changed = indicator_tree.set_weights(
        evaluation=world["a"],
        weights={ratio.pk: ("25", ratio.version), penalty.pk: ("15", penalty.version)},
    )
    assert changed == 2
    ratio.refresh_from_db()
    assert ratio.weight == Decimal(25) and ratio.version == version + 1
    assert ratio.computed_score == Decimal("22.50")  # recomputed: 25 × 90%


def test_weight_below_a_checklist_total_is_clamped_and_reported_not_refused(world, tree):
    # DESIGN §4: items worth more than the weight are clamped to the weight and reported as a problem.
    checklist, binary = tree["checklist"], tree["binary"]
    indicator_tree.set_weights(
        evaluation=world["a"],
        weights={checklist.pk: ("8", checklist.version), binary.pk: ("12", binary.version)},
    )
    checklist.refresh_from_db()
    assert checklist.weight == Decimal(8) and checklist.computed_score <= Decimal(8)
    messages = [p.message for p in check_evaluation(world["a"]) if p.anchor == f"indicator-{checklist.pk}"]
    assert any("分值合计 10 分，超过权重 8 分" in message for message in messages)


def test_bad_weight_text_is_refused(world, tree):
    with pytest.raises(EditError, match="权重必须是数字"):
        indicator_tree.set_weights(evaluation=world["a"], weights={tree["ratio"].pk: ("二十", 1)})


def test_indicators_nest_deeper_than_four_levels(world, tree):
    parent = tree["ratio"]
    # 产出 > 数量 > 完成率 (level 3) > level 4 > level 5
    level4 = indicator_tree.add_indicator(
        evaluation=world["a"],
        parent_id=parent.pk,
        parent_version=parent.version,
        values={"name": "四级", "weight": "20", "rule_kind": "ratio", "rule_params": "{}"},
    )
    assert level4.is_custom
    level5 = indicator_tree.add_indicator(
        evaluation=world["a"],
        parent_id=level4.pk,
        parent_version=level4.version,
        values={"name": "五级", "weight": "20", "rule_kind": "binary", "rule_params": ""},
    )
    assert indicator_tree_of(world["a"]).node(level5.pk).level == 5


def test_add_under_a_leaf_turns_it_into_a_parent(world, tree):
    parent = tree["ratio"]
    child = indicator_tree.add_indicator(
        evaluation=world["a"],
        parent_id=parent.pk,
        parent_version=parent.version,
        values={"name": "子项", "weight": "20", "rule_kind": "binary", "rule_params": ""},
    )
    parent.refresh_from_db()
    assert parent.rule_kind == "" and parent.inputs == {} and child.parent_id == parent.pk


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ('{"threshold": "高"}', "threshold（达标线）必须是数字"),
        ('{"threshold": 98', "不是有效的 JSON"),
        ("[1, 2]", "必须是 JSON 对象"),
    ],
)
def test_bad_rule_params_are_refused(world, tree, params, words):
    ratio = tree["ratio"]
    with pytest.raises(EditError) as caught:
        indicator_tree.update_indicator(
            evaluation=world["a"],
            indicator_id=ratio.pk,
            expected_version=ratio.version,
            values={"name": ratio.name, "rule_kind": "threshold_deduct", "rule_params": params},
        )
    assert words in str(caught.value)
    ratio.refresh_from_db()
    assert ratio.rule_kind == "ratio"


def test_edit_rule_recomputes_and_drops_foreign_inputs(world, tree):
    ratio = tree["ratio"]
    indicator_tree.update_indicator(
        evaluation=world["a"],
        indicator_id=ratio.pk,
        expected_version=ratio.version,
        values={"name": "完成率（改）", "standard": "新标准", "rule_kind": "binary", "rule_params": ""},
    )
    ratio.refresh_from_db()
    assert ratio.name == "完成率（改）" and ratio.rule_kind == "binary" and ratio.inputs == {}
    assert ratio.computed_score is None  # binary needs its own input now


def test_add_from_the_template_library_with_rebalancing(world, tree):
    source = TemplateIndicatorFactory(
        name="资金使用合规性",
        weight=4,
        rule_kind="checklist",
        rule_params={"items": [{"text": "合规", "points": 4}]},
        standard="符合财经法规",
    )
    quantity, penalty = tree["quantity"], tree["penalty"]
    with pytest.raises(EditError, match="合计 74 分"):
        indicator_tree.add_indicator(evaluation=world["a"], parent_id=quantity.pk, source=source)
    node = indicator_tree.add_indicator(
        evaluation=world["a"],
        parent_id=quantity.pk,
        source=source,
        weights={penalty.pk: ("16", penalty.version)},
    )
    assert node.is_custom and node.source == source and node.rule_kind == "checklist"
    assert node.standard == "符合财经法规" and node.weight == Decimal(4)
    penalty.refresh_from_db()
    assert penalty.weight == Decimal(16)


def test_duplicate_sibling_name_is_refused(world, tree):
    with pytest.raises(EditError, match="已有名为「完成率」"):
        indicator_tree.add_indicator(
            evaluation=world["a"],
            parent_id=tree["quantity"].pk,
            values={"name": "完成率", "weight": "0", "rule_kind": "binary"},
        )


def test_remove_with_redistribution_and_move(world, tree):
    quantity, manual, penalty = tree["quantity"], tree["manual"], tree["penalty"]
    with pytest.raises(EditError, match="合计 60 分"):
        indicator_tree.remove_indicator(evaluation=world["a"], indicator_id=manual.pk, expected_version=manual.version)
    indicator_tree.remove_indicator(
        evaluation=world["a"],
        indicator_id=manual.pk,
        expected_version=manual.version,
        weights={penalty.pk: ("30", penalty.version)},
    )
    assert not EvaluationIndicator.objects.filter(pk=manual.pk).exists()
    penalty.refresh_from_db()
    indicator_tree.move_indicator(
        evaluation=world["a"], indicator_id=penalty.pk, expected_version=penalty.version, direction="up"
    )
    names = list(quantity.children.order_by("order", "pk").values_list("name", flat=True))
    assert names == ["完成率", "政府采购执行率", "超标率", "满意度"]
    with pytest.raises(EditError, match="已经在最前"):
        first = quantity.children.order_by("order", "pk").first()
        indicator_tree.move_indicator(
            evaluation=world["a"], indicator_id=first.pk, expected_version=first.version, direction="up"
        )


def test_editing_an_outdated_version_is_refused(world, tree):
    ratio = tree["ratio"]
    EvaluationIndicator.objects.filter(pk=ratio.pk).update(name="他人改名", version=ratio.version + 1)
    with pytest.raises(StaleObjectError):
        indicator_tree.update_indicator(
            evaluation=world["a"],
            indicator_id=ratio.pk,
            expected_version=ratio.version,
            values={"name": "我的改名", "rule_kind": "ratio", "rule_params": "{}"},
        )
    assert EvaluationIndicator.objects.get(pk=ratio.pk).name == "他人改名"


# --- scoring inputs -----------------------------------------------------------------------------------


def _score(world, node, data):
    return scoring_inputs.save_scoring(
        evaluation=world["a"], indicator_id=node.pk, expected_version=node.version, data=data
    )


def _engine(node):
    return compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight).score


def test_checklist_with_partial_credit(world, tree):
    node = _score(world, tree["checklist"], {"met": ["0"], "partial-1": "0.5"})
    assert node.inputs == {"met": [0], "partial": {"1": 0.5}}
    assert node.computed_score == Decimal("7.50") == _engine(node)


def test_checklist_met_and_partial_at_once_is_refused(world, tree):
    with pytest.raises(EditError) as caught:
        _score(world, tree["checklist"], {"met": ["0", "1"], "partial-1": "0.5"})
    assert "不能既算满足又算部分满足" in caught.value.errors["partial"][0]


def test_ratio_grade_binary_satisfaction_manual(world, tree):
    assert _score(world, tree["ratio"], {"in-actual": "8", "in-target": "10"}).computed_score == Decimal("16.00")
    assert _score(world, tree["grade"], {"in-grade": "优秀"}).computed_score == Decimal("10.00")
    assert _score(world, tree["binary"], {"in-met": "0"}).computed_score == Decimal("0.00")
    node = _score(world, tree["satisfaction"], {"in-survey": "0", "in-complaint_rate": "7"})
    assert node.computed_score == _engine(node) == Decimal("8.40")  # 10 − 1 − 2 × 3% × 10
    node = _score(world, tree["manual"], {"in-score": "7.5", "in-reason": "个别投诉"})
    assert node.computed_score == Decimal("7.50") and "个别投诉" in node.score_explanation


@pytest.mark.parametrize(
    ("key", "data", "field", "words"),
    [
        ("ratio", {"in-actual": "九", "in-target": "10"}, "in-actual", "「实际值」必须是数字"),
        ("ratio", {"in-actual": "9", "in-target": "0"}, "in-target", "「目标值」为 0"),
        ("manual", {"in-score": "12", "in-reason": "x"}, "in-score", "超出 0 到 10 分"),
        ("manual", {"in-score": "5", "in-reason": ""}, "in-reason", "必须填写理由"),
        ("checklist", {"met": [], "partial-0": "2"}, "partial", "0 到 1 之间"),
    ],
)
def test_bad_inputs_are_refused_next_to_the_field(world, tree, key, data, field, words):
    node = tree[key]
    before, version = dict(node.inputs), node.version
    with pytest.raises(EditError) as caught:
        _score(world, node, data)
    assert words in "".join(caught.value.errors[field])
    node.refresh_from_db()
    assert node.inputs == before and node.version == version


def test_override_needs_a_reason(world, tree):
    with pytest.raises(EditError) as caught:
        _score(world, tree["ratio"], {"in-actual": "9", "in-target": "10", "awarded_score": "19"})
    assert "必须填写理由" in caught.value.errors["override_reason"][0]
    node = _score(
        world, tree["ratio"], {"in-actual": "9", "in-target": "10", "awarded_score": "19", "override_reason": "酌情"}
    )
    assert node.awarded_score == Decimal("19.00") and node.computed_score == Decimal("18.00")
    with pytest.raises(EditError, match="超出 0 到 20 分"):
        _score(world, node, {"in-actual": "9", "in-target": "10", "awarded_score": "21", "override_reason": "x"})


def test_bound_input_cannot_be_typed(world, tree):
    node = tree["bound"]
    with pytest.raises(EditError) as caught:
        _score(world, node, {"in-actual": "100"})
    assert "取自基础数据" in caught.value.errors["in-actual"][0]
    node = _score(world, node, {"actual_display": "90%"})
    assert Decimal(node.inputs["actual"]) == 90 and node.computed_score == Decimal("5.00")


def test_concurrent_scoring_is_refused_with_what_changed(world, tree):
    node = tree["ratio"]
    _score(world, node, {"in-actual": "7", "in-target": "10"})
    with pytest.raises(StaleObjectError) as caught:
        _score(world, node, {"in-actual": "8", "in-target": "10"})  # the same starting version
    assert caught.value.changes and EvaluationIndicator.objects.get(pk=node.pk).inputs["actual"] == 7


def test_frozen_team_cannot_be_changed(world):
    Evaluation.objects.filter(pk=world["a"].pk).update(state=EvaluationState.APPROVED)
    world["a"].refresh_from_db()
    assert not access.can_manage_team(world["admin"], world["a"])


def test_firm_kind_is_required_for_creation(world, creation):
    firm_user = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.UNIT), role=Role.EVALUATOR)
    assert not access.can_create_evaluation(firm_user)
    assert access.can_create_evaluation(world["evaluator_a"])
