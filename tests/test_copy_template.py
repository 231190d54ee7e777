from decimal import Decimal

import pytest

from evaluations.domain.indicator_tree import copy_template
from rubrics.models import TemplateIndicator
from tests.factories import EvaluationFactory, three_level_template


@pytest.mark.django_db
def test_copy_reproduces_the_tree():
    template = three_level_template()
    evaluation = EvaluationFactory()
    copy_template(evaluation=evaluation, template=template)
    copied = {n.name: n for n in evaluation.indicators.select_related("parent")}
    assert set(copied) == set(template.indicators.values_list("name", flat=True))
    assert copied["立项依据充分性"].parent.name == "项目立项"
    assert copied["项目立项"].parent.name == "决策"
    assert copied["实际完成率"].rule_params == {"cap": 1}
    assert evaluation.template == template


@pytest.mark.django_db
def test_template_edits_never_change_an_evaluation_that_copied_it():
    template = three_level_template()
    evaluation = EvaluationFactory()
    copy_template(evaluation=evaluation, template=template)
    leaf = TemplateIndicator.objects.get(template=template, name="实际完成率")
    leaf.name, leaf.weight, leaf.rule_params = "改名后的指标", Decimal(5), {"cap": 2}
    leaf.save()
    template.indicators.filter(name="立项程序规范性").delete()
    template.grades = [[95, "优"], [0, "差"]]
    template.save()

    names = set(evaluation.indicators.values_list("name", flat=True))
    assert "实际完成率" in names and "改名后的指标" not in names
    assert "立项程序规范性" in names
    copied = evaluation.indicators.get(name="实际完成率")
    assert (copied.weight, copied.rule_params) == (Decimal(60), {"cap": 1})
    evaluation.refresh_from_db()
    assert evaluation.grades[0] == [90, "优"]


@pytest.mark.django_db
def test_deleting_the_template_keeps_the_evaluation_tree():
    template = three_level_template()
    evaluation = EvaluationFactory()
    copy_template(evaluation=evaluation, template=template)
    template.delete()
    assert evaluation.indicators.count() == 7
