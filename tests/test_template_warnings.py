import pytest
from django.urls import reverse

from rubrics.checks import template_warnings
from rubrics.models import EvaluationMode, IndicatorTemplate, TemplateIndicator
from tests.factories import UserFactory
from tests.test_admin_templates import inline_data, node_form


def make(mode, weights: dict) -> IndicatorTemplate:
    template = IndicatorTemplate.objects.create(name=f"模板{mode}{len(weights)}", kind="project", mode=mode)
    for order, (name, weight) in enumerate(weights.items()):
        TemplateIndicator.objects.create(template=template, name=name, weight=weight, order=order, rule_kind="binary")
    return template


@pytest.mark.django_db
def test_finance_evaluation_with_too_little_output_and_outcome_is_warned():
    template = make(EvaluationMode.FINANCE, {"决策": 30, "过程": 20, "产出": 30, "效益": 20})
    assert template_warnings(template) == [
        "产出、效益指标权重合计占 50%，财预〔2020〕10号第十四条要求部门评价、财政评价原则上不低于 60%。"
    ]


@pytest.mark.django_db
def test_balanced_finance_evaluation_has_no_warning():
    assert template_warnings(make(EvaluationMode.FINANCE, {"决策": 20, "过程": 20, "产出": 40, "效益": 20})) == []


@pytest.mark.django_db
def test_self_evaluation_weights_follow_article_13():
    template = make(EvaluationMode.SELF, {"预算执行率": 10, "产出指标": 40, "效益指标": 40, "满意度指标": 10})
    warnings = template_warnings(template)
    assert "自评的「产出」权重为 40 分，财预〔2020〕10号第十三条原则上为 50 分。" in warnings
    assert "自评的「效益」权重为 40 分，财预〔2020〕10号第十三条原则上为 30 分。" in warnings


@pytest.mark.django_db
def test_leaf_without_rule_is_warned():
    template = IndicatorTemplate.objects.create(name="缺规则", kind="department")
    TemplateIndicator.objects.create(template=template, name="部门考核", weight=100)
    assert template_warnings(template) == ["末级指标「部门考核」尚未设置计分规则。"]


@pytest.mark.django_db
def test_admin_sees_the_warning_after_changing_a_weight(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    template = make(EvaluationMode.FINANCE, {"决策": 20, "过程": 20, "产出": 40, "效益": 20})
    url = reverse("admin:rubrics_indicatortemplate_change", args=[template.pk])
    assert "不低于 60%" not in client.get(url).content.decode()
    new_weights = {"决策": 40, "过程": 20, "产出": 20, "效益": 20}
    rows = [
        {**node_form(node.name, new_weights[node.name], node.order), "id": str(node.pk), "template": str(template.pk)}
        for node in template.indicators.order_by("order")
    ]
    data = {
        "name": template.name,
        "kind": "project",
        "mode": "finance",
        "source": "",
        "description": "",
        "grades": '[[90, "优"], [0, "差"]]',
        "na_policy": "rescale",
        **inline_data("indicators", rows, initial=4),
    }
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert TemplateIndicator.objects.get(template=template, name="决策").weight == 40
    assert "产出、效益指标权重合计占 40%" in client.get(url).content.decode()
