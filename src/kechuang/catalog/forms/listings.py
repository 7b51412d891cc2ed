"""Forms of the need and achievement pages: edit, attachments, return."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.choices import ContactVisibility, IPStatus, IPType
from kechuang.catalog.forms.base import (
    CodeField,
    CodesField,
    LaidOutForm,
    RegionSelect,
    _money,
    _text,
    cooperation_mode_choices,
    discipline_choices,
)
from kechuang.catalog.models import Achievement, Need
from kechuang.vocab.choices import TRL
from kechuang.web.forms import industry_choices, region_choices


class ListingForm(LaidOutForm):
    """Fields needs and achievements share. ``organization`` only when creating.

    ``required_fields`` are only marked as required on the page; the service decides
    (and says so in Chinese, together with every other problem of the input).
    """

    organization = forms.TypedChoiceField(label=_("发布单位"), coerce=int)
    title = _text(_("标题"))
    region = CodeField(label=_("所在地区"), required=False, widget=RegionSelect)
    industry = CodeField(label=_("所属行业"), required=False)
    disciplines = CodesField(
        label=_("学科"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或 ⌘ 键）。"),
    )
    cooperation_modes = CodesField(
        label=_("合作方式"), required=False, widget=forms.CheckboxSelectMultiple
    )
    keywords = _text(_("关键词"), help_text=_("用逗号或顿号分隔，最多 10 个。"))

    def __init__(
        self,
        *args: Any,
        organizations: Any = None,
        region_code: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.set_choices("organization", [(o.pk, o.name) for o in organizations])
        current = region_code or (self.data.get("region") if self.is_bound else None)
        self.set_choices("region", region_choices(include=current or None))
        self.set_choices("industry", industry_choices())
        self.set_choices("disciplines", discipline_choices())
        self.set_choices("cooperation_modes", cooperation_mode_choices())
        self.mark_required()

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned input as the service's keyword arguments (codes, not objects)."""
        data = dict(self.cleaned_data)
        data.pop("organization", None)
        data["region_id"] = data.pop("region") or None
        data["industry_id"] = data.pop("industry") or None
        return data

    @classmethod
    def initial_from(cls, item: Need | Achievement) -> dict[str, Any]:
        initial = {name: getattr(item, name) for name in cls.base_fields if hasattr(item, name)}
        initial.pop("organization", None)
        initial["region"] = item.region_id
        initial["industry"] = item.industry_id
        initial["disciplines"] = [d.pk for d in item.disciplines.all()]
        initial["cooperation_modes"] = [m.pk for m in item.cooperation_modes.all()]
        return initial


class NeedForm(ListingForm):
    required_fields = (
        "organization",
        "title",
        "description",
        "region",
        "industry",
        "cooperation_modes",
        "contact_name",
    )

    description = _text(
        _("需求描述"),
        rows=8,
        help_text=_("说明要解决的问题、现状、技术指标和应用场景，20 字以上。"),
    )
    budget_min = _money(_("预算下限（万元）"))
    budget_max = _money(_("预算上限（万元）"))
    deadline = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact_name = _text(_("联系人"))
    contact_phone = _text(_("联系电话"))
    contact_email = _text(_("联系邮箱"))
    contact_visibility = forms.ChoiceField(
        label=_("联系方式可见范围"),
        choices=ContactVisibility.choices,
        initial=ContactVisibility.MEMBERS,
    )

    money_fields = ("budget_min", "budget_max")
    layout = [
        (_("基本信息"), [("organization", 12), ("title", 12), ("description", 12)]),
        (
            _("分类"),
            [
                ("region", 6),
                ("industry", 6),
                ("disciplines", 6),
                ("keywords", 6),
                ("cooperation_modes", 12),
            ],
        ),
        (_("预算与期限"), [("budget_min", 4), ("budget_max", 4), ("deadline", 4)]),
        (
            _("联系方式"),
            [
                ("contact_name", 6),
                ("contact_phone", 6),
                ("contact_email", 6),
                ("contact_visibility", 6),
            ],
        ),
    ]
    field_order = (
        "organization",
        "title",
        "description",
        "region",
        "industry",
        "disciplines",
        "keywords",
        "cooperation_modes",
        "budget_min",
        "budget_max",
        "deadline",
        "contact_name",
        "contact_phone",
        "contact_email",
        "contact_visibility",
    )


class AchievementForm(ListingForm):
    required_fields = (
        "organization",
        "title",
        "summary",
        "region",
        "industry",
        "cooperation_modes",
        "trl",
    )

    summary = _text(
        _("成果简介"),
        rows=8,
        help_text=_("说明技术原理、主要指标、应用领域和成熟程度，20 字以上。"),
    )
    team = _text(_("团队成员"), rows=3, help_text=_("每行一人：姓名、职称或分工。"))
    # Required here too: left to the model, an empty level reads "这个值不能为 null".
    trl = forms.TypedChoiceField(
        label=_("技术就绪度"),
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *TRL.choices],
        error_messages={"required": _("请选择技术就绪度。")},
    )
    ip_type = forms.ChoiceField(
        label=_("知识产权类型"), choices=IPType.choices, initial=IPType.NONE
    )
    ip_number = _text(_("知识产权编号"))
    ip_status = forms.ChoiceField(
        label=_("知识产权状态"), choices=IPStatus.choices, initial=IPStatus.NONE
    )
    terms = _text(_("合作条件"), rows=3)
    asking_price = _money(_("参考价格（万元）"))

    money_fields = ("asking_price",)
    layout = [
        (_("基本信息"), [("organization", 12), ("title", 12), ("summary", 12), ("team", 12)]),
        (
            _("分类"),
            [
                ("region", 6),
                ("industry", 6),
                ("disciplines", 6),
                ("keywords", 6),
                ("trl", 12),
                ("cooperation_modes", 12),
            ],
        ),
        (
            _("知识产权与合作条件"),
            [
                ("ip_type", 4),
                ("ip_status", 4),
                ("ip_number", 4),
                ("asking_price", 4),
                ("terms", 12),
            ],
        ),
    ]
    field_order = (
        "organization",
        "title",
        "summary",
        "region",
        "industry",
        "disciplines",
        "keywords",
        "trl",
        "cooperation_modes",
        "ip_type",
        "ip_number",
        "ip_status",
        "asking_price",
        "terms",
        "team",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("上传附件"),
        help_text=_("PDF 或图片（PNG、JPEG、WebP、GIF），不超过 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp,.gif"}),
    )


class ReturnForm(LaidOutForm):
    required_fields = ("reason",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mark_required()

    reason = forms.CharField(
        label=_("退回理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("发布单位会看到这段说明，请写明需要修改的地方。"),
    )
