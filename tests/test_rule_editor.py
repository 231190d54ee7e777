"""The structured rule editor: boxes → parameters for every kind, the engine's messages next to their boxes in
people's words, the live preview, and the editor in the evaluation's indicator editor and in both admins."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.models import EvaluationIndicator
from rubrics.engine import CATALOGUE_ORDER, RULE_KINDS, compute_score, validate_params
from rubrics.models import IndicatorTemplate, TemplateIndicator
from rubrics.numbers import exact
from rubrics.rule_editor.drafts import rule_from_data
from rubrics.rule_editor.fields import Rule, RuleEditorField, RuleEditorWidget
from rubrics.rule_editor.layout import summary
from tests.factories import UserFactory
from tests.test_editing_services import build_tree

DATA = Path(__file__).parent / "data"
BUILTIN = Path(__file__).parents[1] / "rubrics" / "builtin"
KIND_CODES = [*RULE_KINDS, "below", "above", "ceil", "floor", "exact", "higher", "lower"]


# --- helpers: the editor's HTML as a browser submits it, and its visible text --------------------------


class _Form(HTMLParser):
    """The values a browser submits for the editor's boxes (not the <template> rows), and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.text: list[str] = []
        self._template = 0
        self._select: str | None = None
        self._first: str | None = None
        self._hidden_text = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._template += 1
        if tag in ("script", "style"):
            self._hidden_text += 1
        if self._template:
            return
        if (
            tag == "input"
            and attrs.get("name")
            and (attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs)
        ):
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "select" and attrs.get("name"):
            self._select, self._first = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = attrs.get("value", "")
                self.data[self._select] = self._first
            if "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")
        for name in ("placeholder", "title", "aria-label"):
            if attrs.get(name):
                self.text.append(attrs[name])

    def handle_endtag(self, tag):
        if tag == "template":
            self._template -= 1
        if tag in ("script", "style"):
            self._hidden_text -= 1
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if not self._hidden_text and data.strip():
            self.text.append(data.strip())


