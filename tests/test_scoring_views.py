"""Scoring page, score endpoint, indicator-system editor and the evaluation hub, per role."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.domain.scoring import recompute_scores
from evaluations.models import EvaluationIndicator, EvaluationState, TeamRole
from evaluations.queries.consistency.service import forget_answers
from rubrics.engine import compute_score
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory, TeamMemberFactory
from tests.test_editing_services import build_tree

SIDE_B = ["evaluator_b", "unit_b", "bureau_b"]
PAGES = ["evaluation-scoring", "evaluation-indicators"]


@pytest.fixture
def tree(world):
    return build_tree(world["a"])


def url(name, evaluation, *args):
    return reverse(name, args=[evaluation.pk, *args])


def post_score(client, world, node, data, version=None):
    return client.post(
        url("evaluation-indicator-score", world["a"], node.pk),
        {"version": node.version if version is None else version, **data},
        HTTP_ACCEPT="application/json",
    )


# --- who sees what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_evaluator_on_the_team_edits(client, world, tree, page):
    client.force_login(world["evaluator_a"])
    body = client.get(url(page, world["a"])).content.decode()
    assert "score-form" in body if page == "evaluation-scoring" else "添加一级指标" in body
    assert "data-warn-unsaved" in body or page == "evaluation-indicators"


@pytest.mark.parametrize("persona", ["reviewer_a", "bureau_a", "admin"])
@pytest.mark.parametrize("page", PAGES)
def test_reviewers_and_bureau_view_read_only(client, world, tree, persona, page):
    if persona == "bureau_a":  # the bureau reads scores once they are shared (issue 13), not the firm's draft
        world["a"].state = EvaluationState.CONSULTATION
        world["a"].save(update_fields=["state"])
    client.force_login(world[persona])
    response = client.get(url(page, world["a"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "score-form" not in body and "添加一级指标" not in body
    assert "立项依据充分性" in body
    response = client.post(url("evaluation-indicator-score", world["a"], tree["ratio"].pk), {"version": 1})
    assert response.status_code == 403
    response = client.post(url("evaluation-indicators", world["a"]), {"action": "weights"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["unit_a", "bureau_a"])
@pytest.mark.parametrize("page", PAGES)
def test_unit_and_bureau_cannot_open_scores_of_a_draft(client, world, tree, page, persona):
    client.force_login(world[persona])
    assert client.get(url(page, world["a"])).status_code == 403
    assert client.get(url("evaluation-detail", world["a"])).status_code == 200
    response = post_score(client, world, tree["ratio"], {"in-actual": "1", "in-target": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", SIDE_B)
@pytest.mark.parametrize("page", PAGES)
def test_other_side_gets_404(client, world, tree, persona, page):
    client.force_login(world[persona])
    assert client.get(url(page, world["a"])).status_code == 404
    assert post_score(client, world, tree["ratio"], {"in-actual": "1", "in-target": "1"}).status_code == 404


def test_scoring_is_read_only_once_the_evaluation_left_the_editable_states(client, world, tree):
    world["a"].state = EvaluationState.INTERNAL_REVIEW
    world["a"].save(update_fields=["state"])
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-scoring", world["a"])).content.decode()
    assert "score-form" not in body and "内部复核" in body
    assert post_score(client, world, tree["ratio"], {"in-actual": "1", "in-target": "1"}).status_code == 403


def test_indicator_of_another_evaluation_is_404(client, world, tree):
    other = EvaluationIndicatorFactory(evaluation=world["b"], rule_kind="binary")
    client.force_login(world["evaluator_a"])
    assert post_score(client, world, other, {"in-met": "1"}).status_code == 404


# --- the page -----------------------------------------------------------------------------------------


def test_table_has_merged_level_cells_subtotals_and_chart(client, world, tree):
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-scoring", world["a"])).content.decode()
    assert re.search(r'<td rowspan="4" class="lvl lvl-1" id="indicator-\d+">\s*<span class="lvl-name">决策', body)
    assert re.search(r'<td rowspan="6" class="lvl lvl-1" id="indicator-\d+">\s*<span class="lvl-name">产出', body)
    assert re.search(r'<td rowspan="3" class="lvl lvl-2" id="indicator-\d+">\s*<span class="lvl-name">立项', body)
    assert body.count(">小计</td>") == 2 and ">合计</td>" in body
    assert "<svg" in body and "各一级指标得分率" in body and "70.00%" in body  # 决策 21 / 30
    assert f'id="indicator-{tree["checklist"].pk}"' in body
    # widgets: checklist boxes with points, grade select, yes/no, survey, the bound figure read-only with its table
    assert 'name="met" value="0"' in body and "（5 分）" in body and 'name="partial-1"' in body
    assert '<option value="良好" selected>良好（6 分）</option>' in body
    assert 'name="in-met"' in body and 'name="in-survey"' in body and 'name="in-satisfaction"' in body
    bound = body[body.index('id="in-actual-{}"'.format(tree["bound"].pk)) :]
    assert bound[: bound.index(">")].endswith("readonly")  # follows the figure, not typed
    assert re.search(r'<option value="procurement_execution_rate" selected>取自基础数据：[^<]*90\.00%</option>', bound)
    assert "取自基础数据" in body and "90.00%" in body
    table_url = reverse("evaluation-table", kwargs={"pk": world["a"].pk, "key": "dept_key_figures"})
    assert table_url in body


def test_problems_are_shown_next_to_their_indicator(client, world, tree):
    EvaluationIndicator.objects.filter(pk=tree["ratio"].pk).update(awarded_score=Decimal("19"), override_reason="")
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-scoring", world["a"])).content.decode()
    row = body[body.index(f'id="indicator-{tree["ratio"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "未说明理由" in row and "has-problems" in body


def _leaves(evaluation, count):
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="产出", weight=Decimal(100))
    kinds = [
        ("ratio", {"cap": 1}, {"actual": 9, "target": 10}),
        ("checklist", {"items": [{"text": "甲", "points": 1}]}, {"met": [0]}),
        ("grade_map", {"map": {"优秀": 1}}, {"grade": "优秀"}),
        ("satisfaction", {}, {"survey": True, "satisfaction": 99}),
        ("binary", {}, {"met": True}),
    ]
    for index in range(count):
        kind, params, inputs = kinds[index % len(kinds)]
        EvaluationIndicatorFactory(
            evaluation=evaluation,
            parent=root,
            name=f"指标{index}",
            weight=Decimal(1),
            rule_kind=kind,
            rule_params=params,
            inputs=inputs,
            order=index,
        )
    recompute_scores(evaluation)


@pytest.mark.parametrize("page", ["evaluation-scoring", "evaluation-indicators", "evaluation-detail"])
def test_page_query_count_is_constant_in_the_number_of_leaves(client, world, django_assert_max_num_queries, page):
    small, large = EvaluationFactory(), EvaluationFactory()
    for evaluation in (small, large):
        TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
    _leaves(small, 1)
    _leaves(large, 30)
    client.force_login(world["evaluator_a"])
    client.get(url(page, small))
    forget_answers()  # both pages run the check itself (on PostgreSQL it is otherwise remembered)
    with django_assert_max_num_queries(40) as one:
        assert client.get(url(page, small)).status_code == 200
    forget_answers()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url(page, large))
    assert "指标29" in response.content.decode()


# --- saving a score -----------------------------------------------------------------------------------


def _engine(node_pk):
    node = EvaluationIndicator.objects.get(pk=node_pk)
    return f"{compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight).score:f}"


@pytest.mark.parametrize(
    ("key", "data", "score"),
    [
        ("checklist", {"met": ["0"], "partial-1": "0.5"}, "7.50"),
        ("ratio", {"in-actual": "8", "in-target": "10"}, "16.00"),
        ("grade", {"in-grade": "优秀"}, "10.00"),
        ("satisfaction", {"in-survey": "1", "in-satisfaction": "93"}, "9.40"),
        ("binary", {"in-met": "0"}, "0.00"),
        ("manual", {"in-score": "6.5", "in-reason": "个别投诉未及时处理"}, "6.50"),
    ],
)
def test_score_post_answers_the_engines_score_and_totals(client, world, tree, key, data, score):
    client.force_login(world["evaluator_a"])
    node = tree[key]
    response = post_score(client, world, node, data)
    assert response.status_code == 200, response.content.decode()
    payload = response.json()
    assert payload["ok"] and payload["indicator"]["score"] == score == _engine(node.pk)
    assert payload["indicator"]["version"] == node.version + 1
    world["a"].refresh_from_db()
    assert payload["total"] == f"{world['a'].total_score:f}" and payload["grade"] == world["a"].grade
    parent = str(node.parent_id)
    assert parent in payload["subtotals"] and [s["name"] for s in payload["sections"]] == ["决策", "产出"]
    assert "<svg" in payload["chart"]
    assert payload["indicator"]["explanation"] == EvaluationIndicator.objects.get(pk=node.pk).score_explanation


def test_override_without_reason_is_refused_and_with_reason_counts(client, world, tree):
    client.force_login(world["evaluator_a"])
    node = tree["ratio"]
    response = post_score(client, world, node, {"in-actual": "9", "in-target": "10", "awarded_score": "19"})
    assert response.status_code == 400
    assert "必须填写理由" in response.json()["errors"]["override_reason"][0]
    assert EvaluationIndicator.objects.get(pk=node.pk).awarded_score is None
    response = post_score(
        client, world, node, {"in-actual": "9", "in-target": "10", "awarded_score": "19", "override_reason": "酌情"}
    )
    payload = response.json()
    assert payload["indicator"]["score"] == "19.00" and payload["indicator"]["computed"] == "18.00"


def test_bad_input_is_refused_next_to_the_field(client, world, tree):
    client.force_login(world["evaluator_a"])
    response = post_score(client, world, tree["ratio"], {"in-actual": "九", "in-target": "10"})
    assert response.status_code == 400
    assert response.json()["errors"]["in-actual"] == ["「实际值」必须是数字，现为“九”。"]
    assert EvaluationIndicator.objects.get(pk=tree["ratio"].pk).inputs == {"actual": 9, "target": 10}


def test_bound_input_cannot_be_overwritten_by_post(client, world, tree):
    client.force_login(world["evaluator_a"])
    node = tree["bound"]
    response = post_score(client, world, node, {"in-actual": "100"})
    assert response.status_code == 400 and "取自基础数据" in response.json()["errors"]["in-actual"][0]
    stored = EvaluationIndicator.objects.get(pk=node.pk)
    assert Decimal(stored.inputs["actual"]) == 90 and stored.computed_score == Decimal("5.00")


def test_concurrent_save_is_refused_with_what_changed(client, world, tree):
    client.force_login(world["evaluator_a"])
    node = tree["ratio"]
    assert post_score(client, world, node, {"in-actual": "7", "in-target": "10"}).status_code == 200
    response = post_score(client, world, node, {"in-actual": "8", "in-target": "10"}, version=node.version)
    assert response.status_code == 409
    message = response.json()["message"]
    assert "已被他人修改" in message and "实际值 7" in message
    assert EvaluationIndicator.objects.get(pk=node.pk).inputs["actual"] == 7


def test_form_post_without_script_redirects_back(client, world, tree):
    client.force_login(world["evaluator_a"])
    node = tree["ratio"]
    response = client.post(
        url("evaluation-indicator-score", world["a"], node.pk),
        {"version": node.version, "in-actual": "10", "in-target": "10"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#indicator-{node.pk}")
    assert client.get(url("evaluation-indicator-score", world["a"], node.pk)).status_code == 405


# --- the indicator editor through its page ------------------------------------------------------------


def _weights(*pairs):
    data = {}
    for node, weight in pairs:
        data[f"w-{node.pk}"] = str(weight)
        data[f"v-{node.pk}"] = str(node.version)
    return data


def test_editor_refuses_weights_that_do_not_add_up(client, world, tree):
    client.force_login(world["evaluator_a"])
    response = client.post(
        url("evaluation-indicators", world["a"]),
        {"action": "weights", "target": tree["quantity"].pk, **_weights((tree["ratio"], 30))},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "未保存" in body
    assert "「数量」权重 70 分，其下级指标权重合计 80 分" in body
    assert EvaluationIndicator.objects.get(pk=tree["ratio"].pk).weight == 20


def test_editor_rebalances_in_one_form(client, world, tree):
    client.force_login(world["evaluator_a"])
    response = client.post(
        url("evaluation-indicators", world["a"]),
        {"action": "weights", "target": "root", **_weights((tree["ratio"], 30), (tree["penalty"], 10))},
        follow=True,
    )
    assert "已调整 2 个指标的权重" in response.content.decode()
    assert EvaluationIndicator.objects.get(pk=tree["ratio"].pk).computed_score == Decimal("27.00")


def test_editor_adds_a_fifth_level_and_refuses_bad_params(client, world, tree):
    client.force_login(world["evaluator_a"])
    editor = url("evaluation-indicators", world["a"])
    leaf = tree["ratio"]
    response = client.post(
        editor,
        {
            "action": "add",
            "target": leaf.pk,
            "parent_version": leaf.version,
            "origin": "scratch",
            "name": "四级",
            "weight": "20",
            "rule-kind": "binary",
        },
        follow=True,
    )
    assert "已添加个性指标「四级」" in response.content.decode()
    level4 = EvaluationIndicator.objects.get(name="四级")
    response = client.post(
        editor,
        {
            "action": "add",
            "target": level4.pk,
            "parent_version": level4.version,
            "origin": "scratch",
            "name": "五级",
            "weight": "20",
            "rule-kind": "binary",
        },
        follow=True,
    )
    assert "已添加个性指标「五级」" in response.content.decode()  # any depth (DESIGN §10)
    level5 = EvaluationIndicator.objects.get(name="五级")
    body = client.post(
        editor,
        {
            "action": "edit",
            "target": level5.pk,
            "version": level5.version,
            "name": "五级",
            "rule-kind": "bands",
            "rule-bands-bands-0-bound": "90",
            "rule-bands-bands-0-points": "30",
        },
    ).content.decode()
    assert "为 30 分，超过权重 20 分" in body
    assert EvaluationIndicator.objects.get(pk=level5.pk).rule_kind == "binary"


def test_editor_pages_render_each_panel(client, world, tree):
    client.force_login(world["evaluator_a"])
    editor = url("evaluation-indicators", world["a"])
    for query, words in (
        ({"edit": tree["checklist"].pk}, "编辑指标「立项依据充分性」"),
        ({"add": tree["quantity"].pk}, "在「数量」下添加个性指标"),
        ({"add": "root"}, "添加一级指标"),
        ({"remove": tree["manual"].pk}, "删除指标「服务水平」"),
        ({"weights": "root"}, "调整全部指标的权重"),
    ):
        body = client.get(editor, query).content.decode()
        assert words in body
    assert client.get(editor, {"edit": 999999}).status_code == 404


def test_editor_move_and_remove(client, world, tree):
    client.force_login(world["evaluator_a"])
    editor = url("evaluation-indicators", world["a"])
    node = tree["penalty"]
    client.post(editor, {"action": "move", "target": node.pk, "version": node.version, "direction": "up"})
    names = list(tree["quantity"].children.order_by("order", "pk").values_list("name", flat=True))
    assert names[-2:] == ["超标率", "服务水平"]
    manual = tree["manual"]
    node.refresh_from_db()  # moving changed its version
    response = client.post(
        editor,
        {"action": "remove", "target": manual.pk, "version": manual.version, **_weights((node, 30))},
        follow=True,
    )
    assert "已删除指标「服务水平」" in response.content.decode()
    assert not EvaluationIndicator.objects.filter(pk=manual.pk).exists()


# --- the evaluation hub -------------------------------------------------------------------------------


def test_detail_page_has_summary_chart_and_problem_links(client, world, tree):
    EvaluationIndicator.objects.filter(pk=tree["ratio"].pk).update(awarded_score=Decimal("19"), override_reason="")
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-detail", world["a"])).content.decode()
    assert "评价结论" in body and "<svg" in body and "各一级指标得分率" in body
    assert url("evaluation-scoring", world["a"]) + f"#indicator-{tree['ratio'].pk}" in body
    assert "evaluations/_workspace_nav.html" not in body and "workspace-nav" in body


def test_detail_page_links_table_problems_to_their_table(client, world, tree):
    from evaluations.domain.datatables import save_table

    save_table(
        evaluation=world["a"],
        key="dept_budget_summary",
        rows=[
            {"side": "收入", "item": "一般公共预算", "budget": "100"},
            {"side": "支出", "item": "基本支出", "budget": "90"},
        ],
    )
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-detail", world["a"])).content.decode()
    assert reverse("evaluation-table", kwargs={"pk": world["a"].pk, "key": "dept_budget_summary"}) in body


def test_unit_user_detail_shows_no_scores(client, world, tree):
    client.force_login(world["unit_a"])
    body = client.get(url("evaluation-detail", world["a"])).content.decode()
    assert "<svg" not in body and "评价结论" not in body and "征求意见后向被评价单位开放" in body


def test_unscored_leaf_and_inner_problems_read_in_plain_chinese(client, world, tree):
    EvaluationIndicator.objects.filter(pk=tree["checklist"].pk).update(inputs={})
    EvaluationIndicator.objects.filter(pk=tree["setup"].pk).update(analysis="2001年1月1日立项。")
    recompute_scores(world["a"])
    client.force_login(world["evaluator_a"])
    body = client.get(url("evaluation-scoring", world["a"])).content.decode()
    assert "缺少「满足的要点序号列表」" in body and "met（" not in body
    top = body[body.index("other-problems") : body.index("score-table-wrap")]
    assert "指标「立项」的分析" in top and "2001年1月1日" in top
