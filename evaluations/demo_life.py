"""The demo's whole life: evaluations in every state, with something real in every demo account's 待办.

The two seed evaluations stay drafts with their errors (evaluations.demo). Beside them, copies of the seeds for
other years (evaluations.demo_copies) are corrected the way an evaluator corrects them (evaluations.demo_edits)
and carried through the workflow by the demo accounts: reviewed level by level (one of them sent back once with a
comment), consulted (the unit's comments, answered or waiting for an answer), submitted, approved (the final report
rendered in the background) and followed up (rectification items: one accepted by the bureau, one submitted again
after a return and waiting for acceptance, one sent back, overdue and reminded).

Everything goes through the services the pages call: import_document, save_scoring, the narrative saves, explain
and decide, the consultation comments and answers, workflow.perform and the rectification services (the unit's
report with its evidence, the bureau's acceptance, return and reminder). Each step commits
on its own, so every hand-off requests the report of exactly the state it hands on, as in real use.

Idempotent like load_demo: an evaluation already there is left as it is. ``reset`` removes the lifecycle
evaluations and builds them again, except the approved ones: an approved evaluation is frozen and cannot be deleted
(evaluations.domain.freezing), so it is kept as the record it is. The seeds are never touched here.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from evaluations.demo import ACCOUNTS, FIRM, LUOHU_UNIT, SEED_DOCUMENTS, DemoError
from evaluations.demo_copies import copy_for_year
from evaluations.demo_edits import EDITS, DemoEditError, correct_finding
from evaluations.domain import rectification
from evaluations.domain.commissions import create_commission
from evaluations.domain.errors import EditError
from evaluations.domain.explanations import decide
from evaluations.domain.freezing import is_frozen
from evaluations.domain.importing import import_document
from evaluations.domain.review import add_consultation_comment, answer_consultation_comment
from evaluations.domain.workflow import perform
from evaluations.models import (
    LEVEL_LABELS,
    REVIEW_ROLES,
    Commission,
    CommissionState,
    ConsultationDecision,
    Evaluation,
    EvaluationState,
    ExplanationStatus,
    Organisation,
    RectificationItem,
    User,
)
from rubrics.document import DocumentError
from rubrics.models import EvaluationKind

S = EvaluationState
EVALUATOR = "evaluator"
# The unit and the bureau of each seed's copies (the demo accounts of those organisations).
SIDES = {"project": ("unit_luohu", "bureau_luohu"), "department": ("unit", "bureau")}
ACCEPTED = "已核对财务支付凭证与发放名册，说明属实，予以认可。"
# What each level's reviewer signs when passing (复核意见), and the bureau's approval (审批意见).
PASSED = {
    1: "已逐项核对基础数据表、计分输入与佐证材料，得分计算无误，报告数字与表格一致，同意提交二级复核。",
    2: "评价指标体系、评分依据和问题清单表述恰当，证据充分，同意提交三级审核。",
    3: "评价结论客观，问题与建议对应，报告符合出具要求，同意按程序征求意见。",
}
APPROVED = "同意该评价报告，评价结论和问题清单予以确认，请被评价单位按问题清单落实整改。"


@dataclass(frozen=True)
class Comment:
    """A consultation comment: who ("unit" or "bureau" of the evaluation), on what, and the team's answer
    (none: it waits in the evaluator's 待办). ``edit``: the corrections an adopted comment leads to."""

    by: str
    text: str
    finding: str = ""
    indicator: str = ""
    decision: str = ""
    reason: str = ""
    edit: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The unit's report on a rectification item: its measures and one evidence document (name, lines)."""

    measures: str
    file: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Rectified:
    """What happens to the rectification item of one finding: the unit's reports, each followed by the bureau's
    decision (``decisions``: "accept:意见" or "return:意见"; fewer decisions than reports leaves the last one
    waiting for acceptance). ``overdue_days``: the deadline lies that many days back; ``reminder``: the bureau's
    催办 text."""

    finding: str
    reports: tuple[Report, ...]
    decisions: tuple[str, ...] = ()
    overdue_days: int = 0
    reminder: str = ""


@dataclass(frozen=True)
class Life:
    """One lifecycle evaluation: a copy of ``seed`` for ``year`` and how far its story goes."""

    seed: str  # "project" | "department"
    year: int
    state: str  # the state it is left in
    shows: str  # what a newcomer sees in it (the command prints it)
    levels: int = 3  # internal review levels passed
    sent_back: bool = False  # reviewer1 returns it once (reject_review, with a comment) before passing it
    comments: tuple[Comment, ...] = ()
    decide_explanations: bool = True  # the reviewer accepts the explanations; False: they wait for reviewer1
    rectified: tuple[Rectified, ...] = ()  # what the unit and the bureau did on the rectification items

    @property
    def title(self) -> str:
        return _header(self.seed, self.year)[1]


def _sent_back(year: int) -> str:
    return (
        "问题「预算编制精准性不足」写“调整为 31.87 万元”“调剂率 81.95%”，与表3-2 生活扶助金的指标金额 31.89 万元、"
        f"调剂率 81.94% 不一致；指标「产出时效」的分析中“2013 年 2 月 17 日”应为 {year} 年。请改正后重新提交。"
    )


LIVES = (
    # Built first: the worker renders in the order the hand-offs asked, so the final reports come first.
    Life(
        "project",
        2021,
        S.RECTIFICATION,
        "整改跟踪：一项已验收，一项退回后重新提交、待财政局验收，一项被退回且已逾期、财政局已催办",
        comments=(
            Comment(
                "unit",
                "八一建军节慰问金晚于 8 月 1 日发放，是因为退役军人事务部门提供的困难退役军人名单 8 月上旬才核定，"
                "建议在问题中写明原因。",
                finding="年度指标值与实际完成值存在偏差",
                decision=ConsultationDecision.ADOPTED,
                reason="已在问题描述中补充延迟发放的原因。",
                edit={"项目完成不及时。": "项目完成不及时，主要原因是困难退役军人名单 8 月上旬才完成核定。"},
            ),
        ),
        rectified=(
            Rectified(
                "项目未进行满意度调查",
                (
                    Report(
                        "已委托第三方机构于 2022 年 3 月对 600 户受助对象开展满意度抽样调查，回收有效问卷 582 份，"
                        "总体满意度 93.6%；调查结果已纳入年度绩效自评，今后每年开展一次。",
                        "受助对象满意度调查报告.docx",
                        ("受助对象满意度调查报告", "调查时间：2022 年 3 月", "有效问卷 582 份，总体满意度 93.6%。"),
                    ),
                ),
                decisions=("accept:调查报告、问卷样本和统计表齐全，满意度调查已常态化，验收通过。",),
            ),
            Rectified(
                "年度指标值与实际完成值存在偏差",
                (
                    Report(
                        "已修订绩效目标申报指引，要求各科室按上年实际完成值测算年度指标值。",
                        "绩效目标申报指引（修订）.docx",
                        ("罗湖区民政局绩效目标申报指引（修订）", "年度指标值按上年实际完成值及政策变化测算。"),
                    ),
                    Report(
                        "已修订绩效目标申报指引，要求各科室按上年实际完成值测算年度指标值；2022 年度 8 项指标已按"
                        "指引重新测算并报区财政局备案，偏差均在 5% 以内。",
                        "2022 年度绩效目标测算表.docx",
                        ("2022 年度绩效目标测算表", "8 项指标按上年实际完成值重新测算，偏差均在 5% 以内。"),
                    ),
                ),
                decisions=("return:只见修订后的指引，未见按指引重新测算的年度指标值，请补充测算表及备案材料。",),
            ),
            Rectified(
                "预算编制精准性不足",
                (
                    Report(
                        "拟在下一年度预算编制中细化生活扶助金测算依据。",
                        "预算编制说明.docx",
                        ("生活扶助金预算编制说明", "拟按上年实际发放人数和标准测算。"),
                    ),
                ),
                decisions=("return:只有计划，没有完成情况：请报送细化后的预算测算明细及调剂审批材料。",),
                overdue_days=12,
                reminder="该事项已逾期，请于 5 个工作日内报送整改完成情况。",
            ),
        ),
    ),
    Life(
        "project",
        2022,
        S.APPROVED,
        "已批准：最终报告（无“草稿”）、归档包；两项数据说明经一级审核认可，征求意见已逐条答复",
        comments=(
            Comment(
                "unit",
                "全年投诉事项均已办结并逐一回访，建议在问题中予以说明。",
                finding="项目未进行满意度调查",
                decision=ConsultationDecision.ADOPTED,
                reason="已在问题描述中补充投诉办结和回访情况。",
                edit={"等不太满意。": "等不太满意。区民政局已对投诉事项逐一办结并回访。"},
            ),
            Comment(
                "bureau",
                "建议写明生活扶助金改由街道发放的文件依据。",
                finding="预算编制精准性不足",
                decision=ConsultationDecision.REJECTED,
                reason="问题描述已写明依据《罗湖区民政局关于做好社会救助及残疾人两贴资金发放工作的通知》，无需补充。",
            ),
        ),
    ),
    Life(
        "department",
        2021,
        S.SUBMITTED,
        "已提交：待罗庄区财政局审核批准或退回",
        comments=(
            Comment(
                "unit",
                "罗庄街道、盛庄街道的公益性公墓已列入下一年度建设计划，建议在问题中予以说明。",
                finding="公墓建设布局不合理",
                decision=ConsultationDecision.ADOPTED,
                reason="已在问题描述中补充两街道公益性公墓的建设计划。",
                edit={"黄山镇南面。": "黄山镇南面。罗庄街道、盛庄街道的公益性公墓已列入下一年度建设计划。"},
            ),
        ),
    ),
    Life(
        "project",
        2024,
        S.CONSULTATION,
        "征求意见：一级审核曾退回修改一次；罗湖区民政局提出两条意见，一条已答复、一条待评价小组答复",
        sent_back=True,
        comments=(
            Comment(
                "unit",
                "生活扶助金自 3 月起改由街道直接发放，属于政策调整，并非年初预算编制不精准，建议调整该问题的表述。",
                finding="预算编制精准性不足",
                decision=ConsultationDecision.REJECTED,
                reason="调剂率达 81.94%，反映年初预算与全年需求偏差较大；调整原因已在问题中写明，保留原表述。",
            ),
            Comment(
                "unit",
                "我局全年通过 12345 热线和入户走访了解受助对象意见，建议在满意度评分中予以考虑。",
                indicator="困难群众满意度",
            ),
        ),
    ),
    Life("department", 2023, S.INTERNAL_REVIEW, "内部复核：一级审核已通过，待二级复核", levels=1),
    Life("department", 2024, S.INTERNAL_REVIEW, "内部复核：一级审核、二级复核已通过，待三级审核", levels=2),
    Life(
        "project",
        2025,
        S.INTERNAL_REVIEW,
        "内部复核：待一级审核，两项数据说明待审核人认可",
        levels=0,
        decide_explanations=False,
    ),
)


# --- the steps -----------------------------------------------------------------------------------------


class _Story:
    """One lifecycle evaluation being built, with the demo accounts acting in it."""

    def __init__(self, life: Life, users: dict[str, User]) -> None:
        self.life = life
        self.unit, self.bureau = (users[name] for name in SIDES[life.seed])
        self.evaluator = users[EVALUATOR]
        self.edits = EDITS[life.seed]
        self.evaluation: Evaluation | None = None

    def step(self, name: str, user: User, comment: str = "") -> None:
        perform(self.evaluation, name, user=user, comment=comment)
        self.evaluation.refresh_from_db()

    def reviewer(self) -> User:
        """The team member signing the evaluation's current review level."""
        role = REVIEW_ROLES[self.evaluation.review_level]
        member = self.evaluation.team.filter(role=role, user__isnull=False).select_related("user").first()
        if member is None:
            raise DemoError(f"「{self.evaluation}」的评价小组中没有{LEVEL_LABELS[self.evaluation.review_level]}账号。")
        return member.user

    def build(self) -> Evaluation:
        life, evaluator = self.life, self.evaluator
        document = copy_for_year(SEED_DOCUMENTS[life.seed], life.year)
        try:
            self.evaluation = import_document(document, user=evaluator)
        except DocumentError as error:
            raise DemoError(f"演示评价「{life.title}」载入失败：\n" + "\n".join(error.errors)) from None
        self.step("start_collecting", evaluator)
        self.step("start_scoring", evaluator)
        self.edits.give_reasons(self.evaluation, evaluator)
        self.edits.explain(self.evaluation, evaluator)
        if life.sent_back:  # the prose slipped through the first time: the first-level reviewer sends it back
            self.step("submit_review", evaluator)
            self._decide_explanations()
            self.step("reject_review", self.reviewer(), comment=_sent_back(life.year))
        self.edits.correct_prose(self.evaluation, evaluator)
        self.step("submit_review", evaluator)
        for _ in range(life.levels):
            if life.decide_explanations:
                self._decide_explanations()
            self.step("pass_review", self.reviewer(), comment=PASSED[self.evaluation.review_level])
        if life.comments:
            self._consult()
        if life.state in (S.SUBMITTED, S.APPROVED, S.RECTIFICATION):
            self.step("submit", evaluator)
        if life.state in (S.APPROVED, S.RECTIFICATION):
            self.step("approve", self.bureau, comment=APPROVED)
        if life.state == S.RECTIFICATION:
            self.step("start_rectification", self.bureau)  # one item per finding, the unit responsible
        for rectified in life.rectified:
            self._rectify(rectified)
        if self.evaluation.state != life.state:
            raise DemoError(f"演示评价「{life.title}」停在“{self.evaluation.get_state_display()}”，应为所定状态。")
        return self.evaluation

    def _decide_explanations(self) -> None:
        pending = self.evaluation.explanations.filter(status=ExplanationStatus.PENDING)
        for explanation in pending:
            decide(explanation=explanation, user=self.reviewer(), accept=True, comment=ACCEPTED)

    def _consult(self) -> None:
        evaluation = self.evaluation
        for comment in self.life.comments:
            author = self.unit if comment.by == "unit" else self.bureau
            written = add_consultation_comment(
                evaluation=evaluation,
                user=author,
                text=comment.text,
                finding=evaluation.findings.get(title=comment.finding) if comment.finding else None,
                indicator=evaluation.indicators.get(name=comment.indicator) if comment.indicator else None,
            )
            if not comment.decision:
                continue
            if comment.edit:  # adopted: the team revises the draft before answering (第十八条)
                correct_finding(evaluation, self.evaluator, comment.finding, comment.edit)
            answer_consultation_comment(
                comment=written, user=self.evaluator, decision=comment.decision, reason=comment.reason
            )

    def _rectify(self, rectified: Rectified) -> None:
        """The unit reports (with its evidence) and the bureau decides, turn by turn, through the services."""
        item = self.evaluation.rectification_items.get(finding__title=rectified.finding)
        for index, report in enumerate(rectified.reports):
            item = rectification.report(
                item=item,
                user=self.unit,
                expected_version=item.version,
                measures=report.measures,
                uploads=[_document(report.file, report.lines)],
                submit=True,
            )
            if index < len(rectified.decisions):
                verdict, _, comment = rectified.decisions[index].partition(":")
                act = rectification.accept if verdict == "accept" else rectification.send_back
                item = act(item=item, user=self.bureau, expected_version=item.version, comment=comment)
        if rectified.overdue_days:
            # The demo cannot wait for a deadline to pass, and nobody may set one in the past: it is moved back here.
            past = timezone.localdate() - dt.timedelta(days=rectified.overdue_days)
            RectificationItem.objects.filter(pk=item.pk).update(deadline=past)
            item.refresh_from_db()
        if rectified.reminder:
            rectification.remind(item=item, user=self.bureau, comment=rectified.reminder)


def _document(name: str, lines: tuple[str, ...]) -> SimpleUploadedFile:
    """A small Word document as the unit's evidence: its first line the title."""
    document = Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue())