def submitted(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


def render(kind: str, params: dict, name: str = "rule") -> str:
    return RuleEditorWidget().render(name, Rule(kind, params))


def post(kind: str, **boxes: str) -> dict[str, str]:
    """Posted boxes of an editor named "rule": post("bands", **{"bands-0-bound": "90"}) → rule-bands-bands-0-bound."""
    data = {"rule-kind": kind}
    for key, value in boxes.items():
        common = key in ("label", "unit")
        data[f"rule-{key}" if common else f"rule-{kind}-{key}"] = value
    return data


def same(a, b) -> bool:
    """Equal as rule data, numbers compared exactly (0.1 == "0.1" == 1/10; 5 == 5.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if exact(a) is not None and exact(b) is not None and not isinstance(a, str | bool):
        return exact(a) == exact(b)
    return a == b


def normal(kind: str, params: dict) -> dict:
    """Params as the editor stores them: defaults and empty values left out, checklist items as objects."""
    spec = RULE_KINDS[kind]
    out = {}
    for key, value in params.items():
        field = next((p for p in spec.param_fields if p.name == key), None)
        if value in (None, "") or (field is not None and field.type == "choice" and value == field.default):
            continue
        if field is not None and field.type == "levels" and same(value, [list(row) for row in field.default]):
            continue
        if key == "items":
            value = [item if isinstance(item, dict) else {"text": item} for item in value]
        if key == "options":
            value = [
                {"label": o["label"], "rule": {"kind": o["rule"]["kind"], **normal(o["rule"]["kind"], o["rule"])}}
                for o in value
            ]
        out[key] = value
    out.pop("kind", None)
    return out


def rules_in(path: Path):
    def walk(node):
        if isinstance(node, dict):
            rule = node.get("rule")
            if isinstance(rule, dict) and rule.get("kind") in RULE_KINDS:
                yield rule
            for child in node.get("children", []):
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    yield from walk(json.loads(path.read_text(encoding="utf-8"))["indicators"])


ALL_RULES = [
    rule for path in (DATA / "every_rule_form.json", *sorted(BUILTIN.glob("*.json"))) for rule in rules_in(path)
]


# --- the parser: every kind, tables, nesting, exact numbers --------------------------------------------


PARSER_CASES = [
    ("ratio", {"cap": "1", "over_limit": "130%"}, {"cap": 1, "over_limit": 130}),
    ("inverse_ratio", {}, {}),
    ("threshold_else_rate", {"threshold": "50"}, {"threshold": 50}),
    (
        "threshold_deduct",
        {"threshold": "100", "per_point": "2", "step": "5", "rounding": "ceil", "direction": "below"},
        {"threshold": 100, "per_point": 2, "rounding": "ceil", "step": 5},
    ),
    (
        "threshold_deduct",
        {"threshold": "100", "per_point": "0.5", "zero_at": "80"},
        {"threshold": 100, "per_point": 0.5, "zero_at": 80},
    ),
    ("change_rate", {"per_point": "0.1", "rounding": "exact"}, {"per_point": 0.1}),
    ("rate_penalty", {}, {}),
    ("per_count", {"per": "0.2"}, {"per": 0.2}),
    (
        "bands",
        {
            "direction": "lower",
            **{
                f"bands-{i}-{c}": v
                for i, row in enumerate([(0, 5), (10, 4), (20, 3), (30, 2)])
                for c, v in zip(("bound", "points"), map(str, row), strict=True)
            },
        },
        {"bands": [[0, 5], [10, 4], [20, 3], [30, 2]], "direction": "lower"},
    ),
    (
        "checklist",
        {
            "items-0-text": "支出审批手续完整",
            "items-0-points": "6",
            "items-0-max_faults": "3",
            "items-1-text": "按预算用途使用",
            "items-1-points": "4",
            "items-1-max_faults": "",
            "gate": "1",
        },
        {
            "items": [
                {"text": "支出审批手续完整", "points": 6, "max_faults": 3},
                {"text": "按预算用途使用", "points": 4},
            ],
            "gate": 0,
        },
    ),
    (
        "graded",
        {
            "levels-0-label": "好",
            "levels-0-lower": "80",
            "levels-0-upper": "100",
            "levels-1-label": "中",
            "levels-1-lower": "60",
            "levels-1-upper": "80",
            "levels-2-label": "差",
            "levels-2-lower": "0",
            "levels-2-upper": "60",
        },
        {},
    ),
    (
        "graded",
        {
            "levels-0-label": "达标",
            "levels-0-lower": "60%",
            "levels-0-upper": "100%",
            "levels-1-label": "未达标",
            "levels-1-lower": "0",
            "levels-1-upper": "60",
        },
        {"levels": [["达标", 60, 100], ["未达标", 0, 60]]},
    ),
    ("coefficient", {}, {}),
    (
        "grade_map",
        {"map-0-grade": "优秀", "map-0-points": "4", "map-1-grade": "良好", "map-1-points": "2", "default": ""},
        {"map": {"优秀": 4, "良好": 2}},
    ),
    ("binary", {}, {}),
    (
        "satisfaction",
        {"full_at": "95", "per_point_share": "", "no_survey_deduct": "1", "complaint_limit": ""},
        {"full_at": 95, "no_survey_deduct": 1},
    ),
    ("manual", {"label": "服务水平", "unit": "分"}, {"label": "服务水平", "unit": "分"}),
]


@pytest.mark.parametrize(("kind", "boxes", "params"), PARSER_CASES)
def test_parser_reads_every_kind(kind, boxes, params):
    draft = rule_from_data(post(kind, **boxes), "rule")
    assert draft.errors == {}
    assert draft.params == params
    assert validate_params(kind, draft.params) == []


def test_every_kind_is_covered_by_the_parser_cases():
    assert {kind for kind, _, _ in PARSER_CASES} | {"either_of"} == set(CATALOGUE_ORDER)


def test_either_of_options_are_nested_editors():
    data = post(
        "either_of",
        **{
            "options-0-label": "结转结余率",
            "options-0-rule-kind": "ratio",
            "options-0-rule-ratio-cap": "1",
            "options-3-label": "结转结余变动率",  # rows added in the browser keep their own numbers
            "options-3-rule-kind": "change_rate",
            "options-3-rule-change_rate-per_point": "0.1",
            "options-5-label": "",  # a blank row is no row
            "options-5-rule-kind": "",
        },
    )
    draft = rule_from_data(data, "rule")
    assert draft.errors == {}
    assert draft.params == {
        "options": [
            {"label": "结转结余率", "rule": {"kind": "ratio", "cap": 1}},
            {"label": "结转结余变动率", "rule": {"kind": "change_rate", "per_point": 0.1}},
        ]
    }
    result = compute_score("either_of", draft.params, {"option": 1, "inputs": {"rate": -2}}, 5)
    assert result.score == Decimal("5.00") and "按“结转结余变动率”考核" in result.explanation


def test_an_option_cannot_be_either_of_again():
    data = post("either_of", **{"options-0-label": "甲", "options-0-rule-kind": "either_of", "options-1-label": "乙"})
    draft = rule_from_data(data, "rule")
    assert any("请从列表中选择计分规则" in m for m in draft.messages())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0.1", 0.1),
        ("12", 12),
        ("12.50", 12.5),
        ("1,000", 1000),
        ("９８．５", 98.5),  # full-width, as Chinese input methods type it
        ("1/3", "1/3"),  # no decimal holds it: kept exact
        ("3/4", 0.75),
        ("0.1234567890123456789", "0.1234567890123456789"),  # a float would lose digits: exact text
    ],
)
def test_numbers_are_stored_exactly(typed, stored):
    draft = rule_from_data(post("per_count", per=typed), "rule")
    assert draft.errors == {}
    value = draft.params["per"]
    assert value == stored and type(value) is type(stored)
    assert exact(value) == exact(typed.replace(",", "").replace("９８．５", "98.5"))


def test_percent_boxes_accept_a_percent_sign_and_other_boxes_explain():
    assert rule_from_data(post("threshold_else_rate", threshold="50%"), "rule").params == {"threshold": 50}
    draft = rule_from_data(post("threshold_deduct", threshold="98%", per_point="1"), "rule")
    assert draft.errors == {"threshold": ["「达标线」只填数字，不带 %，现为“98%”"]}


def test_item_numbers_are_typed_from_one_and_stored_from_zero():
    data = post("checklist", **{"items-0-text": "甲", "items-1-text": "乙", "items-2-text": "丙", "gate": "3"})
    draft = rule_from_data(data, "rule")
    assert draft.params == {"items": [{"text": "甲"}, {"text": "乙"}, {"text": "丙"}], "gate": 2}
    html = render("checklist", draft.params)
    assert submitted(html).data["rule-checklist-gate"] == "3"


def test_empty_optional_params_are_left_out():
    draft = rule_from_data(
        post("threshold_deduct", threshold="100", per_point="1", step="", zero_at=" ", direction="below", label=""),
        "rule",
    )
    assert draft.params == {"threshold": 100, "per_point": 1}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule["kind"])
def test_every_stored_rule_survives_the_editor(rule):
    """Drawn in the editor and submitted unchanged, every rule of the built-in templates and of the document of
    every rule form gives the same parameters back."""
    kind = rule["kind"]
    params = {key: value for key, value in rule.items() if key != "kind"}
    draft = rule_from_data(submitted(render(kind, params)).data, "rule")
    assert draft.messages() == []
    assert same(draft.params, normal(kind, params)), (draft.params, params)


# --- bad input: a clear Chinese message next to the box, never a code ------------------------------------


BAD = [
    ("threshold_deduct", {"threshold": "100", "per_point": "2", "step": "0"}, "step", "「每档幅度」必须大于 0，现为 0"),
    (
        "bands",
        {"bands-0-bound": "80", "bands-0-points": "1", "bands-1-bound": "90", "bands-1-points": "2"},
        "bands",
        "「分档」第 2 档的下限 90 高于第 1 档的下限 80，越高越好的分档应按下限从高到低排列",
    ),
    (
        "bands",
        {"bands-0-bound": "90", "bands-0-points": "2", "bands-1-bound": "90", "bands-1-points": "1"},
        "bands",
        "「分档」第 2 档的下限 90 与第 1 档重复，分档不能重叠",
    ),
    (
        "graded",
        {
            "levels-0-label": "好",
            "levels-0-lower": "70",
            "levels-0-upper": "100",
            "levels-1-label": "中",
            "levels-1-lower": "60",
            "levels-1-upper": "80",
        },
        "levels",
        "「等级及分值区间」第 2 级“中”（60%–80%）与第 1 级“好”（70%–100%）的分值区间重叠",
    ),
    (
        "checklist",
        {"items-0-text": "甲", "items-1-text": "乙", "gate": "3"},
        "gate",
        "「前提要点」须是第 1 到第 2 项之一，现为 3",
    ),
    ("satisfaction", {"full_at": "120"}, "full_at", "「满分满意度，百分数」不能大于 100，现为 120"),
    (
        "graded",
        {"levels-0-label": "好", "levels-0-lower": "80", "levels-0-upper": "120"},
        "levels",
        "「等级及分值区间」第 1 级的上限必须在 0 到 100 之间，现为 120",
    ),
    ("bands", {"direction": "higher"}, "bands", "请填写「分档」（至少一行）"),
    ("grade_map", {}, "map", "请填写「等级与分值」（至少一行）"),
    (
        "bands",
        {"bands-0-bound": "九十", "bands-0-points": "2"},
        "bands",
        "「分档」第 1 行的「界限值」必须是数字，现为“九十”",
    ),
    ("bands", {"bands-0-bound": "90"}, "bands", "「分档」第 1 行缺少「分值」"),
    ("threshold_deduct", {"threshold": "1,00", "per_point": "1"}, "threshold", "「达标线」必须是数字，现为“1,00”"),
    ("per_count", {"per": "1/0"}, "per", "「每次扣分」的分母不能为 0，现为“1/0”"),
    ("ratio", {"cap": "0"}, "cap", "「封顶比例」必须大于 0，现为 0"),
]


@pytest.mark.parametrize(("kind", "boxes", "param", "message"), BAD)
def test_bad_input_is_named_next_to_its_box(kind, boxes, param, message):
    """The field refuses the rule with the message, and the editor drawn again shows it beside the box."""
    field = RuleEditorField()
    with pytest.raises(ValidationError) as caught:
        field.clean(field.widget.value_from_datadict(post(kind, **boxes), {}, "rule"))
    assert message in caught.value.messages
    assert not any(re.search(r"[A-Za-z_]{3,}", text) for text in caught.value.messages)
    html = field.widget.render("rule", field.widget.value_from_datadict(post(kind, **boxes), {}, "rule"))
    assert message in next_to(html, kind, param)


def next_to(html: str, kind: str, param: str) -> str:
    """The part of the editor's HTML drawn for one parameter box (up to the next box)."""
    block = html.split(f'data-kind="{kind}"', 1)[1]
    return block.split(f'data-param="{param}"', 1)[1].split("data-param=", 1)[0]


def test_an_options_own_message_is_shown_in_that_option():
    data = post(
        "either_of",
        **{
            "options-0-label": "甲",
            "options-0-rule-kind": "ratio",
            "options-0-rule-ratio-cap": "0",
            "options-1-label": "乙",
            "options-1-rule-kind": "binary",
        },
    )
    draft = rule_from_data(data, "rule")
    assert draft.check() == ["「可选的考核指标」第 1 项：「封顶比例」必须大于 0，现为 0"]
    assert draft.options[0].errors == {"cap": ["「封顶比例」必须大于 0，现为 0"]}


def test_no_rule_code_is_visible_in_the_editor():
    params = {
        "options": [
            {"label": "甲", "rule": {"kind": "bands", "bands": [[90, 2]]}},
            {"label": "乙", "rule": {"kind": "checklist", "items": [{"text": "要点"}]}},
        ]
    }
    form = submitted(render("either_of", params))
    visible = " ".join(form.text)
    for code in [*KIND_CODES, *(p.name for spec in RULE_KINDS.values() for p in spec.param_fields)]:
        assert not re.search(rf"(?<![A-Za-z_]){code}(?![A-Za-z_])", visible), code
    assert "二者择其一" in visible and "例：" in visible and "分档计分" in visible


# --- the evaluation's indicator editor ----------------------------------------------------------------


@pytest.fixture
def tree(world):
    return build_tree(world["a"])


def editor_url(world):
    return reverse("evaluation-indicators", args=[world["a"].pk])


def edit(client, node, kind, **boxes):
    data = {"action": "edit", "target": node.pk, "version": node.version, "name": node.name, **post(kind, **boxes)}
    return client.post(editor_url_for(node), data)


def editor_url_for(node):
    return reverse("evaluation-indicators", args=[node.evaluation_id])


@pytest.mark.parametrize(("kind", "boxes", "param", "message"), BAD)
def test_the_indicator_editor_saves_nothing_on_bad_input(client, world, tree, kind, boxes, param, message):
    client.force_login(world["evaluator_a"])
    node = tree["ratio"]
    before = EvaluationIndicator.objects.values().get(pk=node.pk)
    response = edit(client, node, kind, **boxes)
    body = response.content.decode()
    assert response.status_code == 200
    assert "未保存" in body and "指标「完成率」的计分规则需要修改" in body
    assert message in next_to(body, kind, param)
    assert EvaluationIndicator.objects.values().get(pk=node.pk) == before


def test_the_indicator_editor_saves_structured_params(client, world, tree):
    client.force_login(world["evaluator_a"])
    node = tree["ratio"]
    response = edit(client, node, "threshold_deduct", threshold="100", per_point="2", step="5", rounding="ceil")
    assert response.status_code == 302
    node.refresh_from_db()
    assert (node.rule_kind, node.rule_params) == (
        "threshold_deduct",
        {"threshold": 100, "per_point": 2, "rounding": "ceil", "step": 5},
    )
    body = client.get(editor_url(world), {"edit": node.pk}).content.decode()
    form = submitted(body)
    assert form.data["rule-kind"] == "threshold_deduct" and form.data["rule-threshold_deduct-step"] == "5"
    assert "达标线扣分" in body


def test_points_above_the_weight_are_refused_next_to_the_table_when_adding(client, world, tree):
    """The weight is typed in the same form: the service's check (with the weight) is shown in the editor."""
    client.force_login(world["evaluator_a"])
    parent = tree["ratio"]
    data = {
        "action": "add",
        "target": parent.pk,
        "parent_version": parent.version,
        "origin": "scratch",
        "name": "分档指标",
        "weight": "20",
        **post("bands", **{"bands-0-bound": "90", "bands-0-points": "30"}),
    }
    body = client.post(editor_url(world), data).content.decode()
    assert "「分档」第 1 档（分值）为 30 分，超过权重 20 分" in body
    assert not EvaluationIndicator.objects.filter(name="分档指标").exists()


def test_adding_from_the_library_ignores_the_editor(client, world, tree):
    client.force_login(world["evaluator_a"])
    data = {
        "action": "add",
        "target": "root",
        "origin": "library",
        "source": "",
        **post("bands", **{"bands-0-bound": "x"}),
    }
    body = client.post(editor_url(world), data).content.decode()
    assert "请选择要复制的模板指标" in body and "必须是数字" not in body


def test_benchmark_box_only_for_qualitative_rules(client, world, tree):
    client.force_login(world["evaluator_a"])
    note = "定量指标的标杆值由计分规则的目标值和计量单位自动给出，无需另行填写"
    body = client.get(editor_url(world), {"edit": tree["ratio"].pk}).content.decode()
    assert re.search(r'<div class="col-sm-7" data-hidden-for-kinds="[^"]*\bratio\b[^"]*" hidden>', body)
    assert re.search(rf'<p class="[^"]*" data-shown-for-kinds="[^"]*">{note}</p>', body)
    body = client.get(editor_url(world), {"edit": tree["checklist"].pk}).content.decode()
    assert "标杆值（定性指标）" in body
    assert re.search(r'<div class="col-sm-7" data-hidden-for-kinds="[^"]*">', body)
    assert re.search(rf'data-shown-for-kinds="[^"]*" hidden>{note}</p>', body)


def test_the_editor_page_shows_no_json_and_no_codes(client, world, tree):
    client.force_login(world["evaluator_a"])
    body = client.get(editor_url(world), {"edit": tree["bound"].pk}).content.decode()
    assert "规则参数（JSON）" not in body and "data-fill-example" not in body and "计分规则参数说明" not in body
    visible = " ".join(submitted(body).text)
    for code in KIND_CODES:
        assert not re.search(rf"(?<![A-Za-z_]){code}(?![A-Za-z_])", visible), code


# --- the preview endpoint -------------------------------------------------------------------------------


def preview(client, data, inputs=None, weight="5"):
    payload = {"prefix": "rule", "inputs": json.dumps(inputs or {}), "weight": weight, **data}
    return client.post(reverse("rule-preview"), payload)


def test_preview_needs_a_login(client, db):
    response = preview(client, post("binary"), {"met": True})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_scores_with_an_explanation(client, db):
    client.force_login(UserFactory())
    data = post("threshold_deduct", threshold="100", per_point="2", step="5", rounding="ceil")
    answer = preview(client, data, {"actual": "93"}).json()
    assert answer["ok"] and answer["score"] == "1.00"
    assert answer["explanation"] == (
        "实际值 93.00%，低于 100% 7.00 个百分点，按每 5 个百分点（不足 5 个百分点按 5 个百分点计）扣 2 分，"
        "计 2 档：5 - 2 × 2 = 1.00 分"
    )


def test_preview_explains_bad_rules_and_inputs_in_chinese(client, db):
    client.force_login(UserFactory())
    answer = preview(
        client, post("threshold_deduct", threshold="100", per_point="2", step="0"), {"actual": "93"}
    ).json()
    assert answer == {"ok": False, "errors": ["「每档幅度」必须大于 0，现为 0"]}
    answer = preview(client, post("ratio"), {"actual": "9"}).json()
    assert answer == {"ok": False, "errors": ["缺少「目标值」"]}
    answer = preview(client, post("ratio"), {"actual": "9", "target": "10"}, weight="").json()
    assert answer == {"ok": False, "errors": ["权重不能为空"]}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"prefix": "rule"},
        {"prefix": "rule", "rule-kind": "no_such_kind"},
        {"prefix": "rule", "rule-kind": "ratio", "inputs": "{not json", "weight": "5"},
        {"prefix": "rule", "rule-kind": "ratio", "inputs": "[1, 2]", "weight": "5"},
        {
            "prefix": "rule",
            "rule-kind": "ratio",
            "inputs": json.dumps({"actual": [1], "target": {"x": 1}}),
            "weight": "x",
        },
        {"prefix": "rule", "rule-kind": "either_of", "inputs": json.dumps({"option": "9"}), "weight": "5"},
        {
            "prefix": "rule",
            "rule-kind": "checklist",
            "rule-checklist-items-0-text": "甲",
            "inputs": json.dumps({"met": [7], "partial": "x"}),
            "weight": "5",
        },
        {"prefix": "rule", "rule-kind": "ratio", "inputs": "[" * 5000, "weight": "5"},
        {"prefix": "rule", "rule-kind": "per_count", "rule-per_count-per": "1e999999", "weight": "1e999999"},
    ],
)
def test_preview_never_fails_on_garbage(client, db, payload):
    client.force_login(UserFactory())
    response = client.post(reverse("rule-preview"), payload)
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is False and answer["errors"]
    assert all(re.search(r"[\u4e00-\u9fff]", message) for message in answer["errors"])


