"""The change log's filter: by part of the evaluation and by person (GET parameters of the audit page)."""

from __future__ import annotations

from django import forms

SYSTEM = 0  # the person filter's value for changes made by the system (no account)


class AuditFilterForm(forms.Form):
    part = forms.ChoiceField(label="部分", required=False)
    person = forms.TypedChoiceField(label="人员", required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, parts, people) -> None:
        super().__init__(data)
        self.fields["part"].choices = [("", "全部"), *((part, part) for part in parts)]
        self.fields["person"].choices = [("", "全部"), *((person.pk or SYSTEM, person.name) for person in people)]
        self.fields["part"].error_messages["invalid_choice"] = "没有“%(value)s”这一部分，已显示全部修改记录。"
        self.fields["person"].error_messages["invalid_choice"] = "所选人员没有修改记录，已显示全部修改记录。"

    def selection(self) -> tuple[str, int | None]:
        """(part, person pk; 0 for the system): what to show; nothing filtered where the input was invalid."""
        if not self.is_bound or not self.is_valid():
            return "", None
        return self.cleaned_data["part"] or "", self.cleaned_data["person"]
