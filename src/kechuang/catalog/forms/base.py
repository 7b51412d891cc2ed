"""What the catalog forms are built from: laid-out forms, code fields, choices.

The code fields accept any value: an unknown code posted by hand is the service's
to reject, with the same message the API gives.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.vocab.models import CooperationMode, Discipline, localized
from kechuang.web.forms import region_choices

Choices = list[tuple[Any, Any]]
# (section title, [(field name, columns of 12 on wide screens)])
Layout = list[tuple[Any, list[tuple[str, int]]]]
MONEY_SUFFIX = _("万元")


class ChoicesForm(forms.Form):
    def set_choices(self, name: str, choices: Choices) -> None:
        """Fill a select's choices when the form is built (they come from the database)."""
        cast(forms.ChoiceField, self.fields[name]).choices = choices


class LaidOutForm(ChoicesForm):
    """A form whose page groups its fields into titled sections (``layout``)."""

    layout: Layout = []
    required_fields: tuple[str, ...] = ()
    money_fields: tuple[str, ...] = ()

    def mark_required(self) -> None:
        for name in self.required_fields:
            if name in self.fields:
                self.fields[name].show_required = True  # type: ignore[attr-defined]

    def sections(self) -> list[dict[str, Any]]:
        """The layout as bound fields, leaving out fields this form instance dropped."""
        return [
            {
                "title": title,
                "fields": [
                    {
                        "field": self[name],
                        "width": width,
                        "suffix": MONEY_SUFFIX if name in self.money_fields else "",
                    }
                    for name, width in names
                    if name in self.fields
                ],
            }
            for title, names in self.layout
        ]


class CodeField(forms.ChoiceField):
    """A select whose value the service checks (so a forged code gets the service's error)."""

    def valid_value(self, value: Any) -> bool:
        return True


class RegionSelect(forms.Select):
    """The region select: provinces and cities as options (what works without script), made
    searchable down to district level by web/kechuang.js, which asks ``web:region_search``."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "data-region-search": reverse_lazy("web:region_search"),
                "data-no-results": _("没有找到这个地区"),
                "data-placeholder": _("输入地名搜索，如 西湖区"),
                **(attrs or {}),
            }
        )


class CodesField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def discipline_choices() -> Choices:
    rows = Discipline.objects.values_list("code", "name", "name_en")
    return [(code, f"{code} {localized(name, en)}") for code, name, en in rows]


def cooperation_mode_choices() -> Choices:
    rows = CooperationMode.objects.values_list("code", "name", "name_en")
    return [(code, localized(name, en)) for code, name, en in rows]


def region_filter_choices(*, include: str | None = None) -> Choices:
    """Every province and city, and ``include`` (the district filtered by now, say)."""
    wellformed = include if include and len(include) == 6 and include.isdigit() else None
    choices = region_choices(include=wellformed)
    return [("", _("全部地区")), *choices[1:]]


def _with_blank(choices: Choices, label: Any) -> Choices:
    return [("", label), *[c for c in choices if c[0] != ""]]


def _text(label: Any, *, rows: int | None = None, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
