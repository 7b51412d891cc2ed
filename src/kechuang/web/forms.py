"""The shell's form helpers: the vocabulary's fields and choices every app's forms show
(regions, industries, disciplines, cooperation modes), and the select filled when a form is
built. The organisation forms are ``orgs/forms.py``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region, localized

Choices = list[tuple[Any, Any]]


def region_choices(*, include: str | None = None) -> Choices:
    """Provinces and their cities, grouped by province (plus ``include``, e.g. a county)."""
    rows = [
        (code, localized(name, name_en), parent)
        for code, name, name_en, parent in Region.objects.filter(level__lte=2).values_list(
            "code", "name", "name_en", "parent_id"
        )
    ]
    extra = None
    if include and include not in {code for code, _n, _p in rows}:
        extra = Region.objects.filter(pk=include).first()
    names = {code: name for code, name, _p in rows}
    groups: dict[str, Choices] = defaultdict(list)
    for code, name, parent in rows:
        if parent is None:
            groups[code].insert(0, (code, name))
        else:
            groups[parent].append((code, f"{names.get(parent, '')} · {name}"))
    choices: Choices = [("", "—")]
    if extra is not None:
        choices.append((extra.code, extra.full_name))
    for province, items in sorted(groups.items()):
        choices.append((names.get(province, province), items))
    return choices


def province_choices() -> Choices:
    rows = Region.objects.filter(level=1).values_list("code", "name", "name_en")
    return [("", _("全部地区")), *[(code, localized(name, en)) for code, name, en in rows]]


def industry_choices() -> Choices:
    """Divisions (大类) grouped under their sections (门类)."""
    sections: dict[str, str] = {}
    groups: dict[str, Choices] = defaultdict(list)
    for code, zh, en, parent in Industry.objects.values_list(
        "code", "name", "name_en", "parent_id"
    ):
        name = localized(zh, en)
        if parent is None:
            sections[code] = name
        else:
            groups[parent].append((code, f"{code} {name}"))
    choices: Choices = [("", "—")]
    for section, name in sorted(sections.items()):
        choices.append((f"{section} {name}", [(section, f"{section} {name}"), *groups[section]]))
    return choices


class ChoicesForm(forms.Form):
    def set_choices(self, name: str, choices: Choices) -> None:
        """Fill a select's choices when the form is built (they come from the database)."""
        cast(forms.ChoiceField, self.fields[name]).choices = choices


class CodeField(forms.ChoiceField):
    """A select whose value the service checks (so a forged code gets the service's error)."""

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


class RegionField(forms.ChoiceField):
    """A province or city of GB/T 2260, as its six-digit code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", region_choices)
        super().__init__(**kwargs)


class IndustryField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", industry_choices)
        super().__init__(**kwargs)
