"""How the evaluator settles what the check finds in a copy of a seed, through the services the pages call.

The seeds keep their errors (the demo's drafts show what the check finds). In a copy the evaluator does what a
bureau expects before anything leaves the firm: every awarded score gets its reason, every figure quoted in the
prose is corrected to the tables, an 实际完成值 written differently from the figure scored is aligned, and a
check error that states a true fact (the seed's batch table against 表1-1) is explained for the reviewer to
accept. Each edit is made as the page makes it: the scoring form as the page posts it, the section, analysis or
finding saved with the version the evaluator opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.datatables.figures import compute_figures
from evaluations.domain.explanations import explain
from evaluations.domain.narrative import save_analysis, save_item, save_section
from evaluations.domain.scoring_inputs import save_scoring
from evaluations.domain.user_actions import user_action
from evaluations.interfaces.scoring_page import leaf_widgets
from evaluations.models import Evaluation, EvaluationIndicator, Finding, User
from evaluations.queries.access import can_edit_evaluation
from evaluations.queries.consistency import ERROR, check_evaluation
from evaluations.queries.datatables import evaluation_tables


class DemoEditError(RuntimeError):
    """A correction the demo makes no longer applies to its seed (the seed document changed): a packaging fault."""


# --- the forms as the pages post them ------------------------------------------------------------------


def _widget_fields(widgets, bindings: dict) -> dict:
    data: dict = {}
    for widget in widgets:
        if widget.type == "checklist":
            data[widget.field] = [str(item["index"]) for item in widget.items if item["met"]]
            for item in widget.items:
                if item["share"]:
                    data[item["partial_field"]] = item["share"]
                if item["faults"]:
                    data[item["faults_field"]] = item["faults"]
        elif widget.type == "option":
            data[widget.field] = widget.value
            for option in widget.options:
                if option["chosen"]:
                    data.update(_widget_fields(option["widgets"], {}))
        elif widget.name not in bindings:  # a bound input follows the tables: the page does not post it
            data[widget.field] = widget.value
    return data


def scoring_form(leaf: EvaluationIndicator, figures) -> dict:
    """What the scoring page posts for this leaf as it stands (its inputs unchanged)."""
    data = _widget_fields(leaf_widgets(leaf, figures, leaf.evaluation_id), leaf.bindings or {})
    if leaf.awarded_score is not None:
        data.update(awarded_score=str(leaf.awarded_score), override_reason=leaf.override_reason)
    return data


def _leaf(evaluation: Evaluation, name: str) -> EvaluationIndicator:
    leaf = evaluation.indicators.filter(name=name, children__isnull=True).first()
    if leaf is None:
        raise DemoEditError(f"演示评价「{evaluation}」中没有末级指标「{name}」。")
    return leaf


def score_leaf(evaluation: Evaluation, user: User, name: str, **changes: str) -> EvaluationIndicator:
    """Save a leaf on the scoring page with only ``changes`` (override_reason, actual_display …) different."""
    leaf = _leaf(evaluation, name)
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    before = dict(leaf.inputs or {})
    data = {**scoring_form(leaf, figures), **changes}
    saved = save_scoring(
        evaluation=evaluation, indicator_id=leaf.pk, expected_version=leaf.version, data=data, user=user
    )
    if saved.inputs != before:
        raise DemoEditError(f"「{name}」：评分表单未能原样提交计分输入（{before} → {saved.inputs}）。")
    return saved


# --- corrections of the prose --------------------------------------------------------------------------


def _replaced(text: str, where: str, corrections: dict[str, str]) -> str:
    for wrong, right in corrections.items():
        if wrong not in text:
            raise DemoEditError(f"{where}中没有要改正的“{wrong}”。")
        text = text.replace(wrong, right)
    return text


def correct_section(evaluation: Evaluation, user: User, key: str, corrections: dict[str, str]) -> None:
    _require_editor(evaluation, user)
    section = evaluation.narrative.get(key=key)
    text = _replaced(section.text, f"章节 {key} ", corrections)
    with user_action(user):  # one entry of the change log, by the evaluator
        save_section(evaluation=evaluation, key=key, text=text, expected_version=section.version)


def correct_analysis(evaluation: Evaluation, user: User, name: str, corrections: dict[str, str]) -> None:
    _require_editor(evaluation, user)
    leaf = evaluation.indicators.get(name=name)
    text = _replaced(leaf.analysis, f"指标「{name}」的分析", corrections)
    with user_action(user):
        save_analysis(indicator=leaf, text=text, expected_version=leaf.version)


def correct_finding(evaluation: Evaluation, user: User, title: str, corrections: dict[str, str]) -> Finding:
    _require_editor(evaluation, user)
    finding = evaluation.findings.filter(title=title).first()
    if finding is None:
        raise DemoEditError(f"演示评价「{evaluation}」中没有问题「{title}」。")
    with user_action(user):
        return save_item(
            evaluation=evaluation,
            kind="finding",
            item_pk=finding.pk,
            title=finding.title,
            text=_replaced(finding.text, f"问题「{title}」", corrections),
            expected_version=finding.version,
            indicator_ids=list(finding.indicators.values_list("pk", flat=True)),
        )


def _require_editor(evaluation: Evaluation, user: User) -> None:
    evaluation.refresh_from_db()
    if not can_edit_evaluation(user, evaluation):  # what the pages check before these saves
        raise DemoEditError(f"「{user}」此时不能编辑「{evaluation}」（{evaluation.get_state_display()}）。")


# --- explanations of true facts ------------------------------------------------------------------------


def explain_errors(evaluation: Evaluation, user: User, texts: dict[str, str]) -> int:
    """Explain each current error whose location contains a key of ``texts``; returns how many."""
    explained = 0
    for problem in check_evaluation(evaluation):
        if problem.severity != ERROR:
            continue
        text = next((text for part, text in texts.items() if part in problem.where), None)
        if text is not None:
            explain(evaluation=evaluation, user=user, key=problem.key, text=text)
            explained += 1
    if explained != len(texts):
        raise DemoEditError(f"「{evaluation}」应说明 {len(texts)} 项检查错误，实际找到 {explained} 项。")
    return explained


# --- what the evaluator corrects in each seed's copy ---------------------------------------------------


@dataclass(frozen=True)
class SeedEdits:
    """The corrections of one seed's copies: awarded scores with their reasons, 实际完成值 aligned with the figure
    scored, prose corrected to the tables, and true facts explained."""

    reasons: dict[str, str]
    actual_displays: dict[str, str]
    sections: dict[str, dict[str, str]]
    analyses: dict[str, dict[str, str]]
    findings: dict[str, dict[str, str]]
    explanations: dict[str, str]

    def give_reasons(self, evaluation: Evaluation, user: User) -> None:
        for name, reason in self.reasons.items():
            leaf = _leaf(evaluation, name)
            score_leaf(evaluation, user, name, awarded_score=str(leaf.awarded_score), override_reason=reason)
        for name, display in self.actual_displays.items():
            score_leaf(evaluation, user, name, actual_display=display)

    def correct_prose(self, evaluation: Evaluation, user: User) -> None:
        year = str(evaluation.year)
        for key, corrections in self.sections.items():
            correct_section(evaluation, user, key, _in_year(corrections, year))
        for name, corrections in self.analyses.items():
            correct_analysis(evaluation, user, name, _in_year(corrections, year))
        for title, corrections in self.findings.items():
            correct_finding(evaluation, user, title, _in_year(corrections, year))

    def explain(self, evaluation: Evaluation, user: User) -> None:
        if self.explanations:
            explain_errors(evaluation, user, self.explanations)


def _in_year(corrections: dict[str, str], year: str) -> dict[str, str]:
    return {wrong.format(year=year): right.format(year=year) for wrong, right in corrections.items()}


PROJECT_EDITS = SeedEdits(
    reasons={
        "资金分配合理性": (
            "生活扶助金年中按街道直接发放后的实际需求调减至 31.89 万元，调整后各子项资金与救助对象数量基本匹配；"
            "要点②“资金分配额度合理”部分满足，评价小组综合评定得 2 分。"
        ),
    },
    actual_displays={"困难群众满意度": "未开展满意度调查（投诉率 1%）"},
    sections={},
    analyses={"产出时效": {"2013 年 2 月 17 日": "{year} 年 2 月 17 日"}},
    findings={"预算编制精准性不足": {"调整为 31.87 万元": "调整为 31.89 万元", "调剂率 81.95%": "调剂率 81.94%"}},
    explanations={
        "「春节慰问金」": (
            "表1-1 的 94.19 万元为财务账面实际支付数；发放批次表按三批发放通知登记（36 + 11.97 + 46.21 = 94.18 万元），"
            "各批金额以万元保留两位小数后相加，与账面数相差 0.01 万元，为尾数差异，两表数据均属实。"
        ),
        "「中秋节慰问金」": (
            "发放批次表按发放名册登记 159.53 万元；发放后有 1 户救助对象因银行账户注销退回慰问金 0.28 万元，"
            "财务按实际支付的 159.25 万元入账（表1-1）。差额为退回资金，两表数据均属实。"
        ),
    },
)

# 附件 1 gives these three leaves 4 points (and 4 awarded); section 四 printed "即 3 分" from its own 3-point table.
_FULL_FOUR = {"该指标得 100%权重分，即 3 分": "该指标得 100%权重分，即 4 分"}
# 基础表4 adds up to 3,540.57 万元 paid of 5,178.10 budgeted: 68.38 %.
_PAID = {"3542.65": "3540.57", "68.42%": "68.38%"}

DEPARTMENT_EDITS = SeedEdits(
    reasons={
        "预算编制合理性": (
            "要点②④满足；要点①③部分满足：预算编制程序规范，但人员经费预决算差异率 16.92%，测算精准度不足。"
            "评价小组综合评定得 70% 权重分。"
        ),
        "重点支出安排率": (
            "部门未单独核算重点项目支出，评分标准的分档无从适用；评价小组以专项项目支付进度率 68.38% 衡量重点支出"
            "安排情况，按比例计分：2 × 68.38% = 1.37 分。"
        ),
        "在职人员控制率": (
            "在职 40 人中公益性岗位 3 人不占编制，在编 37 人超出核定编制 34 人约 9%，按超编比例扣分："
            "2 ×（1 − 9%）= 1.82 分。"
        ),
        "预算调整率": (
            "预算调整 21.15 万元为上级追加的城市社区专职工作者考务费等专项资金，属评分标准所称特殊原因，不扣分。"
        ),
        "残疾人救助人数": (
            "基础表5 填报符合条件的残疾人已全部救助；实际人数少于计划系救助对象动态调整（死亡、迁出）所致，"
            "认定完成年度目标。"
        ),
        "其他困难群众救助人数": (
            "符合条件的困难群众已全部纳入救助，实际人数少于计划系对象动态调整所致，认定完成年度目标。"
        ),
        "经济困难老年人补贴人数": (
            "符合条件的经济困难老年人已全部纳入补贴范围，实际人数少于计划系申报人数减少所致，认定完成年度目标。"
        ),
        "居家养老服务平台应用率": "平台于年中投入使用，按投入使用后各月的使用比例约 50% 评定，得 50% 权重分。",
    },
    actual_displays={
        "政府采购执行率": "101.17%",
        "“三公经费”控制率": "68%",
        "全区生活不能自理特困人员集中供养率": "73.47%",
    },
    sections={
        "dept_overview": _PAID,
        "dept_key_projects": {"实际支出 3540.56 万元": "实际支出 3540.57 万元"},
        # 88.89 % is the share of 项目支出 in the year's spending, not an execution rate
        "dept_expenditure": {"项目预算执行率 88.89%": "项目支出占全年支出的 88.89%"},
    },
    analyses={
        "重点支出安排率": _PAID,
        "管理效率": _PAID,
        "在职人员控制率": {"在职人员控制率为 1.09%": "在职人员控制率为 117.65%"},
        "政府采购执行率": {"政府采购执行率为 100%": "政府采购执行率为 101.17%"},
        "“三公经费”控制率": {"“三公经费”控制率为 70%": "“三公经费”控制率为 68%"},
        "固定资产利用率": {"实际在用固定资产价值 5140.09 元": "实际在用固定资产价值 5140.09 万元"},
        "城乡低保标准之比": _FULL_FOUR,
        "全区生活不能自理特困人员集中供养率": _FULL_FOUR,
        "区划管理界线界桩巡检完成率": _FULL_FOUR,
    },
    findings={},
    explanations={},
)

EDITS = {"project": PROJECT_EDITS, "department": DEPARTMENT_EDITS}
