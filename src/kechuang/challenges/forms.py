"""Forms of the challenge pages (揭榜挂帅).

Forms collect and lightly parse input; every rule (deadlines, eligibility thresholds,
limits, quotas, caps) lives in ``challenges.services``, whose ``ValidationFailed`` the
views put back on these fields. Repeated rows (indicators, team members, partners) are
posted as parallel lists (``indicator_name``, ``indicator_target`` …) and turned into the
services' ``[{...}]`` rows here; empty rows are dropped.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.forms import AttachmentForm, CodeField, _text
from kechuang.challenges.choices import (
    AcceptanceVerdict,
    ApplicantKind,
    CallStatus,
    Confidentiality,
    FundingMode,
    RecommendationDecision,
)
from kechuang.challenges.services.calls import SHARE_MESSAGE, parse_share
from kechuang.review.rules import ReviewRules
from kechuang.web.forms import industry_choices, province_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
EXTRA_ROWS = 2
RULE_PREFIX = "rule_"
RULE_DEFAULTS = ReviewRules()


def rows_from(data: Any, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Parallel lists ``<prefix>_<key>`` as rows; rows with every cell empty are dropped."""
    columns = [data.getlist(f"{prefix}_{key}") for key in keys]
    out = []
    for cells in zip(*columns, strict=False):
        row = {key: str(cell).strip() for key, cell in zip(keys, cells, strict=True)}
        if any(row.values()):
            out.append(row)
    return out


