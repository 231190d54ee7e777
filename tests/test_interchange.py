"""The perf-eval/1 document (DESIGN §10): the seed reproduces, bad documents name every error, problems."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluations.interchange.scoring import score_document
from rubrics.document import (
    FORMAT,
    DocumentError,
    document_problems,
    dumps,
    parse_document,
    read_indicators,
    read_na_policy,
    score_indicators,
)
from rubrics.numbers import round_score

D = Decimal
SEED = Path(__file__).parent / "data" / "score_seed003.json"


def seed_doc() -> dict:
    return parse_document(SEED.read_text(encoding="utf-8"))


def leaf(name="指标", weight=2, rule=None, inputs=None, **extra) -> dict:
    node = {"name": name, "weight": weight, "rule": rule or {"kind": "ratio"}}
    node["inputs"] = inputs if inputs is not None else {"actual": 1, "target": 1}
    return {**node, **extra}


def doc_of(*indicators, **extra) -> dict:
    return {"format": FORMAT, "indicators": list(indicators), **extra}


def errors_of(doc) -> list[str]:
    with pytest.raises(DocumentError) as exc:
        score_document(doc)
    return exc.value.errors


# --- the reference report reproduces ----------------------------------------------------------------


def test_seed_003_reproduces_total_grade_and_sections():
    result = score_document(seed_doc())
    assert result["total"] == D("97.75")
    assert result["grade"] == "优"
    assert [(s["name"], s["weight"], s["score"]) for s in result["sections"]] == [
        ("项目决策", 20, D("19.00")),
        ("项目管理", 20, D("20.00")),
        ("项目产出", 35, D("34.75")),
        ("项目效益", 25, D("24.00")),
    ]
    assert result["problems"] == []


def test_seed_003_indicator_rows():
    rows = {row["path"][-1]: row for row in score_document(seed_doc())["indicators"]}
    assert len(rows) == 28
    assert rows["慰问低保家庭、特困人员和四残老人数量"]["score"] == D("2.90")
    assert rows["慰问低保边缘家庭数量"]["score"] == D("1.87")
    assert rows["节日慰问金发放及时率"]["score"] == D("2.98")
    assert rows["资金分配合理性"]["score"] == D("2.00")
    assert rows["困难群众满意度"]["score"] == D("4.00")
    budget = rows["预算执行率"]
    assert budget["path"] == ["项目管理", "资金管理", "预算执行率"]
    assert budget["explanation"] == "预算执行率 99.71%，不低于 98%，得满分 5 分"


def test_section_10_example_expanded_scores():
    # The §10 example with its "…" item list written out (seed 003's 立项依据充分性, five criteria).
    items = [{"text": f"要点{k}", "points": p} for k, p in enumerate([0.5, 1, 1, 1, 0.5])]
    doc = {
        "format": "perf-eval/1",
        "evaluation": {
            "kind": "project",
            "title": "…",
            "year": 2023,
            "grades": [[90, "优"], [80, "良"], [60, "中"], [0, "差"]],
        },
        "indicators": [
            {
                "name": "项目决策",
                "children": [
                    {
                        "name": "项目立项",
                        "children": [
                            leaf(
                                "立项依据充分性",
                                4,
                                {"kind": "checklist", "items": items, "gate": None},
                                {"met": [0, 1, 2, 3, 4]},
                                standard="评分标准原文",
                                target="充分",
                            )
                        ],
                    }
                ],
            }
        ],
    }
    result = score_document(doc)
    assert result["total"] == D("4.00")
    assert result["grade"] == "差"
    assert result["sections"] == [{"name": "项目决策", "weight": D(4), "score": D("4.00")}]
    assert result["indicators"][0]["path"] == ["项目决策", "项目立项", "立项依据充分性"]
    assert result["problems"] == [{"where": "一级指标", "message": "一级指标权重合计 4 分，应为 100 分"}]


def test_section_10_example_verbatim_is_refused_for_its_elided_items():
    # Printed as-is, the example marks five criteria met but lists one ("…"): indices 1–4 do not exist.
    doc = {
        "format": "perf-eval/1",
        "indicators": [
            {
                "name": "项目决策",
                "children": [
                    {
                        "name": "项目立项",
                        "children": [
                            leaf(
                                "立项依据充分性",
                                4,
                                {"kind": "checklist", "items": [{"text": "…", "points": 0.5}], "gate": None},
                                {"met": [0, 1, 2, 3, 4]},
                            )
                        ],
                    }
                ],
            }
        ],
    }
    assert errors_of(doc) == [
        "项目决策 / 项目立项 / 立项依据充分性：输入 met 中的要点序号 1 无效：应为 0 到 0（从 0 起数）"
    ]


def test_dumps_writes_plain_numbers_with_at_most_two_decimals():
    data = json.loads(dumps(score_document(seed_doc())))
    assert data["total"] == 97.75
    assert data["sections"][0]["weight"] == 20
    assert isinstance(data["sections"][0]["weight"], int)
    rows = {row["path"][-1]: row for row in data["indicators"]}
    assert rows["慰问低保家庭、特困人员和四残老人数量"]["score"] == 2.9
    text = dumps(score_document(seed_doc()))
    assert '"score": 2.9,' in text and "困难群众满意度" in text  # ensure_ascii=False


def test_unknown_keys_are_ignored_and_known_ones_checked():
    doc = doc_of(
        leaf("a", 100, explanation="x", benchmark="100%", actual_display="9 家", unit="家", note=[1]),
        extension={"anything": True},
    )
    assert score_document(doc)["total"] == D("100.00")
    # Keys this product reads are read by the one reader: score refuses what import refuses.
    doc = doc_of(leaf("a", 100, evidence=[1], bind="x"))
    assert errors_of(doc) == [
        "a：evidence 必须是文字，现为 [1]",
        "a：数据绑定 bind 必须是 {输入名: 派生数据代码} 对象，现为 “x”",
    ]


def test_custom_grades_from_the_evaluation():
    doc = doc_of(
        leaf("a", 100, inputs={"actual": 70, "target": 100}),
        evaluation={"grades": [[60, "合格"], [0, "不合格"]]},
    )
    result = score_document(doc)
    assert (result["total"], result["grade"]) == (D("70.00"), "合格")


def test_deep_nesting_has_no_limit():
    node = leaf("叶", 100)
    for depth in range(2000):
        node = {"name": f"第{depth}层", "weight": 100, "children": [node]}
    result = score_document(doc_of(node))
    assert result["total"] == D("100.00")
    assert len(result["indicators"][0]["path"]) == 2001


def test_awarded_score_counts_instead_of_computed():
    doc = doc_of(leaf("a", 60, inputs={"actual": 1, "target": 2}, score=40, reason="现场核实后调整"), leaf("b", 40))
    result = score_document(doc)
    row = result["indicators"][0]
    assert (row["score"], row["computed"]) == (D("40.00"), D("30.00"))
    assert result["total"] == D("80.00")
    assert "现场核实后调整" in row["explanation"]
    assert result["problems"] == []


# --- invalid documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "不是有效的 JSON：第 1 行"),
        ("[1, 2]", "必须是 JSON 对象"),
        ('{"indicators": []}', "缺少 format"),
        ('{"format": "perf-eval/2", "indicators": []}', "format 应为“perf-eval/1”"),
        ('{"format": "perf-eval/1", "indicators": [{"name": "a", "weight": NaN}]}', "NaN"),
    ],
)
def test_parse_document_refuses(text, expected):
    with pytest.raises(DocumentError) as exc:
        parse_document(text)
    assert len(exc.value.errors) == 1
    assert expected in exc.value.errors[0]


def test_parse_document_keeps_decimals_exact():
    doc = parse_document('{"format": "perf-eval/1", "indicators": [], "x": 99.71}')
    assert doc["x"] == D("99.71")


def _broken(change) -> dict:
    doc = doc_of(
        {"name": "决策", "weight": 100, "children": [leaf("甲", 50), leaf("乙", 50)]},
    )
    change(doc["indicators"][0]["children"][0])
    return doc


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda n: n.pop("name"), "决策 / 第 1 项（未命名）：缺少指标名称 name"),
        (lambda n: n.pop("weight"), "决策 / 甲：缺少权重 weight"),
        (lambda n: n.update(weight="四"), "决策 / 甲：权重 weight 必须是数字，现为 “四”"),
        (lambda n: n.pop("rule"), "决策 / 甲：缺少评分规则 rule"),
        (lambda n: n.pop("inputs"), "决策 / 甲：缺少输入 inputs"),
        (lambda n: n.update(rule={"kind": "magic"}), "决策 / 甲：未知的评分规则类型 kind “magic”"),
        (lambda n: n.update(rule={"cap": 1}), "决策 / 甲：评分规则缺少类型 kind"),
        (
            lambda n: n.update(rule={"kind": "ratio", "cap": -1}),
            "决策 / 甲：评分规则 ratio：参数 cap（封顶比例）必须大于 0",
        ),
        (lambda n: n.update(inputs={"target": 1}), "决策 / 甲：缺少输入 actual（实际值）"),
        (
            lambda n: n.update(inputs={"actual": "多", "target": 1}),
            "决策 / 甲：输入 actual（实际值）必须是数字",
        ),
        (lambda n: n.update(inputs={"actual": 1, "target": 0}), "决策 / 甲：输入 target（目标值）为 0"),
        (lambda n: n.update(score="满分"), "决策 / 甲：评定得分 score 必须是数字"),
        (lambda n: n.update(children="x"), "决策 / 甲：children（下级指标）必须是列表"),
    ],
)
def test_each_invalid_document_case_names_indicator_field_and_reason(change, expected):
    errors = errors_of(_broken(change))
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"format": FORMAT}, "缺少指标列表 indicators"),
        ({"format": FORMAT, "indicators": {}}, "indicators 必须是指标列表"),
        ({"format": FORMAT, "indicators": []}, "指标列表 indicators 为空"),
        ({"indicators": [leaf("a", 100)]}, "缺少 format"),
        (doc_of(leaf("a", 100), evaluation={"grades": [[90, "优"]]}), "evaluation.grades（评价等级）"),
        (doc_of("abc"), "第 1 项（未命名）：指标必须是对象"),
    ],
)
def test_invalid_document_level_errors(doc, expected):
    errors = errors_of(doc)
    assert any(expected in error for error in errors), errors


def test_all_errors_of_a_document_are_reported_together():
    doc = doc_of(
        {
            "name": "决策",
            "children": [
                leaf("甲", "x"),
                leaf("乙", 10, {"kind": "nope"}),
                leaf("丙", 10, inputs={"actual": 1, "target": 0}),
                leaf("丁", 10, {"kind": "bands"}, {"actual": 1}),
                leaf("戊", 10, {"kind": "checklist", "items": [{"points": 1}]}, {"met": [3]}),
            ],
        },
        leaf("", 10),
    )
    errors = errors_of(doc)
    assert [error.split("：")[0] for error in errors] == [
        "决策 / 甲",
        "决策 / 乙",
        "决策 / 丙",
        "决策 / 丁",
        "决策 / 戊",
        "第 2 项（未命名）",
    ]


# --- problems: scored, but inconsistent ------------------------------------------------------------


def test_problem_inner_weight_differs_from_children():
    doc = seed_doc()
    doc["indicators"][0]["children"][0]["weight"] = 8  # 项目立项: 4 + 3 = 7
    problems = score_document(doc)["problems"]
    assert {
        "where": "项目决策 / 项目立项",
        "message": "下级指标权重合计 7 分，与本级权重 8 分不一致",
    } in problems
    assert {"where": "项目决策", "message": "下级指标权重合计 21 分，与本级权重 20 分不一致"} in problems
    assert problems == document_problems(doc)


def test_problem_level_one_not_100():
    doc = seed_doc()
    doc["indicators"][3]["weight"] = 30
    doc["indicators"][3]["children"][0]["weight"] = 25
    doc["indicators"][3]["children"][0]["children"][0]["weight"] = 12
    problems = document_problems(doc)
    assert problems == [{"where": "一级指标", "message": "一级指标权重合计 105 分，应为 100 分"}]


def test_problem_awarded_score_differs_without_reason():
    doc = seed_doc()
    satisfaction = doc["indicators"][3]["children"][1]["children"][0]
    satisfaction["score"] = 5
    result = score_document(doc)
    assert result["total"] == D("98.75")
    assert result["problems"] == [
        {
            "where": "项目效益 / 满意度 / 困难群众满意度",
            "message": "评定得分 5.00 分与按评分规则计算的 4.00 分不一致，且未说明理由",
        }
    ]
    satisfaction["reason"] = "经复核投诉已办结"
    assert score_document(doc)["problems"] == []
    satisfaction["score"] = 4  # same as computed: no reason needed
    satisfaction["reason"] = ""
    assert score_document(doc)["problems"] == []


def test_awarded_score_outside_weight_is_an_error():
    # DESIGN §4: an awarded score outside 0..weight cannot be scored (it no longer counts in the total).
    doc = doc_of(leaf("a", 50, score=60, reason="加分"), leaf("b", 50, score=-1, reason="扣分"))
    assert errors_of(doc) == ["a：评定得分 60 分超出 0 到 50 分的范围", "b：评定得分 -1 分超出 0 到 50 分的范围"]


def test_document_problems_on_a_document_with_errors_reports_what_it_can():
    doc = doc_of({"name": "a", "weight": 40, "children": [leaf("b", 30, {"kind": "nope"})]})
    assert document_problems(doc) == [
        {"where": "一级指标", "message": "一级指标权重合计 40 分，应为 100 分"},
        {"where": "a", "message": "下级指标权重合计 30 分，与本级权重 40 分不一致"},
    ]
    assert document_problems("not a document") == []


# --- property: totals are sums of rounded leaves ----------------------------------------------------

leaf_case = st.builds(
    lambda weight, actual, target, awarded: leaf(
        "x",
        weight,
        inputs={"actual": actual, "target": target},
        # an awarded score stays within 0..weight (outside it the document is refused, DESIGN §4)
        **({"score": min(awarded, weight), "reason": "r"} if awarded is not None else {}),
    ),
    st.decimals(min_value=0, max_value=40, places=2),  # weights carry at most 2 decimals
    st.decimals(min_value=0, max_value=1000, places=3),
    st.decimals(min_value=1, max_value=1000, places=3),
    st.none() | st.decimals(min_value=0, max_value=40, places=2),
)
trees = st.recursive(
    leaf_case,
    lambda children: st.builds(
        lambda kids: {"name": "x", "children": kids}, st.lists(children, min_size=1, max_size=4)
    ),
    max_leaves=30,
)


def _name(node, prefix="n"):
    node["name"] = prefix
    for i, child in enumerate(node.get("children", [])):
        _name(child, f"{prefix}.{i}")
    return node


@settings(max_examples=150, deadline=None)
@given(st.lists(trees, min_size=1, max_size=5))
def test_property_total_is_the_sum_of_rounded_leaves(roots):
    doc = doc_of(*[_name(copy.deepcopy(root), f"s{i}") for i, root in enumerate(roots)])
    result = score_document(doc)
    rows = result["indicators"]
    for row in rows:
        assert row["score"].as_tuple().exponent == -2
    assert result["total"] == sum(row["score"] for row in rows)
    for section in result["sections"]:
        assert section["score"] == sum(row["score"] for row in rows if row["path"][0] == section["name"])
    assert result["total"] == sum(section["score"] for section in result["sections"])
    # each leaf counts its awarded score, else its computed one, rounded once
    assert [row["score"] for row in rows] == [
        round_score(node["score"]) if "score" in node else row["computed"]
        for node, row in zip(_leaves(doc["indicators"]), rows, strict=True)
    ]


def _leaves(nodes):
    for node in nodes:
        if node.get("children"):
            yield from _leaves(node["children"])
        else:
            yield node


# --- the rule forms of DESIGN §4.1 in one document ----------------------------------------------------------


def every_form_doc(**evaluation) -> dict:
    """One leaf per form of §4.1, the figures of the wordings it quotes; the 40-point leaf is not applicable."""
    either = {
        "kind": "either_of",
        "options": [
            {"label": "结转结余率", "rule": {"kind": "threshold_deduct", "threshold": 10, "per_point": 1}},
            {"label": "结转结余变动率", "rule": {"kind": "change_rate", "per_point": 0.1}},
        ],
    }
    checklist = {
        "kind": "checklist",
        "items": [{"text": "制度", "points": 3, "max_faults": 3}, {"text": "执行", "points": 2}],
    }
    children = [
        # "每低于5%扣2分": 7 points short, 2 started steps → 5 − 2 × 2
        leaf(
            "步长扣分",
            5,
            {"kind": "threshold_deduct", "threshold": 100, "per_point": 2, "step": 5, "rounding": "ceil"},
            {"actual": 93},
        ),
        # "≤80%不得分；每降低1%扣5%权重分": 10 − 0.5 × 19
        leaf(
            "不得分线",
            10,
            {"kind": "threshold_deduct", "threshold": 100, "per_point": 0.5, "zero_at": 80},
            {"actual": 81},
        ),
        # "预算控制率=0，计5分；0-10%（含）计4分…"
        leaf(
            "预算控制率",
            5,
            {"kind": "bands", "direction": "lower", "bands": [[0, 5], [10, 4], [20, 3], [30, 2]]},
            {"actual": 5},
        ),
        leaf("定性指标", 10, {"kind": "graded"}, {"level": "好", "share": 85}),
        leaf("超额完成", 10, {"kind": "ratio", "over_limit": 130}, {"actual": 150, "target": 100}),
        leaf("结转结余", 5, either, {"option": 1, "inputs": {"current": 110, "previous": 100}}),
        leaf("制度执行", 5, checklist, {"met": [1], "faults": {"0": 1}}),
        leaf("得分系数", 10, {"kind": "coefficient"}, {"coefficient": 85}),
    ]
    return doc_of(
        {"name": "产出", "children": children},
        {"name": "效益", "children": [leaf("楼堂馆所", 40, {"kind": "binary"}, {"not_applicable": True})]},
        **({"evaluation": evaluation} if evaluation else {}),
    )


def test_every_form_of_section_4_1_scores_as_by_hand():
    result = score_document(every_form_doc())
    rows = {row["path"][-1]: row for row in result["indicators"]}
    assert {name: row["score"] for name, row in rows.items()} == {
        "步长扣分": D("1.00"),
        "不得分线": D("0.50"),
        "预算控制率": D("4.00"),
        "定性指标": D("8.50"),
        "超额完成": D("10.00"),
        "结转结余": D("4.00"),
        "制度执行": D("4.00"),
        "得分系数": D("8.50"),
        "楼堂馆所": None,
    }
    assert rows["楼堂馆所"]["not_applicable"] is True
    assert rows["结转结余"]["explanation"].startswith("二者择其一，按“结转结余变动率”考核")
    # rescale (the default): 40.5 of the 60 applicable points, on the 100-point scale
    assert result["total"] == D("67.50")
    assert result["sections"] == [
        {"name": "产出", "weight": D(60), "score": D("40.50")},
        {"name": "效益", "weight": D(40), "score": None, "not_applicable": True},
    ]
    assert result["problems"] == [
        {
            "where": "产出 / 超额完成",
            "message": "完成值为目标的 150.00%，超过 130% 的合理上限，请按偏离度适度调减分值并说明理由",
        }
    ]
    text = dumps(result)
    assert '"score": null' in text and '"not_applicable": true' in text


def test_every_form_document_under_either_policy():
    doc = every_form_doc()
    nodes, errors = read_indicators(doc["indicators"])
    assert errors == []
    assert score_indicators(nodes, None, "rescale")["total"] == D("67.50")
    full = score_indicators(nodes, None, "full")
    assert full["total"] == D("80.50")  # 40.5 + 40
    assert full["sections"][1] == {"name": "效益", "weight": D(40), "score": D("40.00")}
    header_errors: list[str] = []
    assert read_na_policy({"na_policy": "full"}, header_errors) == "full"
    assert header_errors == []
