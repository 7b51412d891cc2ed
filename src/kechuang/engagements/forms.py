"""Forms of the engagement pages: they parse, the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.engagements.choices import ContractType, DeclineReason


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class StartForm(forms.Form):
    note = forms.CharField(
        label=_("说明（可选）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("婉拒原因"), choices=DeclineReason.choices)
    text = forms.CharField(label=_("说明"), required=False, max_length=500)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("留言"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(label=_("附件（PDF 或图片）"))


class ContractForm(forms.Form):
    contract_type = forms.ChoiceField(label=_("合同类型"), choices=ContractType.choices)
    title = forms.CharField(label=_("合同名称"), max_length=200)
    amount = forms.CharField(label=_("合同金额（万元）"), max_length=20)
    technology_amount = forms.CharField(
        label=_("技术交易额（万元）"),
        max_length=20,
        required=False,
        help_text=_("不填则等于合同金额。"),
    )
    party_a = forms.CharField(label=_("甲方（委托方/受让方）"), max_length=100)
    party_b = forms.CharField(label=_("乙方（受托方/让与方）"), max_length=100)
    signed_on = forms.CharField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    term_start = forms.CharField(
        label=_("履行期限起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.CharField(
        label=_("履行期限止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered = forms.BooleanField(label=_("已认定登记"), required=False)
    registration_number = forms.CharField(label=_("登记编号"), max_length=50, required=False)


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("到款金额（万元）"), max_length=20)
    received_on = forms.CharField(
        label=_("到款日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("里程碑"), max_length=200)
    due_on = forms.CharField(
        label=_("计划日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class OutcomeForm(forms.Form):
    products = forms.CharField(label=_("新产品（项）"), required=False, max_length=10)
    patents = forms.CharField(label=_("专利（件）"), required=False, max_length=10)
    revenue = forms.CharField(label=_("新增产值（万元）"), required=False, max_length=20)
    jobs = forms.CharField(label=_("新增就业（人）"), required=False, max_length=10)
    summary = forms.CharField(
        label=_("成效说明"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(forms.Form):
    held_on = forms.CharField(label=_("会谈日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点/方式"), max_length=100, required=False)
    attendees = forms.CharField(label=_("参加人员"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("纪要"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgreementForm(forms.Form):
    text = forms.CharField(
        label=_("保密协议内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("解答内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_public = forms.BooleanField(label=_("公开展示（所有访客可见）"), required=False)
    attachments = MultipleFileField(label=_("附件（PDF 或图片）"))
