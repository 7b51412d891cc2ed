"""Forms of the account pages. They check shape only; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
