"""The evaluation's basic facts (评价名称、评价期间、报告日期): corrected by the team while the evaluation is editable,
so a true fact (a Q4 subsidy paid in January of the next year) is never falsified to fit a wrong period."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from evaluations.domain.errors import EditError, FieldErrors, lock, text_of
from evaluations.models import Evaluation, User
from evaluations.queries.access import can_edit_evaluation

MAX_TITLE = 200
FIELDS = ("title", "period_start", "period_end", "report_date")


def fingerprint(evaluation: Evaluation) -> str:
    """The basic facts as a page showed them: a save made on older facts is refused, never silently applied."""
    return "|".join(str(getattr(evaluation, name) or "") for name in FIELDS)


def period_problems(
    year: int, period_start: date | None, period_end: date | None, report_date: date | None = None
) -> FieldErrors:
    """The one rule for an evaluation's period (creation, acceptance of a commission, 基本信息): it ends no earlier
    than it starts and holds at least one day of the evaluation year (it may reach into the next year); the report
    is not dated before the period starts."""
    errors = FieldErrors()
    if period_start and period_end:
        if period_start > period_end:
            errors.add("period_end", f"评价期间止（{period_end}）不能早于评价期间起（{period_start}）。")
        elif period_end < date(year, 1, 1) or period_start > date(year, 12, 31):
            errors.add("period_start", f"评价期间（{period_start} 至 {period_end}）不含评价年度 {year} 年的任何一天。")
    if report_date and period_start and report_date < period_start:
        errors.add("report_date", f"报告日期（{report_date}）不能早于评价期间起（{period_start}）。")
    return errors


@transaction.atomic
def update_basics(
    *,
    evaluation: Evaluation,
    user: User,
    title: str,
    period_start: date | None,
    period_end: date | None,
    report_date: date | None,
    seen: str | None = None,
) -> list[str]:
    """Check every fact first, then save them together; returns what changed, in words (empty when nothing did).

    The period must contain at least one day of the evaluation year; it may reach into the next year (payments of
    the year's work made in January), which the date checks then accept. ``seen``: the fingerprint of the facts
    the page showed (None: not checked)."""
    if not can_edit_evaluation(user, evaluation):
        raise EditError("只有本评价小组的评价人员在评价可编辑时才能修改基本信息。")
    errors = FieldErrors()
    title = text_of(title)
    if not title:
        errors.add("title", "请填写评价名称。")
    elif len(title) > MAX_TITLE:
        errors.add("title", f"评价名称最多 {MAX_TITLE} 个字，现为 {len(title)} 个字。")
    elif (
        Evaluation.objects.filter(evaluated_unit=evaluation.evaluated_unit_id, year=evaluation.year, title=title)
        .exclude(pk=evaluation.pk)
        .exists()
    ):
        errors.add(
            "title", f"「{evaluation.evaluated_unit}」{evaluation.year} 年度已有名为「{title}」的评价，请换一个名称。"
        )
    if period_start is None:
        errors.add("period_start", "请填写评价期间起。")
    if period_end is None:
        errors.add("period_end", "请填写评价期间止。")
    for field, messages in period_problems(evaluation.year, period_start, period_end, report_date).items():
        for message in messages:
            errors.add(field, message)
    errors.raise_if_any()

    locked = lock(evaluation)
    if seen is not None and seen != fingerprint(locked):
        raise EditError("基本信息在您打开页面后已被他人修改，本次未保存。请刷新页面，核对最新内容后再修改。")
    new = dict(zip(FIELDS, (title, period_start, period_end, report_date), strict=True))
    labels = {"title": "评价名称", "period_start": "评价期间起", "period_end": "评价期间止", "report_date": "报告日期"}
    changed = [labels[name] for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return []
    for name, value in new.items():
        setattr(locked, name, value)
    locked._change_reason = "修改基本信息：" + "、".join(changed)  # read by simple_history for the audit trail
    locked.save(update_fields=[*new, "updated_at"])
    for name, value in new.items():
        setattr(evaluation, name, value)
    return changed
