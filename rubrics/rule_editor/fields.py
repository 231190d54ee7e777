"""The rule editor as a Django form field: a widget that draws the kind list and a form per kind, and a field
whose cleaned value is the rule (kind, params), checked by the engine as the admin, the import and scoring are.

Messages appear next to the box they concern. The field keeps the engine's messages on its widget, so the ones a
save raises later (a weight the points exceed, say) are drawn in the same places: ``RuleEditorField.report``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from rubrics.rule_editor.drafts import RuleDraft, draft_from_rule, rule_from_data
from rubrics.rule_editor.layout import editor_layout, sample_inputs
from rubrics.rule_editor.wording import people, without_indicator

TEMPLATE = "rubrics/rule_editor/editor.html"


class Rule(NamedTuple):
    """A rule as stored on an indicator: rule_kind and rule_params."""

    kind: str
    params: dict[str, Any]


def as_draft(value: Any) -> RuleDraft:
    """The draft to draw: a posted draft as typed, or a stored rule (Rule, (kind, params), {"kind", …})."""
    if isinstance(value, RuleDraft):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return draft_from_rule(*value)
    if isinstance(value, dict):
        return draft_from_rule(str(value.get("kind", "")), {k: v for k, v in value.items() if k != "kind"})
    return RuleDraft()


class RuleEditorWidget(forms.Widget):
    """A kind select, below it that kind's boxes (tables as rows), and a live preview beside them."""

    class Media:
        css = {"all": ("css/rule_editor.css",)}
        js = ("js/rule_editor.js",)

    def __init__(self, attrs: dict[str, Any] | None = None, *, preview: bool = True) -> None:
        super().__init__(attrs)
        self.preview = preview
        self.admin = False  # drawn in Django admin (no Bootstrap there)
        self.weight: Any = None  # the indicator's weight, the preview's first weight
        self.weight_source = ""  # the name of the form's weight box the preview follows
        self.messages: list[str] = []  # engine messages to pin to their boxes

    def value_from_datadict(self, data, files, name: str) -> RuleDraft:
        return rule_from_data(data, name)

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return f"{name}-kind" not in data

    def format_value(self, value: Any) -> Any:
        return value

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        draft = as_draft(value)
        for message in self.messages:
            draft.place(message)
        context = {
            "rule": editor_layout(name, draft),
            "preview": self.preview,
            "inputs": sample_inputs(),
            "preview_url": reverse("rule-preview"),
            "admin": self.admin,
            "weight": "" if self.weight is None else str(self.weight),
            "weight_source": self.weight_source,
        }
        return mark_safe(render_to_string(TEMPLATE, context))  # noqa: S308 - every value escaped by the template


class RuleEditorField(forms.Field):
    """A rule typed in the editor; cleaned to Rule(kind, params) (Rule("", {}) when no kind is chosen)."""

    widget = RuleEditorWidget
    default_error_messages = {"required": "请选择计分规则。"}

    def __init__(self, *, weight: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weight = weight  # when known, points above it are refused here already

    def to_python(self, value: Any) -> RuleDraft:
        return as_draft(value)

    def validate(self, value: RuleDraft) -> None:
        if not value.kind and self.required and not value.errors:
            raise ValidationError(self.error_messages["required"], code="required")

    def clean(self, value: Any) -> Rule:
        draft = self.to_python(value)
        self.validate(draft)
        problems = draft.check(self.weight)
        self.widget.messages = list(draft.verdict)  # drawn next to their boxes (a typing error is found again)
        if problems:
            raise ValidationError(problems)
        return Rule(draft.kind, draft.params if draft.kind else {})  # 指标值名称 alone is no rule

    def has_changed(self, initial: Any, data: Any) -> bool:
        before, after = as_draft(initial), as_draft(data)
        return (before.kind, before.params) != (after.kind, after.params)

    def report(self, messages: Iterable[str], kind: str) -> list[str]:
        """Messages about this rule raised by a save (the engine's, maybe prefixed 指标「…」：): pinned to their
        boxes when the editor is drawn again; returned in people's words."""
        messages = [without_indicator(message) for message in messages]
        self.widget.messages.extend(messages)
        return [people(kind, message) for message in messages]


class RuleModelForm(forms.ModelForm):
    """An indicator's admin form: rule_kind and rule_params edited as one rule, still checked by the model's
    clean_rule (with the weight typed in the same form)."""

    rule = RuleEditorField(label="计分规则", required=False, help_text="末级指标必选；有下级指标的指标由下级得分汇总。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rule"]
        field.initial = Rule(self.instance.rule_kind, self.instance.rule_params or {})
        field.widget.admin = True
        field.widget.weight = self.instance.weight
        field.widget.weight_source = self.add_prefix("weight")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = data.get("rule")
        if rule is not None:
            self.instance.rule_kind, self.instance.rule_params = rule.kind, rule.params
        return data

    def _update_errors(self, errors: ValidationError) -> None:
        """The model speaks of rule_kind and rule_params; this form has one rule field for both."""
        if hasattr(errors, "error_dict"):
            found = errors.error_dict
            about_rule = [m for key in ("rule_kind", "rule_params") for m in found.pop(key, [])]
            if about_rule and "rule" not in self.errors:
                kind = self.instance.rule_kind
                texts = [message for error in about_rule for message in error.messages]
                self.add_error("rule", self.fields["rule"].report(texts, kind))
            if not found:
                return
        super()._update_errors(errors)
