"""Forms of the catalog pages: needs, achievements, expert profiles and their filters.

The forms only collect and lightly parse input (numbers, dates, lists of codes). Every
rule (lengths, known codes, budget order, deadline in the future …) lives in
``catalog.services``, whose ``ValidationFailed`` the views put back on these fields.
That is why the code fields below accept any value: an unknown code posted by hand is
the service's to reject, with the same message the API gives.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.choices import (
    ContactVisibility,
    ExpertStatus,
    IPStatus,
    IPType,
    ProfessionalTitle,
    WorkKind,
)
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.vocab.choices import TRL
from kechuang.vocab.models import CooperationMode, Discipline
from kechuang.web.forms import industry_choices, region_choices

Choices = list[tuple[Any, Any]]
# (section title, [(field name, columns of 12 on wide screens)])
Layout = list[tuple[Any, list[tuple[str, int]]]]
MONEY_SUFFIX = _("万元")


class ChoicesForm(forms.Form):
    def set_choices(self, name: str, choices: Choices) -> None:
        """Fill a select's choices when the form is built (they come from the database)."""
        cast(forms.ChoiceField, self.fields[name]).choices = choices


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


class CodeField(forms.ChoiceField):
    """A select whose value the service checks (so a forged code gets the service's error)."""

    def valid_value(self, value: Any) -> bool:
        return True


class CodesField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def discipline_choices() -> Choices:
    rows = Discipline.objects.values_list("code", "name")
    return [(code, f"{code} {name}") for code, name in rows]


def cooperation_mode_choices() -> Choices:
    return list(CooperationMode.objects.values_list("code", "name"))


def region_filter_choices() -> Choices:
    choices = region_choices()
    return [("", _("全部地区")), *choices[1:]]


def _with_blank(choices: Choices, label: Any) -> Choices:
    return [("", label), *[c for c in choices if c[0] != ""]]


def _text(label: Any, *, rows: int | None = None, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class ListingForm(LaidOutForm):
    """Fields needs and achievements share. ``organization`` only when creating.

    ``required_fields`` are only marked as required on the page; the service decides
    (and says so in Chinese, together with every other problem of the input).
    """

    organization = forms.TypedChoiceField(label=_("发布单位"), coerce=int)
    title = _text(_("标题"))
    region = CodeField(label=_("所在地区"), required=False)
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


class ListingFilterForm(ChoicesForm):
    """The filter panel of the public lists. Bad values filter nothing (they are not errors)."""

    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    region = CodeField(label=_("地区"), required=False)
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
        self.set_choices("region", region_filter_choices())
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
    region = CodeField(label=_("地区"), required=False)
    discipline = CodeField(label=_("学科"), required=False)
    frontline = forms.BooleanField(label=_("只看一线科技人员"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("region", region_filter_choices())
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


KEEPER_SELF = "self"


class ExpertForm(LaidOutForm):
    layout = [
        (
            _("基本信息"),
            [
                ("keeper", 12),
                ("name", 6),
                ("affiliation", 6),
                ("title_level", 6),
                ("title_name", 6),
                ("region", 6),
            ],
        ),
        (
            _("专业领域"),
            [("disciplines", 6), ("industries", 6), ("keywords", 12), ("biography", 12)],
        ),
        (
            _("身份标记（仅本人和管理单位可见）"),
            [("is_frontline_engineer", 6), ("is_government_staff", 6)],
        ),
    ]
    required_fields = ("keeper", "name", "affiliation", "region", "disciplines", "keywords")

    keeper = forms.ChoiceField(
        label=_("档案归属"),
        help_text=_("本人档案与您的账号绑定；单位代管的档案由该单位的管理员维护。"),
    )
    name = _text(_("姓名"))
    title_level = forms.ChoiceField(
        label=_("职称级别"), choices=ProfessionalTitle.choices, initial=ProfessionalTitle.NONE
    )
    title_name = _text(_("职称"), help_text=_("如：教授、研究员、正高级工程师。"))
    affiliation = _text(_("工作单位"))
    region = CodeField(label=_("所在地区"), required=False)
    disciplines = CodesField(
        label=_("学科"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或 ⌘ 键）。"),
    )
    industries = CodesField(
        label=_("服务行业"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    keywords = _text(_("专长关键词"), help_text=_("用逗号或顿号分隔，最多 10 个。"))
    biography = _text(_("个人简介"), rows=6)
    is_frontline_engineer = forms.BooleanField(label=_("一线科技人员"), required=False)
    is_government_staff = forms.BooleanField(label=_("党政机关工作人员"), required=False)

    def __init__(
        self,
        *args: Any,
        keepers: Choices | None = None,
        region_code: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if keepers is None:
            del self.fields["keeper"]
        else:
            self.set_choices("keeper", keepers)
        current = region_code or (self.data.get("region") if self.is_bound else None)
        self.set_choices("region", region_choices(include=current or None))
        self.set_choices("disciplines", discipline_choices())
        self.set_choices("industries", [c for c in industry_choices() if c[0] != ""])
        self.mark_required()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("keeper", None)
        data["region_id"] = data.pop("region") or None
        return data

    @classmethod
    def initial_from(cls, expert: ExpertProfile) -> dict[str, Any]:
        initial = {
            name: getattr(expert, name)
            for name in cls.base_fields
            if hasattr(expert, name) and name not in {"disciplines", "industries"}
        }
        initial["region"] = expert.region_id
        initial["disciplines"] = [d.pk for d in expert.disciplines.all()]
        initial["industries"] = [i.pk for i in expert.industries.all()]
        return initial


class ExpertWorkForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=WorkKind.choices)
    title = _text(_("题目"))
    year = forms.IntegerField(
        label=_("年份"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    venue = _text(_("刊物/编号/来源"))
    description = _text(_("说明"), rows=2)


class ExpertStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (ExpertStatus.PUBLISHED, ExpertStatus.PUBLISHED.label),
            (ExpertStatus.HIDDEN, ExpertStatus.HIDDEN.label),
        ]
    )


__all__ = [
    "AchievementForm",
    "AttachmentForm",
    "ExpertFilterForm",
    "ExpertForm",
    "ExpertStatusForm",
    "ExpertWorkForm",
    "ListingFilterForm",
    "NeedForm",
    "ReturnForm",
]
