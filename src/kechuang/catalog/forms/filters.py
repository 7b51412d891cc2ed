"""The filter panels of the public lists of needs, achievements and experts."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.forms.base import (
    ChoicesForm,
    CodeField,
    RegionSelect,
    _with_blank,
    cooperation_mode_choices,
    discipline_choices,
    region_filter_choices,
)
from kechuang.web.forms import industry_choices


class ListingFilterForm(ChoicesForm):
    """The filter panel of the public lists. Bad values filter nothing (they are not errors)."""

    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    region = CodeField(label=_("地区"), required=False, widget=RegionSelect)
    industry = CodeField(label=_("行业"), required=False)
    discipline = CodeField(label=_("学科"), required=False)
    cooperation_mode = CodeField(label=_("合作方式"), required=False)
    trl_min = forms.TypedChoiceField(
        label=_("技术就绪度不低于"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args: Any, with_trl: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_trl:
            del self.fields["trl_min"]
        else:
            # Built per form, not at import, so the labels follow the request's language.
            trl = cast(forms.ChoiceField, self.fields["trl_min"])
            trl.choices = [("", _("不限")), *[(n, _("%(n)d 级") % {"n": n}) for n in range(1, 10)]]
        current = self.data.get("region") if self.is_bound else None
        self.set_choices("region", region_filter_choices(include=current))
        self.set_choices("industry", _with_blank(industry_choices(), _("全部行业")))
        self.set_choices("discipline", [("", _("全部学科")), *discipline_choices()])
        self.set_choices("cooperation_mode", [("", _("全部方式")), *cooperation_mode_choices()])

    def values(self) -> dict[str, Any]:
        """Cleaned values, or blanks for whatever did not parse."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or ("" if name != "trl_min" else None) for name in self.fields}


class ExpertFilterForm(ChoicesForm):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    region = CodeField(label=_("地区"), required=False, widget=RegionSelect)
    discipline = CodeField(label=_("学科"), required=False)
    frontline = forms.BooleanField(label=_("只看一线科技人员"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.data.get("region") if self.is_bound else None
        self.set_choices("region", region_filter_choices(include=current))
        self.set_choices("discipline", [("", _("全部学科")), *discipline_choices()])

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "region": data.get("region") or "",
            "discipline": data.get("discipline") or "",
            "frontline": True if data.get("frontline") else None,
        }
