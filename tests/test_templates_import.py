"""Indicator templates from perf-eval/1 documents: import_template and the load_templates command."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluations.domain.importing import DocumentImportError
from evaluations.domain.indicator_tree import copy_template
from evaluations.domain.templates import import_template
from rubrics.checks import template_warnings
from rubrics.models import IndicatorTemplate, TemplateIndicator
from tests.factories import EvaluationFactory, TemplateFactory

BUILTIN = Path(__file__).resolve().parent.parent / "rubrics" / "builtin"


def document() -> dict:
    return {
        "format": "perf-eval/1",
        "evaluation": {"kind": "project", "title": "测试模板", "grades": [[85, "优"], [60, "合格"], [0, "不合格"]]},
        "indicators": [
            {
                "name": "过程",
                "weight": 40,
                "explanation": "项目实施过程。",
                "children": [
                    {
                        "name": "资金管理",
                        "children": [  # an inner weight may be left to its children
                            {
                                "name": "预算执行率",
                                "weight": 25,
                                "explanation": "实际支出 ÷ 到位资金。",
                                "standard": "按执行率计分。",
                                "benchmark": "100%",
                                "unit": "%",
                                "evidence": "支付凭证",
                                "rule": {"kind": "ratio", "cap": 1},
                                "bind": {"actual": "budget_execution_rate"},
                                "inputs": {"target": 100},
                                "score": 20,
                                "printed_score": 24.9,
                            },
                            {
                                "name": "资金使用合规性",
                                "weight": 15,
                                "rule": {"kind": "checklist", "items": ["a", "b"]},
                            },
                        ],
                    }
                ],
            },
            {
                "name": "效益",
                "weight": 60,
                "children": [
                    {
                        "name": "满意度",
                        "weight": 60,
                        "children": [{"name": "满意度", "weight": 60, "rule": {"kind": "satisfaction"}}],
                    }
                ],
            },
        ],
    }


def load(doc=None, **kwargs) -> IndicatorTemplate:
    arguments = {"name": "测试模板", "kind": "project", "mode": "finance"} | kwargs
    return import_template(document() if doc is None else doc, **arguments)


def refused(doc, **kwargs) -> list[str]:
    with pytest.raises(DocumentImportError) as info:
        load(doc, **kwargs)
    return info.value.errors


@pytest.mark.django_db
def test_import_builds_the_tree_with_every_field():
    template = load(source="测试来源", description="说明")
    assert (template.kind, template.mode, template.source, template.description) == (
        "project",
        "finance",
        "测试来源",
        "说明",
    )
    assert template.grades == [[85, "优"], [60, "合格"], [0, "不合格"]] and not template.is_builtin
    leaf = template.indicators.get(name="预算执行率")
    assert (leaf.parent.name, leaf.parent.weight, leaf.parent.parent.name) == ("资金管理", Decimal(40), "过程")
    assert (leaf.explanation, leaf.standard, leaf.benchmark, leaf.unit) == (
        "实际支出 ÷ 到位资金。",
        "按执行率计分。",
        "100%",
        "%",
    )
    assert (leaf.evidence_required, leaf.rule_kind, leaf.rule_params) == ("支付凭证", "ratio", {"cap": 1})
    assert leaf.bindings == {"actual": "budget_execution_rate"}
    assert [n.order for n in leaf.parent.children.order_by("order")] == [1, 2]
    assert template.indicators.get(name="资金使用合规性").rule_params == {"items": ["a", "b"]}
    template.validate_tree()  # the admin's own check agrees


@pytest.mark.django_db
def test_reimport_replaces_by_name_and_keeps_unchanged_rows():
    template = load()
    kept = template.indicators.get(name="预算执行率").pk
    doc = document()
    doc["indicators"][0]["children"][0]["children"][1]["name"] = "资金使用规范性"
    again = load(doc, is_builtin=True)
    assert again.pk == template.pk and IndicatorTemplate.objects.count() == 1 and again.is_builtin
    names = set(again.indicators.values_list("name", flat=True))
    assert "资金使用规范性" in names and "资金使用合规性" not in names
    assert again.indicators.get(name="预算执行率").pk == kept


@pytest.mark.django_db
def test_evaluations_copy_an_imported_template():
    template = load()
    evaluation = EvaluationFactory(kind="project")
    copy_template(evaluation=evaluation, template=template)
    copied = evaluation.indicators.get(name="预算执行率")
    assert (copied.bindings, copied.inputs, copied.awarded_score) == ({"actual": "budget_execution_rate"}, {}, None)


@pytest.mark.django_db
def test_a_bad_tree_is_refused_and_nothing_written():
    TemplateFactory(name="测试模板")  # an existing template of that name stays as it was
    doc = document()
    doc["indicators"][1]["children"][0]["children"][0]["rule"] = {"kind": "bands", "bands": [[90, 70]]}
    doc["indicators"][0]["children"][0]["children"][0]["bind"] = {"target": 1}
    errors = refused(doc)
    assert errors[0].startswith("过程 / 资金管理 / 预算执行率：数据绑定 bind 必须是")
    assert errors[1] == "效益 / 满意度 / 满意度：评分规则 bands：参数 bands 第 1 档（分值）为 70 分，超过权重 60 分"
    assert refused(document(), kind="program", mode="self-made") == [
        "适用评价类型必须是 project、department 之一，现为 “program”",
        "评价方式必须是 self、department、finance 之一，现为 “self-made”",
    ]
    assert IndicatorTemplate.objects.count() == 1 and TemplateIndicator.objects.count() == 0


@pytest.mark.django_db
def test_weights_that_do_not_add_up_and_deep_trees_import_with_warnings():
    # The one reader accepts what score accepts: weights that do not add up are problems (shown as the
    # template's warnings, and refused when an evaluation copies the template), and any depth is allowed.
    doc = document()
    doc["indicators"][1]["weight"] = 50  # 40 + 50 ≠ 100, and 满意度 60 ≠ 50
    template = import_template(doc, name="不平衡的模板", kind="project", mode="finance")
    assert template_warnings(template)[:2] == [
        "指标「效益」权重 50 分，其下级指标权重合计 60 分，二者应相等。",
        "一级指标权重合计 90 分，应为 100 分。",
    ]
    doc = document()
    satisfaction = doc["indicators"][1]["children"][0]["children"][0]
    satisfaction["children"] = [{"name": "四级", "weight": 60, "children": [{**satisfaction, "name": "五级"}]}]
    del satisfaction["rule"]
    template = import_template(doc, name="五级模板", kind="project", mode="finance")
    assert template.indicators.get(name="五级").level() == 5


@pytest.mark.django_db
def test_sibling_names_must_differ():
    doc = document()
    doc["indicators"][0]["children"][0]["children"][1]["name"] = "预算执行率"
    assert refused(doc)[0] == "过程 / 资金管理 / 预算执行率：同一上级指标下有两个指标同名，请改名以便区分"


# --- load_templates -----------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("load_templates", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def dump() -> str:
    out = StringIO()
    call_command("dumpdata", "rubrics", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_templates_loads_every_builtin_document_idempotently():
    files = sorted(BUILTIN.glob("*.json"))
    assert files, "rubrics/builtin/*.json are missing"
    code, out, err = run()
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == len(files) == IndicatorTemplate.objects.filter(is_builtin=True).count()
    first = dump()
    code, out_again, _ = run()
    assert code == 0 and out_again == out
    assert dump() == first  # nothing rewritten: same rows, same pks, same updated_at


@pytest.mark.django_db
def test_load_templates_reports_bad_and_missing_documents(tmp_path):
    code, out, err = run("--dir", str(tmp_path))
    assert (code, out, err.strip()) == (1, "", f"{tmp_path} 下没有内置模板文档（*.json）")
    good = document() | {"template_name": "好模板"}
    (tmp_path / "a_good.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    bad = document()
    bad["indicators"][0]["weight"] = "三十"
    bad["indicators"][0]["children"][0]["weight"] = 30.125
    (tmp_path / "b_bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    code, out, err = run("--dir", str(tmp_path))
    assert code == 1
    assert out.strip() == "a_good.json：内置模板「好模板」（项目支出绩效评价，7 个指标）"
    assert err.splitlines()[0] == "b_bad.json：未载入，2 个问题："
    assert "Traceback" not in err
    assert list(IndicatorTemplate.objects.values_list("name", "is_builtin")) == [("好模板", True)]


@pytest.mark.django_db
def test_load_templates_never_overwrites_a_template_made_by_an_admin(tmp_path):
    TemplateFactory(name="测试模板")
    (tmp_path / "t.json").write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    code, _, err = run("--dir", str(tmp_path))
    assert code == 1 and "已有同名的非内置模板「测试模板」，为免覆盖，未载入" in err
    assert TemplateIndicator.objects.count() == 0


@pytest.mark.django_db
def test_load_templates_skips_json_that_is_not_a_document(tmp_path):
    (tmp_path / "records.json").write_text('[{"no": 1}]', encoding="utf-8")
    (tmp_path / "t.json").write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    code, out, err = run("--dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "records.json：不是 perf-eval/1 文档，跳过"
    assert IndicatorTemplate.objects.get().name == "测试模板"
