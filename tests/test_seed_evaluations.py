"""The two reference reports, loaded as demo data, reproduce their printed totals and
the consistency check names the places where they disagree with themselves."""

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluations.demo import SEED_DOCUMENTS, load_demo
from evaluations.domain.datatables import save_table
from evaluations.queries.consistency import ERROR, check_evaluation
from evaluations.queries.datatables import evaluation_tables

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(db):
    return load_demo()


def test_list_evaluations_shows_the_printed_totals(demo):
    out = io.StringIO()
    call_command("list_evaluations", stdout=out)
    rows = {line.split("\t")[1]: line.split("\t") for line in out.getvalue().splitlines()}
    assert rows["project"][4:] == ["97.75", "优", "草稿"]
    assert rows["department"][4:] == ["91.87", "优", "草稿"]


def test_stored_scores_equal_what_the_engine_computes(demo):
    from rubrics.engine import compute_score

    for evaluation in demo.values():
        for leaf in evaluation.indicators.filter(children__isnull=True):
            result = compute_score(leaf.rule_kind, leaf.rule_params, leaf.inputs, leaf.weight)
            assert leaf.computed_score == result.score, leaf.name


def messages(evaluation, severity=None):
    return [f"{p.where}：{p.message}" for p in check_evaluation(evaluation) if severity in (None, p.severity)]


def test_check_names_the_project_seed_errors(demo):
    found = "\n".join(messages(demo["project"]))
    assert "指标「资金分配合理性」：评定得分 2 分与按评分标准计算的 1.5 分不一致，且未说明理由" in found
    assert "春节慰问金" in found and "94.18" in found and "94.19" in found
    assert "中秋节慰问金" in found and "159.53" in found and "159.25" in found
    assert "2013 年 2 月 17 日" in found
    assert "实际完成值写作「99%」，而计分所用的数值为 1.00%" in found


def test_check_names_the_department_seed_errors(demo):
    errors = "\n".join(messages(demo["department"], ERROR))
    for name in (
        "预算编制合理性",
        "在职人员控制率",
        "重点支出安排率",
        "预算调整率",
        "居家养老服务平台应用率",
        "残疾人救助人数",
        "其他困难群众救助人数",
        "经济困难老年人补贴人数",
    ):
        assert f"指标「{name}」：评定得分" in errors, name
    assert "「在职人员控制率为 1.09%」与基础数据计算的在职人员控制率 117.65% 不一致" in errors
    everything = "\n".join(messages(demo["department"]))
    # 5140.09 元 where 基础表1 holds 5,140.09 万元: a unit slip, named as one
    assert "「实际在用固定资产价值 5140.09 元」" in errors and "单位“元”应为“万元”" in errors
    # The one award the report explains is not flagged.
    assert "指标「新建养老机构床位数」：评定得分" not in everything


def test_changing_the_data_recomputes_bound_inputs_scores_and_total(demo):
    evaluation = demo["project"]
    funds = evaluation_tables(evaluation)["project_funds"][0]
    row = {key: (str(value) if value is not None else None) for key, value in funds.items()}
    row["actual_expenditure"] = "280"  # 95.11 %: 3 points below 98 → 5 − 0.3
    save_table(evaluation=evaluation, key="project_funds", rows=[row])
    evaluation.refresh_from_db()
    assert evaluation.indicators.get(name="预算执行率").computed_score == Decimal("4.70")
    assert evaluation.total_score == Decimal("97.45")


def test_load_demo_is_idempotent_and_reset_restores_the_documents(demo):
    evaluation = demo["project"]
    evaluation.indicators.filter(name="预算执行率").update(analysis="改过的分析")
    load_demo()
    assert evaluation.indicators.get(name="预算执行率").analysis == "改过的分析"
    load_demo(reset=True)
    assert evaluation.indicators.get(name="预算执行率").analysis != "改过的分析"


def test_builtin_templates_are_loaded_and_evaluations_link_to_them(demo):
    from rubrics.models import IndicatorTemplate

    names = set(IndicatorTemplate.objects.filter(is_builtin=True).values_list("name", flat=True))
    assert len(names) == 4
    assert demo["project"].template.name in names and demo["department"].template.name in names
    department = IndicatorTemplate.objects.get(name=demo["department"].template.name)
    weights = {node.name: node.weight for node in department.indicators.filter(parent=None)}
    assert weights["管理效率"] == 22 and weights["履职效能"] == 48


@pytest.mark.parametrize(("key", "total"), [("project", 97.75), ("department", 91.87)])
def test_score_command_reproduces_the_printed_totals(key, total):
    result = subprocess.run(
        [sys.executable, "manage.py", "score", str(SEED_DOCUMENTS[key]), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.test_settings"},
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert (output["total"], output["grade"]) == (total, "优")
    assert any("未说明理由" in problem["message"] or "理由" in problem["message"] for problem in output["problems"])
