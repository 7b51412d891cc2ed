"""Forms of the expert profile pages: the profile, its works, its status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.choices import ExpertStatus, ProfessionalTitle, WorkKind
from kechuang.catalog.forms.base import (
    Choices,
    CodeField,
    CodesField,
    LaidOutForm,
    RegionSelect,
    _text,
    discipline_choices,
)
from kechuang.catalog.models import ExpertProfile
from kechuang.web.forms import industry_choices, region_choices

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
    region = CodeField(label=_("所在地区"), required=False, widget=RegionSelect)
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
