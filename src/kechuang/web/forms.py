"""Forms of the web pages (organisations, members, filters) and shared vocabulary fields:
the choices of regions, industries, disciplines and cooperation modes every form shows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.selectors import associations
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region, localized

Choices = list[tuple[Any, Any]]
INDENT = "\u3000"  # an ideographic space, as wide as one Chinese character


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


def association_choices() -> Choices:
    """Active associations, indented by their place in the tree."""
    return [
        (org.pk, INDENT * org.depth + org.name)
        for org in associations().only("pk", "name", "depth")
    ]


class RegionField(forms.ChoiceField):
    """A province or city of GB/T 2260, as its six-digit code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", region_choices)
        super().__init__(**kwargs)


class IndustryField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", industry_choices)
        super().__init__(**kwargs)


class OrganizationEditForm(forms.Form):
    """What an organisation's managers may change (``orgs.services.EDITABLE_FIELDS``)."""

    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=30, required=False)
    region = RegionField(label=_("所在地区"))
    industry = IndustryField(label=_("所属行业"), required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    website = forms.URLField(label=_("网站"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("简介"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, region_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if region_code:
            region = cast(forms.ChoiceField, self.fields["region"])
            region.choices = region_choices(include=region_code)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "short_name": d["short_name"],
            "region_id": d["region"],
            "industry_id": d["industry"] or None,
            "credit_code": d["credit_code"],
            "website": d["website"],
            "description": d["description"],
        }


class OrganizationCreateForm(OrganizationEditForm):
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    level = forms.ChoiceField(
        label=_("科协层级"),
        required=False,
        choices=[("", _("（非科协不填）")), *AssociationLevel.choices],
        help_text=_("仅地方科协需要填写。"),
    )

    field_order = ("name", "short_name", "kind", "level", "region", "industry")

    def service_kwargs(self) -> dict[str, Any]:
        return {
            **super().service_kwargs(),
            "kind": self.cleaned_data["kind"],
            "level": self.cleaned_data["level"],
        }


class MemberAddForm(forms.Form):
    login = forms.CharField(
        label=_("电子邮箱或手机号码"),
        max_length=254,
        help_text=_("对方须已在平台注册，并接受邀请。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *OrgKind.choices]
    )
    region = forms.ChoiceField(label=_("地区"), required=False, choices=province_choices)