def test_preview_refuses_get(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("rule-preview")).status_code == 405


# --- admin: template indicators and evaluation indicators ----------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, role="管理员"))
    return client


@pytest.fixture
def leaf(db):
    template = IndicatorTemplate.objects.create(name="测试模板", kind="project")
    root = TemplateIndicator.objects.create(template=template, name="产出", weight=Decimal(100))
    return TemplateIndicator.objects.create(
        template=template, parent=root, name="完成率", weight=Decimal(100), rule_kind="ratio", rule_params={"cap": 1}
    )


def admin_form(leaf, **rule_boxes):
    data = {
        "template": leaf.template_id,
        "parent": leaf.parent_id,
        "name": leaf.name,
        "weight": str(leaf.weight),
        "order": "0",
        "benchmark": "",
        "unit": "",
        "explanation": "",
        "standard": "",
        "evidence_required": "",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "1000",
    }
    data.update(rule_boxes)
    return data


def test_admin_change_form_shows_the_structured_editor(admin_client, leaf):
    url = reverse("admin:rubrics_templateindicator_change", args=[leaf.pk])
    body = admin_client.get(url).content.decode()
    assert "rule_editor.js" in body and "rule_editor.css" in body
    form = submitted(body)
    assert form.data["rule-kind"] == "ratio" and form.data["rule-ratio-cap"] == "1"
    assert "rule_params" not in form.data


