"""Forms of the organisation pages: an organisation's details, its members, the directory
filter; and the associations to pick from (indented by their place in the tree)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.selectors import associations
from kechuang.orgs.services import SIGNUP_ORG_KINDS
from kechuang.web.forms import Choices, IndustryField, RegionField, province_choices, region_choices

INDENT = "\u3000"  # an ideographic space, as wide as one Chinese character


def association_choices() -> Choices:
    """Active associations, indented by their place in the tree."""
    return [
        (org.pk, INDENT * org.depth + org.name)
        for org in associations().only("pk", "name", "depth")
    ]


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


class SignupForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=11,
        required=False,
        help_text=_("电子邮箱与手机号码至少填写一项，均可用于登录。"),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    register_org = forms.BooleanField(label=_("同时登记我的单位，并成为其管理员"), required=False)
    org_name = forms.CharField(label=_("单位名称"), max_length=100, required=False)
    org_kind = forms.ChoiceField(
        label=_("单位类型"),
        required=False,
        choices=[("", "—")] + [(k, OrgKind(k).label) for k in SIGNUP_ORG_KINDS],
    )
    org_region = RegionField(label=_("所在地区"), required=False)
    org_parent = forms.TypedChoiceField(
        label=_("所属科协"), required=False, coerce=int, empty_value=None
    )

    ORG_FIELDS = ("org_name", "org_kind", "org_region", "org_parent")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["org_parent"]).choices = [
            ("", "—"),
            *association_choices(),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("email") and not data.get("mobile"):
            self.add_error("email", _("请填写电子邮箱或手机号码。"))
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        if data.get("register_org"):
            for name in self.ORG_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("登记单位时必须填写此项。"))
        return data
