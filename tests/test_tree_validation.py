from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rubrics import tree
from rubrics.models import TemplateIndicator
from tests.factories import TemplateFactory, TemplateIndicatorFactory, three_level_template

D = Decimal


def node(key, parent, name, weight):
    return tree.Node(key, parent, name, D(weight))


def test_valid_tree_has_no_errors():
    nodes = [node(1, None, "决策", 40), node(2, 1, "立项", 40), node(3, None, "产出", 60)]
    assert tree.tree_errors(nodes) == []


def test_children_not_adding_up_names_indicator_and_both_figures():
    nodes = [
        node(1, None, "项目决策", 20),
        node(2, 1, "项目立项", 7),
        node(3, 1, "绩效目标", 6),
        node(4, None, "其他", 80),
    ]
    assert tree.tree_errors(nodes) == ["指标「项目决策」权重 20 分，其下级指标权重合计 13 分，二者应相等。"]


def test_level_one_must_add_up_to_100():
    assert tree.tree_errors([node(1, None, "决策", 20), node(2, None, "产出", 70)]) == [
        "一级指标权重合计 90 分，应为 100 分。"
    ]


def test_any_depth_is_allowed():
    # DESIGN §10: indicators nest as deep as the evaluation needs.
    nodes = [node(i, i - 1 if i > 1 else None, f"第{i}级", 100) for i in range(1, 7)]
    assert tree.tree_errors(nodes) == []


def test_cycle_is_refused():
    nodes = [node(1, 2, "甲", 50), node(2, 1, "乙", 50)]
    assert any("循环" in error for error in tree.tree_errors(nodes))


def test_decimal_weights_are_exact():
    nodes = [
        node(1, None, "运行成本", D("4")),
        node(2, 1, "培训费", D("0.5")),
        node(3, 1, "机关运行", D("0.5")),
        node(4, 1, "三公", D("3")),
        node(5, None, "其他", 96),
    ]
    assert tree.tree_errors(nodes) == []


@pytest.mark.django_db
def test_saved_template_tree_validates_through_the_model():
    template = three_level_template()
    template.validate_tree()  # no error
    TemplateIndicator.objects.filter(name="立项程序规范性").update(weight=10)
    with pytest.raises(ValidationError) as excinfo:
        template.validate_tree()
    assert excinfo.value.messages == ["指标「项目立项」权重 40 分，其下级指标权重合计 35 分，二者应相等。"]


@pytest.mark.django_db
def test_model_clean_accepts_a_fifth_level():
    template = TemplateFactory()
    parent = None
    for level in range(1, 5):
        parent = TemplateIndicatorFactory(template=template, parent=parent, weight=100, name=f"L{level}")
    fifth = TemplateIndicator(template=template, parent=parent, name="L5", weight=100)
    fifth.full_clean()
    fifth.save()
    assert fifth.level() == 5


@pytest.mark.django_db
def test_model_clean_refuses_parent_from_another_template():
    foreign = TemplateIndicatorFactory()
    orphan = TemplateIndicator(template=TemplateFactory(), parent=foreign, name="跨模板", weight=1)
    with pytest.raises(ValidationError, match="同一个指标体系模板"):
        orphan.full_clean()


@pytest.mark.django_db
def test_model_clean_refuses_bad_rule_parameters():
    template = TemplateFactory()
    bad = TemplateIndicator(template=template, name="重点支出安排率", weight=2, rule_kind="bands", rule_params={})
    with pytest.raises(ValidationError) as excinfo:
        bad.full_clean()
    assert "重点支出安排率" in str(excinfo.value)


@pytest.mark.django_db
def test_model_clean_accepts_checklist_worth_more_than_weight_and_refuses_unknown_parameters():
    # DESIGN §4: points above the weight are clamped and reported; a misspelt parameter is an error.
    template = TemplateFactory()
    generous = TemplateIndicator(
        template=template,
        name="立项依据充分性",
        weight=2,
        rule_kind="checklist",
        rule_params={"items": [{"text": "①", "points": 1.5}, {"text": "②", "points": 1.5}], "gate": None},
    )
    generous.full_clean()
    misspelt = TemplateIndicator(template=template, name="完成率", weight=2, rule_kind="ratio", rule_params={"capp": 1})
    with pytest.raises(ValidationError, match="capp"):
        misspelt.full_clean()