# --- building ------------------------------------------------------------------------------------------


@dataclass
class DemoLife:
    """What build_demo_life left: each story's evaluation, the approved ones a reset had to keep, and the
    commission waiting in the evaluator's 待办."""

    evaluations: list[tuple[Life, Evaluation]] = field(default_factory=list)
    kept: list[Evaluation] = field(default_factory=list)
    commission: Commission | None = None


# 罗湖区财政局 commissions the firm to evaluate 罗湖区民政局's whole 2023 budget; accepting it prefills 基础表4 from the
# registered 2023 budget of 困难群体救助 (evaluations.demo). It waits for the evaluator to accept or decline.
COMMISSION_YEAR = 2023
COMMISSION_OUTLINE = (
    "按《部门整体支出绩效评价参考提纲》撰写，重点关注困难群体救助资金的预算执行和发放及时性；"
    "报告附部门整体绩效评价指标评分表和基础数据表。"
)


def _demo_commission(users: dict[str, User], *, reset: bool) -> Commission:
    unit = Organisation.objects.get(name=LUOHU_UNIT)
    subject = {"evaluated_unit": unit, "kind": EvaluationKind.DEPARTMENT, "year": COMMISSION_YEAR}
    existing = Commission.objects.filter(**subject).order_by("-pk").first()
    if existing is not None and reset and existing.state != CommissionState.ACCEPTED:
        Commission.objects.filter(**subject).exclude(state=CommissionState.ACCEPTED).delete()
        existing = None
    if existing is not None:
        return existing
    try:
        return create_commission(
            user=users["bureau_luohu"],
            firm=Organisation.objects.get(name=FIRM),
            deadline=timezone.localdate() + timedelta(days=90),
            outline=COMMISSION_OUTLINE,
            **subject,
        )
    except EditError as error:
        raise DemoError(f"演示评价任务未能下达：{error}") from error


