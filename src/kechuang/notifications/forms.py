"""The preference form. It checks the shape; the service checks the rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.notifications.choices import Delivery


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("邮件提醒"),
        choices=Delivery.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("请选择有效的邮件提醒方式。")},
        help_text=_("站内通知始终全部显示；这里只决定是否以及何时发送邮件。"),
    )
