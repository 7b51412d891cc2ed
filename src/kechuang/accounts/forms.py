"""Forms of the account pages. They check shape only; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.orgs.choices import OrgKind
from kechuang.orgs.forms import association_choices
from kechuang.orgs.services import SIGNUP_ORG_KINDS
from kechuang.web.forms import RegionField


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


class LoginForm(forms.Form):
    # The field is called ``login`` because django-axes reads the attempted account from it.
    login = forms.CharField(
        label=_("电子邮箱或手机号码"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    mobile = forms.CharField(label=_("手机号码"), max_length=11, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"), max_length=80, help_text=_("写明用途，例如“数据同步脚本”。")
    )
