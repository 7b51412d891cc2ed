"""What the catalog forms are built from: laid-out forms, code fields, choices (the
vocabulary's fields and choices are the shell's, ``web/forms.py``: the search page uses them too).

The code fields accept any value: an unknown code posted by hand is the service's
to reject, with the same message the API gives.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.web.forms import ChoicesForm as ChoicesForm
from kechuang.web.forms import CodeField as CodeField
from kechuang.web.forms import _with_blank as _with_blank
from kechuang.web.forms import cooperation_mode_choices as cooperation_mode_choices
from kechuang.web.forms import discipline_choices as discipline_choices
from kechuang.web.forms import region_filter_choices as region_filter_choices

Choices = list[tuple[Any, Any]]
# (section title, [(field name, columns of 12 on wide screens)])
Layout = list[tuple[Any, list[tuple[str, int]]]]
MONEY_SUFFIX = _("万元")


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


def _text(label: Any, *, rows: int | None = None, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
