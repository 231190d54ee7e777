"""An admin builds a three-level template in Django admin and is stopped when weights don't add up."""

import pytest
from django.urls import reverse

from rubrics.models import IndicatorTemplate, TemplateIndicator
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True, role="管理员")
    client.force_login(admin)
    return client


def inline_data(prefix, rows, initial=0, **extra):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    data.update(extra)
    return data


def node_form(name, weight, order=0, **extra):
    return {"name": name, "weight": str(weight), "order": str(order), "explanation": "", **extra}


def child_form(name, weight, order=0, **extra):
    base = {
        "name": name,
        "weight": str(weight),
        "order": str(order),
        "rule-kind": "",  # the structured rule editor: its kind, then {kind}-{parameter} boxes
        "benchmark": "",
        "unit": "",
        "explanation": "",
        "standard": "",
        "evidence_required": "",
    }
    base.update(extra)
    return base


def test_admin_builds_three_level_template(admin_client):
    url = reverse("admin:rubrics_indicatortemplate_add")
    data = {
        "name": "新建项目模板",
        "kind": "project",
        "mode": "finance",
        "source": "",
        "description": "",
        "grades": '[[90, "优"], [80, "良"], [60, "中"], [0, "差"]]',
        "na_policy": "rescale",
    }
    data.update(inline_data("indicators", [node_form("决策", 40, 1), node_form("产出", 60, 2)]))
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    template = IndicatorTemplate.objects.get(name="新建项目模板")
    decision = template.indicators.get(name="决策")

    # Level 2 under 决策, then level 3 under 项目立项, each through the node's page with children inline.
    node_url = reverse("admin:rubrics_templateindicator_change", args=[decision.pk])
    data = {"template": template.pk, "parent": "", **child_form("决策", 40, 1)}
    data.update(inline_data("children", [child_form("项目立项", 40)]))
    assert admin_client.post(node_url, data).status_code == 302
    setup = template.indicators.get(name="项目立项")
    node_url = reverse("admin:rubrics_templateindicator_change", args=[setup.pk])
    data = {"template": template.pk, "parent": decision.pk, **child_form("项目立项", 40)}
    data.update(
        inline_data(
            "children",
            [
                child_form("立项依据充分性", 25, **{"rule-kind": "binary"}),
                child_form("立项程序规范性", 15, **{"rule-kind": "ratio", "rule-ratio-cap": "1"}),
            ],
        )
    )
    assert admin_client.post(node_url, data).status_code == 302
    leaf = template.indicators.get(name="立项依据充分性")
    assert leaf.level() == 3
    ratio = template.indicators.get(name="立项程序规范性")
    assert (ratio.rule_kind, ratio.rule_params) == ("ratio", {"cap": 1})
    template.validate_tree()


def test_admin_is_stopped_in_chinese_when_children_do_not_add_up(admin_client):
    template = IndicatorTemplate.objects.create(name="模板", kind="project")
    decision = TemplateIndicator.objects.create(template=template, name="决策", weight=40)
    TemplateIndicator.objects.create(template=template, name="产出", weight=60)
    url = reverse("admin:rubrics_templateindicator_change", args=[decision.pk])
    data = {"template": template.pk, "parent": "", **child_form("决策", 40)}
    data.update(inline_data("children", [child_form("项目立项", 20), child_form("绩效目标", 15)]))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "指标「决策」权重 40 分，其下级指标权重合计 35 分，二者应相等。" in response.content.decode()
    assert not TemplateIndicator.objects.filter(name="项目立项").exists()


def test_admin_is_stopped_when_level_one_does_not_add_up_to_100(admin_client):
    url = reverse("admin:rubrics_indicatortemplate_add")
    data = {
        "name": "坏模板",
        "kind": "project",
        "mode": "finance",
        "source": "",
        "description": "",
        "grades": '[[90, "优"], [0, "差"]]',
        "na_policy": "rescale",
    }
    data.update(inline_data("indicators", [node_form("决策", 30), node_form("产出", 60)]))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "一级指标权重合计 90 分，应为 100 分。" in response.content.decode()
    assert not IndicatorTemplate.objects.filter(name="坏模板").exists()


def test_changing_a_parent_weight_without_its_children_is_refused(admin_client):
    template = IndicatorTemplate.objects.create(name="模板", kind="project")
    decision = TemplateIndicator.objects.create(template=template, name="决策", weight=40)
    TemplateIndicator.objects.create(template=template, parent=decision, name="立项", weight=40)
    output = TemplateIndicator.objects.create(template=template, name="产出", weight=60)
    url = reverse("admin:rubrics_indicatortemplate_change", args=[template.pk])
    data = {
        "name": "模板",
        "kind": "project",
        "mode": "finance",
        "source": "",
        "description": "",
        "grades": '[[90, "优"], [0, "差"]]',
        "na_policy": "rescale",
    }
    data.update(
        inline_data(
            "indicators",
            [
                {**node_form("决策", 50), "id": str(decision.pk), "template": str(template.pk)},
                {**node_form("产出", 50), "id": str(output.pk), "template": str(template.pk)},
            ],
            initial=2,
        )
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "指标「决策」权重 50 分，其下级指标权重合计 40 分，二者应相等。" in response.content.decode()
    decision.refresh_from_db()
    assert decision.weight == 40


def test_admin_refuses_bad_rule_parameters_with_a_message(admin_client):
    template = IndicatorTemplate.objects.create(name="模板", kind="project")
    leaf = TemplateIndicator.objects.create(template=template, name="重点支出安排率", weight=100)
    url = reverse("admin:rubrics_templateindicator_change", args=[leaf.pk])
    data = {"template": template.pk, "parent": "", **child_form("重点支出安排率", 100, **{"rule-kind": "bands"})}
    data.update(inline_data("children", []))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "重点支出安排率" in response.content.decode()
    leaf.refresh_from_db()
    assert leaf.rule_kind == ""


def test_admin_pages_render_in_chinese(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "指标体系模板" in response.content.decode()
    assert "站点管理" in response.content.decode() or "系统管理" in response.content.decode()
