"""The check on the demo data (both seeds): every contradiction the seeds' prose holds against their own data is
named, and nothing else is — the seeds' correct sentences raise nothing."""

import io
import re

import pytest
from django.core.management import call_command

from evaluations.demo import load_demo
from evaluations.queries.consistency import ERROR, check, check_evaluation

QUOTED = re.compile(r"文中「(.+?)」")


@pytest.fixture
def demo(db):
    return load_demo()


def quotes(evaluation) -> set[tuple[str, str]]:
    """(where, the quoted words) of every finding about a figure, score, total or grade quoted in prose."""
    return {
        (p.where, QUOTED.match(p.message).group(1))
        for p in check_evaluation(evaluation)
        if p.key.split(":")[0].endswith("-quote")
    }


def test_the_project_seed_quotes_31_87_and_81_95_where_table_3_2_gives_31_89_and_81_94(demo):
    assert quotes(demo["project"]) == {
        ("问题「预算编制精准性不足」", "预算调整为 31.87 万元"),
        ("问题「预算编制精准性不足」", "调剂率 81.95%"),
    }
    messages = [p.message for p in check_evaluation(demo["project"])]
    assert "文中「预算调整为 31.87 万元」与表3-2「生活扶助金」的指标金额 31.89 万元 不一致。" in messages
    assert any(m.startswith("文中「调剂率 81.95%」与表3-2「生活扶助金」的调剂率 81.94% 不一致") for m in messages)


def test_the_department_seed_quotes_every_contradiction_and_no_correct_figure(demo):
    assert quotes(demo["department"]) == {
        # 基础表4 adds up to 3,540.57 万元 and 68.38 %
        ("章节「部门情况」", "总支出 3542.65 万元"),
        ("章节「部门情况」", "预算执行率 68.42%"),
        ("指标「重点支出安排率」的分析", "总支出 3542.65 万元"),
        ("指标「重点支出安排率」的分析", "项目预算执行率 68.42%"),
        ("指标「管理效率」的分析", "实际资金支出 3542.65 万元"),
        ("指标「管理效率」的分析", "预算执行率 68.42%"),
        ("章节「部门重点项目支出情况」", "实际支出 3540.56 万元"),  # truncated, not rounded
        ("章节「部门支出情况」", "项目预算执行率 88.89%"),  # the share of 项目支出, not an execution rate
        # weight 4 and score 4 (附件 1), where section 四 printed 3
        ("指标「城乡低保标准之比」的分析", "该指标得 100%权重分，即 3 分"),
        ("指标「全区生活不能自理特困人员集中供养率」的分析", "该指标得 100%权重分，即 3 分"),
        ("指标「区划管理界线界桩巡检完成率」的分析", "该指标得 100%权重分，即 3 分"),
        # derived figures (DESIGN §5)
        ("指标「在职人员控制率」的分析", "在职人员控制率为 1.09%"),
        ("指标「政府采购执行率」的分析", "政府采购执行率为 100%"),
        ("指标「“三公经费”控制率」的分析", "“三公经费”控制率为 70%"),
        # 5,140.09 万元 written in 元
        ("指标「固定资产利用率」的分析", "实际在用固定资产价值 5140.09 元"),
    }
    messages = {p.message for p in check_evaluation(demo["department"])}
    assert (
        "文中「总支出 3542.65 万元」与基础表4 部门年度专项项目完成情况表的实际支付资金数合计 3,540.57 万元 不一致。"
        in messages
    )
    assert any(
        m.startswith("文中「预算执行率 68.42%」与基础数据计算的专项项目支付进度率 68.38% 不一致") for m in messages
    )
    assert (
        "文中「该指标得 100%权重分，即 3 分」与指标「城乡低保标准之比」的得分 4 分不一致（权重 4 分、得分 4 分）。"
        in messages
    )


def test_correcting_a_demo_sentence_clears_its_finding_only(demo):
    evaluation = demo["department"]
    leaf = evaluation.indicators.get(name="城乡低保标准之比")
    leaf.analysis = leaf.analysis.replace("即 3 分", "即 4 分")
    leaf.save()
    overview = evaluation.narrative.get(key="dept_overview")
    overview.text = overview.text.replace("3542.65", "3540.57")
    overview.save()
    found = quotes(evaluation)
    assert ("指标「城乡低保标准之比」的分析", "该指标得 100%权重分，即 3 分") not in found
    assert ("章节「部门情况」", "总支出 3542.65 万元") not in found
    assert ("章节「部门情况」", "预算执行率 68.42%") in found
    assert len(found) == 13


def test_the_demo_reports_are_complete_so_nothing_is_left_to_fill_in(demo):
    for evaluation in demo.values():
        result = check(evaluation)
        assert result.todos == [] and result.progress.remaining == 0 and result.progress.total > 40


def test_every_finding_has_a_stable_key_of_its_own(demo):
    for evaluation in demo.values():
        first = [p.key for p in check_evaluation(evaluation)]
        assert len(first) == len(set(first)), "two findings share a key"
        assert all(re.fullmatch(r"[a-z-]+:[^:\s]+(:\S+)?", key) for key in first), first
        evaluation.narrative.filter(key="purpose").update(text="本次评价的目的。")  # another place changes
        assert [p.key for p in check_evaluation(evaluation)] == first


def test_the_command_lists_the_findings_in_words_and_fails_on_errors(demo):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("check_evaluation", demo["department"].pk, stdout=out)
    assert exit_code.value.code == 1
    text = out.getvalue()
    assert "待填：应填写的各项均已完成" in text
    assert "[错误] 章节「部门情况」：文中「总支出 3542.65 万元」与基础表4" in text
    assert "[错误] 指标「区划管理界线界桩巡检完成率」的分析：文中「该指标得 100%权重分，即 3 分」" in text
    assert "[提示] 指标「政府采购执行率」：实际完成值写作「100%」" in text
    errors = sum(p.severity == ERROR for p in check_evaluation(demo["department"]))
    assert f"错误 {errors} 条" in text