@cache
def _header(seed: str, year: int) -> tuple[str, str]:
    """(evaluated unit, title) of a seed's copy for a year: how its evaluation is found again."""
    header = copy_for_year(SEED_DOCUMENTS[seed], year)["evaluation"]
    return header["agency"], header["title"]


def _existing(life: Life) -> Evaluation | None:
    unit, title = _header(life.seed, life.year)
    return Evaluation.objects.filter(evaluated_unit__name=unit, year=life.year, title=title).first()


def _discard(evaluation: Evaluation) -> bool:
    """Remove a lifecycle evaluation (on reset, or left half-built by a failure). An approved one is frozen
    (evaluations.domain.freezing): it is the record, and it stays."""
    if is_frozen(evaluation):
        return False
    evaluation.delete()
    return True


def build_demo_life(*, reset: bool = False) -> DemoLife:
    """Build the lifecycle evaluations (after load_demo: the accounts, organisations and templates exist)."""
    users = {user.username: user for user in User.objects.filter(username__in=[a.username for a in ACCOUNTS])}
    result = DemoLife()
    for life in LIVES:
        existing = _existing(life)
        if existing is not None and reset:
            if _discard(existing):
                existing = None
            else:
                result.kept.append(existing)
        if existing is not None:
            result.evaluations.append((life, existing))
            continue
        story = _Story(life, users)
        try:
            result.evaluations.append((life, story.build()))
        except Exception as error:
            if story.evaluation is not None:  # never leave a half-built evaluation: the next run builds it whole
                _discard(story.evaluation)
            if isinstance(error, DemoError):
                raise
            if isinstance(error, DemoEditError | ValueError):  # a refused step: the services say why
                raise DemoError(f"演示评价「{life.title}」未能建成：{error}") from error
            raise
    result.commission = _demo_commission(users, reset=reset)
    return result