def test_admin_saves_params_from_the_structured_boxes(admin_client, leaf):
    url = reverse("admin:rubrics_templateindicator_change", args=[leaf.pk])
    boxes = post(
        "bands",
        direction="lower",
        **{"bands-0-bound": "0", "bands-0-points": "100", "bands-1-bound": "10", "bands-1-points": "80"},
    )
    response = admin_client.post(url, admin_form(leaf, **boxes))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    leaf.refresh_from_db()
    assert (leaf.rule_kind, leaf.rule_params) == ("bands", {"bands": [[0, 100], [10, 80]], "direction": "lower"})


def test_admin_refuses_bad_params_next_to_their_box(admin_client, leaf):
    url = reverse("admin:rubrics_templateindicator_change", args=[leaf.pk])
    boxes = post("threshold_deduct", threshold="100", per_point="2", step="0")
    body = admin_client.post(url, admin_form(leaf, **boxes)).content.decode()
    assert "「每档幅度」必须大于 0，现为 0" in body
    leaf.refresh_from_db()
    assert leaf.rule_kind == "ratio"


def test_admin_applies_the_models_weight_check(admin_client, leaf):
    """Points above the weight typed in the same form: the model's clean_rule speaks, in the editor's words."""
    url = reverse("admin:rubrics_templateindicator_change", args=[leaf.pk])
    data = admin_form(leaf, **post("grade_map", **{"map-0-grade": "优秀", "map-0-points": "150"}))
    body = admin_client.post(url, data).content.decode()
    assert "「等级与分值」“优秀”（分值）为 150 分，超过权重 100 分" in body
    leaf.refresh_from_db()
    assert leaf.rule_kind == "ratio"


def test_admin_inline_children_have_their_own_editors(admin_client, leaf):
    parent = leaf.parent
    url = reverse("admin:rubrics_templateindicator_change", args=[parent.pk])
    body = admin_client.get(url).content.decode()
    form = submitted(body)
    assert form.data["children-0-rule-kind"] == "ratio" and form.data["children-0-rule-ratio-cap"] == "1"
    assert 'name="children-__prefix__-rule-kind"' in body  # the blank inline row for "添加另一个"


def test_evaluation_indicator_admin_uses_the_editor(admin_client, world, tree):
    node = tree["ratio"]
    url = reverse("admin:evaluations_evaluationindicator_change", args=[node.pk])
    form = submitted(admin_client.get(url).content.decode())
    assert form.data["rule-kind"] == "ratio"


def test_summary_reads_a_rule_in_chinese():
    assert summary("threshold_deduct", {"threshold": 100, "per_point": 2, "step": 5, "rounding": "ceil"}) == (
        "达标线扣分（达标线 100；每档扣分 2 分；不足一档的差距 不足一档按一档计；每档幅度 5）"
    )
    assert summary("checklist", {"items": ["甲", "乙"], "gate": 0}) == "要点计分（评分要点 2 项；前提要点 第 1 项）"
