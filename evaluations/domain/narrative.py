"""Writing the report text: sections, per-indicator analysis, findings, recommendations and experiences.

Reading it (the outline, the lists, drafted analysis) is evaluations.queries.narrative.

Every save names the version the user started from (evaluations.domain.locking); a save over a newer version
is refused and nothing is overwritten. ``draft_all_analyses`` (起草全部) writes the drafts composed by
evaluations.queries.analysis_drafts into every leaf whose analysis is blank or an untouched earlier draft, and
overwrites a text of the team's own only when the user confirmed that very version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from evaluations.domain.freezing import assert_editable
from evaluations.domain.locking import FieldChange, StaleObjectError, save_versioned
from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    Finding,
    NarrativeSection,
)
from evaluations.narrative_html import clean_section_html, looks_like_html, plain_text
from evaluations.queries.analysis_drafts import LeafDraft, Standing, analysis_plan
from evaluations.queries.narrative import ITEM_KINDS, ITEM_LABELS, section_for

TITLE_MAX = 200
PREVIEW = 120  # characters of a changed value quoted in a conflict message


class NarrativeInputError(ValueError):
    """Bad input for a narrative form; the message is for the user."""


# --- conflicts ------------------------------------------------------------------------------------


def _short(value: object) -> str:
    text = "（空）" if value in (None, "") else str(value)
    if looks_like_html(text):  # a section's text: quoted as the words, never as tags
        text = plain_text(text) or "（空）"
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[:PREVIEW] + "……"


def conflict_message(error: StaleObjectError, name: str | None = None) -> str:
    """What the other person changed, with long texts shortened, and that nothing was saved."""
    detail = "；".join(f"「{c.label}」现为“{_short(c.theirs)}”" for c in error.changes) or "内容已被修改"
    return (
        f"「{name or error.obj}」已被他人修改（您打开的是版本 {error.expected}，"
        f"当前为版本 {error.current}）：{detail}。"
        "为避免覆盖，本次保存未生效；您填写的内容仍保留在表单中，请核对后再保存。"
    )


class DeletedError(ValueError):
    """The item was deleted by someone else meanwhile; nothing was saved."""


# --- sections -------------------------------------------------------------------------------------


@transaction.atomic
def save_section(*, evaluation: Evaluation, key: str, text: str, expected_version: int) -> NarrativeSection:
    """Save a section's text; version 0 means the user started from a section not yet written.

    The text is the editor's HTML (or plain text without the editor): stored as clean_section_html makes it.
    """
    section = section_for(evaluation, key)
    if section is None:
        raise NarrativeInputError("本类评价的报告没有这个章节。")
    text = clean_section_html(text)
    stored = NarrativeSection.objects.filter(evaluation=evaluation, key=key).first()
    if stored is None:  # not written yet (or removed by a re-import): this save creates it
        try:
            with transaction.atomic():
                return NarrativeSection.objects.create(evaluation=evaluation, key=key, text=text)
        except IntegrityError:  # created by someone else at the same moment: a conflict like any other
            stored = NarrativeSection.objects.get(evaluation=evaluation, key=key)
    stored.text = text
    save_versioned(stored, expected_version=expected_version, fields=["text"])
    NarrativeSection.objects.filter(pk=stored.pk).update(updated_at=timezone.now())  # update() skips auto_now
    return stored


# --- per-indicator analysis -----------------------------------------------------------------------


@transaction.atomic
def save_analysis(
    *, indicator: EvaluationIndicator, text: str, expected_version: int, drafted: str | None = None
) -> EvaluationIndicator:
    """Save an indicator's analysis: the editor's HTML (or plain text without the editor), stored as
    clean_section_html makes it. ``drafted``: what the drafter composes for it now; a text saved unchanged from
    the draft is remembered as drafted, so drafting again later may refresh it without asking."""
    indicator.analysis = clean_section_html(text)
    fields = ["analysis"]
    if drafted is not None and indicator.analysis and indicator.analysis == clean_section_html(drafted):
        indicator.analysis_drafted = indicator.analysis
        fields.append("analysis_drafted")
    return save_versioned(indicator, expected_version=expected_version, fields=fields)


DRAFT_ALL_REASON = "起草全部指标分析"


@dataclass
class DraftAllResult:
    """What 起草全部 did, leaf by leaf (each list holds the plan's LeafDraft entries)."""

    filled: list[LeafDraft] = field(default_factory=list)  # were blank
    refreshed: list[LeafDraft] = field(default_factory=list)  # were an untouched earlier draft
    overwritten: list[LeafDraft] = field(default_factory=list)  # the team's own text, overwritten as confirmed
    kept: list[LeafDraft] = field(default_factory=list)  # the team's own text, kept
    changed_since: list[LeafDraft] = field(default_factory=list)  # confirmed, but changed again since: kept
    current: list[LeafDraft] = field(default_factory=list)  # already the draft
    undraftable: list[LeafDraft] = field(default_factory=list)  # cannot be scored yet

    @property
    def written(self) -> list[LeafDraft]:
        return [*self.filled, *self.refreshed, *self.overwritten]

    def report(self) -> list[tuple[str, str]]:
        """What the user is told, as (level, sentence): success, info or warning."""
        lines = []
        if self.written:
            parts = [
                f"{label} {len(leaves)} 项"
                for label, leaves in (
                    ("原为空白", self.filled),
                    ("更新未修改过的起草稿", self.refreshed),
                    ("覆盖已编辑的分析", self.overwritten),
                )
                if leaves
            ]
            lines.append(("success", f"已起草 {len(self.written)} 项指标的分析（{'，'.join(parts)}）。"))
        else:
            lines.append(("info", "没有需要起草的分析。"))
        if self.current:
            lines.append(("info", f"{len(self.current)} 项的分析已与起草结果相同，未改动。"))
        if self.kept:
            lines.append(("info", f"保留了 {len(self.kept)} 项已编辑的分析：{_names(self.kept)}。"))
        if self.changed_since:
            lines.append(
                (
                    "warning",
                    f"{len(self.changed_since)} 项分析在您确认覆盖后又被修改，为避免覆盖他人的修改，未重新起草："
                    f"{_names(self.changed_since)}。",
                )
            )
        if self.undraftable:
            reasons = "；".join(f"「{leaf.indicator.name}」{leaf.problem}" for leaf in self.undraftable[:NAMES_LISTED])
            more = "等" if len(self.undraftable) > NAMES_LISTED else ""
            lines.append(("warning", f"{len(self.undraftable)} 项尚不能计分，未起草：{reasons}{more}。"))
        return lines


NAMES_LISTED = 5  # indicators named in a message; more are summed up by "等"


def _names(leaves: list[LeafDraft]) -> str:
    names = "".join(f"「{leaf.indicator.name}」" for leaf in leaves[:NAMES_LISTED])
    return names + ("等" if len(leaves) > NAMES_LISTED else "")


@transaction.atomic
def draft_all_analyses(
    *, evaluation: Evaluation, overwrite: Mapping[int, int] | None = None, user=None
) -> DraftAllResult:
    """起草全部: draft every leaf's analysis in one write.

    Blank analyses and untouched earlier drafts are drafted. A text of the team's own is overwritten only when
    ``overwrite`` names its indicator with the version the user saw when confirming ({indicator pk: version});
    one edited again since is kept and reported. Each written analysis gets a new version (an editor open on it
    will not save over the draft unseen) and a history record.
    """
    assert_editable(evaluation)  # the rows are bulk-updated, which bypasses the model guard
    overwrite = overwrite or {}
    indicators = list(EvaluationIndicator.objects.select_for_update().filter(evaluation=evaluation))
    plan = analysis_plan(evaluation, indicators)
    result = DraftAllResult()
    for leaf in plan.leaves:
        pk, standing = leaf.indicator.pk, leaf.standing
        if standing is Standing.BLANK:
            result.filled.append(leaf)
        elif standing is Standing.DRAFTED and leaf.stale:
            result.refreshed.append(leaf)
        elif standing in (Standing.DRAFTED, Standing.CURRENT):
            result.current.append(leaf)
        elif standing is Standing.UNDRAFTABLE:
            result.undraftable.append(leaf)
        elif pk in overwrite and overwrite[pk] == leaf.indicator.version:
            result.overwritten.append(leaf)
        elif pk in overwrite:
            result.changed_since.append(leaf)
        else:
            result.kept.append(leaf)
    changed = []
    for leaf in result.written:
        indicator = leaf.indicator
        indicator.analysis = indicator.analysis_drafted = leaf.draft
        indicator.version += 1
        changed.append(indicator)
    if changed:
        bulk_update_with_history(
            changed,
            EvaluationIndicator,
            ["analysis", "analysis_drafted", "version"],
            default_user=user,
            default_change_reason=DRAFT_ALL_REASON,
        )
    return result


# --- findings, recommendations, experiences -------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise NarrativeInputError("请填写标题。")
    if len(title) > TITLE_MAX:
        raise NarrativeInputError(f"标题最多 {TITLE_MAX} 个字，现为 {len(title)} 个字。")
    return title


def _indicators(evaluation: Evaluation, ids: Iterable) -> list[EvaluationIndicator]:
    try:
        wanted = {int(value) for value in ids}
    except (TypeError, ValueError):
        raise NarrativeInputError("关联指标无效，请刷新页面后重新选择。") from None
    found = list(evaluation.indicators.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NarrativeInputError("所选的关联指标不属于本评价，请刷新页面后重新选择。")
    return found


def _finding(evaluation: Evaluation, value) -> Finding | None:
    if value in (None, ""):
        return None
    try:
        return evaluation.findings.get(pk=int(value))
    except (TypeError, ValueError, Finding.DoesNotExist):
        raise NarrativeInputError("所选的问题不存在（可能已被删除），请刷新页面后重新选择。") from None


@transaction.atomic
def save_item(
    *,
    evaluation: Evaluation,
    kind: str,
    item_pk: int | None,
    title: str,
    text: str,
    expected_version: int = 0,
    indicator_ids: Iterable = (),
    finding_pk=None,
):
    """Create (item_pk None, appended at the end) or update a finding, recommendation or experience."""
    model = ITEM_KINDS[kind]
    title = _clean_title(title)
    text = (text or "").replace("\r\n", "\n").strip()
    indicators = _indicators(evaluation, indicator_ids) if kind == "finding" else None
    finding = _finding(evaluation, finding_pk) if kind == "recommendation" else None
    if item_pk is None:
        last = model.objects.filter(evaluation=evaluation).aggregate(last=Max("order"))["last"] or 0
        item = model(evaluation=evaluation, title=title, text=text, order=last + 1)
        if kind == "recommendation":
            item.finding = finding
        item.save()
    else:
        item = model.objects.filter(evaluation=evaluation, pk=item_pk).first()
        if item is None:
            raise DeletedError(f"该{ITEM_LABELS[kind]}已被他人删除，本次保存未生效。")
        item.title, item.text = title, text
        fields = ["title", "text"]
        if kind == "recommendation":
            item.finding = finding
            fields.append("finding")
        save_versioned(item, expected_version=expected_version, fields=fields)
    if indicators is not None:
        item.indicators.set(indicators)
    return item


@transaction.atomic
def delete_item(*, evaluation: Evaluation, kind: str, item_pk: int, expected_version: int) -> None:
    model = ITEM_KINDS[kind]
    item = model.objects.filter(evaluation=evaluation, pk=item_pk).first()
    if item is None:
        return  # already gone: what the user wanted
    if item.version != expected_version:
        raise StaleObjectError(item, expected_version, item.version, [])
    model.objects.filter(pk=item.pk, version=expected_version).delete()
    _renumber(model, evaluation)


def _renumber(model, evaluation: Evaluation, ordered: list | None = None) -> None:
    items = ordered if ordered is not None else list(model.objects.filter(evaluation=evaluation))
    changed = []
    for order, item in enumerate(items, start=1):
        if item.order != order:
            item.order = order
            changed.append(item)
    model.objects.bulk_update(changed, ["order"])


@transaction.atomic
def move_item(*, evaluation: Evaluation, kind: str, item_pk: int, expected_version: int, direction: str) -> None:
    """Move an item one place up or down; the moved item's version guards against moving a stale view."""
    model = ITEM_KINDS[kind]
    items = list(model.objects.select_for_update().filter(evaluation=evaluation).order_by("order", "pk"))
    index = next((i for i, item in enumerate(items) if item.pk == item_pk), None)
    if index is None:
        raise DeletedError(f"该{ITEM_LABELS[kind]}已被他人删除。")
    item = items[index]
    if item.version != expected_version:
        raise StaleObjectError(item, expected_version, item.version, [FieldChange("排序", item.order, "")])
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    _renumber(model, evaluation, items)
    model.objects.filter(pk=item.pk).update(version=item.version + 1)