def with_blank_rows(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows to draw in the table: the given ones plus a few empty ones to fill in."""
    return [*rows, *({key: "" for key in keys} for _ in range(EXTRA_ROWS))]


def _rows_slot() -> forms.CharField:
    """A hidden field that only carries the service's errors for a table of rows."""
    return forms.CharField(required=False, widget=forms.HiddenInput)


def _money(label: Any, **kwargs: Any) -> forms.CharField:
    # A CharField: the service parses amounts and says what is wrong in Chinese.
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


class CallFilterForm(forms.Form):
    """Filters of the public list; bad values filter nothing."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)
    industry = CodeField(label=_("行业"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = [(s.value, s.label) for s in CallStatus if s != CallStatus.DRAFT]
        self.fields["status"].choices = [("", _("全部状态")), *statuses]  # type: ignore[attr-defined]
        self.fields["region"].choices = province_choices()  # type: ignore[attr-defined]
        industries = [c for c in industry_choices() if c[0] != ""]
        self.fields["industry"].choices = [("", _("全部行业")), *industries]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: str(data.get(name) or "").strip() for name in self.fields}


class CallForm(forms.Form):
    """A call's own fields; ``organiser`` only when creating."""

    organiser = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    title = _text(_("榜单名称"))
    description = _text(_("榜单说明"), rows=5)
    opens_at = forms.DateTimeField(label=_("揭榜开始时间"), required=False, widget=DATETIME)
    deadline = forms.DateTimeField(label=_("揭榜截止时间"), required=False, widget=DATETIME)
    application_limit = forms.IntegerField(label=_("每个申报主体的申请上限"), initial=1)
    max_partners = forms.IntegerField(label=_("联合体成员上限（不含牵头单位）"), initial=4)
    review_rounds = forms.IntegerField(label=_("评审轮次"), initial=2)
    requires_recommendation = forms.BooleanField(label=_("须经各级科协逐级推荐"), required=False)
    quota_district = forms.IntegerField(label=_("区县科协推荐名额"), required=False, min_value=1)
    quota_city = forms.IntegerField(label=_("市科协推荐名额"), required=False, min_value=1)
    quota_province = forms.IntegerField(label=_("省科协推荐名额"), required=False, min_value=1)
    # The review's panel rules (review.rules.ReviewRules), prefilled with its defaults.
    rule_panel_size = forms.IntegerField(
        label=_("每个评审组专家人数"), initial=RULE_DEFAULTS.panel_size, min_value=1, max_value=500
    )
    rule_frontline_share = forms.CharField(
        label=_("一线科技工作者最低比例"),
        initial=str(RULE_DEFAULTS.frontline_share),
        max_length=20,
        help_text=_("0 到 1 之间的分数，如 1/3。"),
    )
    rule_max_load = forms.IntegerField(
        label=_("每位专家最多评审项数"), initial=RULE_DEFAULTS.max_load, min_value=1, max_value=500
    )
    rule_conflict_years = forms.IntegerField(
        label=_("利益冲突回避年限"),
        initial=RULE_DEFAULTS.conflict_years,
        min_value=0,
        max_value=500,
    )
    rule_conflict_subtree = forms.BooleanField(
        label=_("回避申报单位所属科协体系内的专家"),
        initial=RULE_DEFAULTS.conflict_subtree,
        required=False,
    )
    rule_exclude_government = forms.BooleanField(
        label=_("不邀请政府工作人员担任评审专家"),
        initial=RULE_DEFAULTS.exclude_government,
        required=False,
    )

    def __init__(self, *args: Any, organisers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisers is None:
            del self.fields["organiser"]
        else:
            self.fields["organiser"].choices = [(o.pk, o.name) for o in organisers]  # type: ignore[attr-defined]

    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self if not f.name.startswith(RULE_PREFIX)]

    def rule_fields(self) -> list[forms.BoundField]:
        return [f for f in self if f.name.startswith(RULE_PREFIX)]

    def clean_rule_frontline_share(self) -> str:
        share = parse_share(self.cleaned_data["rule_frontline_share"])
        if share is None:
            raise forms.ValidationError(SHARE_MESSAGE)
        return str(share)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organiser", None)
        quotas = {}
        for level in ("district", "city", "province"):
            value = data.pop(f"quota_{level}", None)
            if value:
                quotas[level] = value
        data["recommendation_quotas"] = quotas
        data["review_rules"] = {
            name.removeprefix(RULE_PREFIX): data.pop(name)
            for name in list(data)
            if name.startswith(RULE_PREFIX)
        }
        for name in ("opens_at", "deadline"):
            data[name] = data[name] or ""
        return data

    @classmethod
    def initial_from(cls, call: Any) -> dict[str, Any]:
        initial = {name: getattr(call, name) for name in cls.base_fields if hasattr(call, name)}
        for level, quota in call.recommendation_quotas.items():
            initial[f"quota_{level}"] = quota
        for name, rule in call.review_rules.items():
            initial[f"{RULE_PREFIX}{name}"] = rule
        return initial


INDICATOR_KEYS = ("name", "target", "unit")
TEAM_KEYS = ("name", "role", "affiliation")
PARTNER_KEYS = ("organization", "role")


class CallProblemForm(forms.Form):
    """A problem on a draft call; indicators come as rows (see ``rows_from``)."""

    title = _text(_("题目"))
    description = _text(_("需求描述"), rows=5)
    expected_outcome = _text(_("预期成果"), rows=3)
    funding_mode = forms.ChoiceField(label=_("资助方式"), choices=FundingMode.choices)
    budget = _money(_("资助金额（万元）"))
    subsidy_ratio = _money(_("补助比例"), help_text=_("按比例补助时填写，0–1 之间，如 0.5。"))
    guidance_fund = _money(_("引导基金（万元）"), help_text=_("企业或市场出资时可选。"))
    completion_deadline = forms.DateField(label=_("完成期限"), required=False, widget=DATE)
    eligibility_text = _text(
        _("申报条件"),
        rows=3,
        help_text=_("只写能力与资质要求；不得设置年龄、研发投入占比、企业规模等门槛。"),
    )
    applicant_kinds = forms.MultipleChoiceField(
        label=_("接受的申报主体"),
        choices=ApplicantKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限。"),
    )
    confidentiality = forms.ChoiceField(
        label=_("保密等级"),
        choices=Confidentiality.choices,
        initial=Confidentiality.PUBLIC,
        required=False,
    )
    indicators = _rows_slot()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator_rows = (
            rows_from(self.data, "indicator", INDICATOR_KEYS) if self.is_bound else []
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        kinds = data.pop("applicant_kinds")
        data["eligibility"] = {"applicant_kinds": kinds} if kinds else {}
        data["completion_deadline"] = data["completion_deadline"] or ""
        data["indicators"] = self.indicator_rows
        for name in ("subsidy_ratio", "guidance_fund"):
            if not data[name]:
                data.pop(name)
        return data


class ApplicationForm(forms.Form):
    """A bid; ``kind``, ``organization`` and partners only when creating."""

    kind = forms.ChoiceField(label=_("申报主体类型"), choices=ApplicantKind.choices)
    organization = forms.TypedChoiceField(
        label=_("申报（牵头）单位"), coerce=int, required=False, empty_value=None
    )
    title = _text(_("方案名称"))
    technical_route = _text(_("技术路线"), rows=8)
    budget = _money(_("经费预算（万元）"))
    schedule = _text(_("进度安排"), rows=4)
    indicators = _rows_slot()
    team = _rows_slot()
    partners = _rows_slot()

    def __init__(
        self, *args: Any, organizations: Any = None, creating: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not creating:
            del self.fields["kind"]
            del self.fields["organization"]
            del self.fields["partners"]
        else:
            choices = [(o.pk, o.name) for o in organizations or []]
            self.fields["organization"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        bound = self.is_bound
        self.indicator_rows = rows_from(self.data, "indicator", INDICATOR_KEYS) if bound else []
        self.team_rows = rows_from(self.data, "team", TEAM_KEYS) if bound else []
        self.partner_rows = rows_from(self.data, "partner", PARTNER_KEYS) if bound else []

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["indicators"] = self.indicator_rows
        data["team"] = self.team_rows
        data.pop("partners", None)
        if self.creating:
            data["partners"] = [
                {"organization": row["organization"], "role": row["role"]}
                for row in self.partner_rows
                if row["organization"]
            ]
        return data


class RoundForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("征集单位"), coerce=int)
    title = _text(_("名称"))
    description = _text(_("说明"), rows=3)
    opens_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    closes_on = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, owners: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(o.pk, o.name) for o in owners]  # type: ignore[attr-defined]


class ProblemSubmitForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("提出单位"), coerce=int)
    title = _text(_("题目"))
    description = _text(_("问题描述"), rows=5)
    keywords = _text(_("关键词"), help_text=_("用逗号分隔，最多 10 个。"))

    def __init__(self, *args: Any, organizations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]  # type: ignore[attr-defined]


class ClassifyForm(forms.Form):
    industry = CodeField(label=_("行业"), required=False)
    discipline = forms.CharField(label=_("学科代码"), required=False, max_length=10)
    keywords = _text(_("关键词"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices()  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = _text(_("理由"), rows=2)


class RecommendationForm(forms.Form):
    decision = forms.ChoiceField(label=_("推荐意见"), choices=RecommendationDecision.choices)
    reason = _text(_("理由"), rows=2)


class AwardForm(forms.Form):
    justification = _text(_("决定理由"), rows=3)
    agreement_text = _text(_("协议要点"), rows=3)
    agreement_signed_on = forms.DateField(label=_("协议签订日期"), required=False, widget=DATE)


class MilestoneForm(forms.Form):
    title = _text(_("里程碑"))
    deliverables = _text(_("交付物"), rows=2)
    due_on = forms.DateField(label=_("完成日期"), required=False, widget=DATE)
    tranche_amount = _money(_("对应拨付金额（万元）"))

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["due_on"] = data["due_on"] or ""
        data["tranche_amount"] = data["tranche_amount"] or "0"
        return data


class MilestoneReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("结论"), choices=[("pass", _("通过")), ("fail", _("不通过"))]
    )
    reason = _text(_("评审意见"), rows=2)


class ReportForm(forms.Form):
    milestone = forms.TypedChoiceField(
        label=_("对应里程碑"), coerce=int, required=False, empty_value=None
    )
    text = _text(_("进展"), rows=4)

    def __init__(self, *args: Any, milestones: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((m.pk, m.title) for m in milestones)]
        self.fields["milestone"].choices = choices  # type: ignore[attr-defined]


class ChangeForm(ReportForm):
    text = None  # type: ignore[assignment]
    description = _text(_("变更内容"), rows=3)
    new_due_on = forms.DateField(label=_("新的完成日期"), required=False, widget=DATE)


class AcceptanceForm(forms.Form):
    """One ``achieved``/``met`` pair per promised indicator, posted as parallel lists."""

    verdict = forms.ChoiceField(label=_("结论"), choices=AcceptanceVerdict.choices)
    summary = _text(_("验收意见"), rows=4)
    conditions = _text(_("整改条件"), rows=2, help_text=_("有条件通过时必填。"))

    def __init__(self, *args: Any, promised: list[dict[str, Any]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.promised = list(promised)

    def results(self) -> list[dict[str, Any]]:
        data: Any = self.data
        achieved = data.getlist("achieved")
        met = set(data.getlist("met"))
        return [
            {
                "name": row["name"],
                "achieved": achieved[i] if i < len(achieved) else "",
                "met": str(i) in met,
            }
            for i, row in enumerate(self.promised)
        ]


class ApplicationAttachmentForm(AttachmentForm):
    """An application's upload box: attachments are optional, so the box is not marked
    required; posting it empty is still refused, on the field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].required = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError(_("请选择要上传的文件。"))
        return upload
