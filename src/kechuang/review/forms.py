"""Forms of the review pages. They only collect and parse input; every rule (ranges,
conflicts, panel rules, who may do what) is in ``review.services``, whose errors the
views put back on these fields in Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.review.choices import MemberRole, Purpose
from kechuang.review.models import Criterion, PanelMember, ReviewItem
from kechuang.review.services import DEFAULT_RUBRIC, CriterionIn

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ProcessForm(forms.Form):
    """A new review process with its panel rules (defaults from issue 4)."""

    organiser = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    title = forms.CharField(label=_("评审名称"), max_length=100)
    purpose = forms.ChoiceField(
        label=_("用途"), choices=Purpose.choices, initial=Purpose.CHALLENGE_APPLICATION
    )
    rounds = forms.TypedChoiceField(
        label=_("评审轮次"),
        coerce=int,
        choices=[(1, _("一轮（网评）")), (2, _("两轮（网评 + 会评）"))],
        initial=2,
    )
    evaluator = forms.TypedChoiceField(
        label=_("第三方评价机构"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("该机构的管理员接受邀请后，才参与组织评审。"),
    )
    panel_size = forms.IntegerField(label=_("每个评审对象的专家人数"), initial=5)
    frontline_share = forms.CharField(
        label=_("一线科技人员至少占"), initial="1/3", max_length=10, help_text=_("如 1/3")
    )
    exclude_government = forms.BooleanField(
        label=_("排除党政机关工作人员"), initial=True, required=False
    )
    max_load = forms.IntegerField(label=_("每位专家最多评审数"), initial=10)
    conflict_years = forms.IntegerField(label=_("回避年限（年）"), initial=3)
    conflict_subtree = forms.BooleanField(
        label=_("回避申报方所在科协辖区的专家"), initial=False, required=False
    )

    def __init__(
        self, *args: Any, organisers: Iterable[Any], evaluators: Iterable[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [(o.pk, o.name) for o in organisers]  # type: ignore[attr-defined]
        self.fields["evaluator"].choices = [  # type: ignore[attr-defined]
            ("", _("无（组织单位自行评审）")),
            *[(o.pk, o.name) for o in evaluators],
        ]

    def rules(self) -> dict[str, Any]:
        d = self.cleaned_data
        names = (
            "panel_size",
            "frontline_share",
            "exclude_government",
            "max_load",
            "conflict_years",
            "conflict_subtree",
        )
        return {n: d[n] for n in names}


class CriterionForm(forms.Form):
    """One row of the rubric editor; an empty row is skipped."""

    name = forms.CharField(label=_("评分项"), max_length=50, required=False)
    description = forms.CharField(label=_("说明"), max_length=500, required=False)
    weight = forms.DecimalField(label=_("权重"), required=False, decimal_places=2)
    min_value = forms.DecimalField(label=_("最低分"), required=False, decimal_places=2)
    max_value = forms.DecimalField(label=_("最高分"), required=False, decimal_places=2)

    def criterion(self) -> CriterionIn | None:
        d = self.cleaned_data
        if not d or not (d.get("name") or "").strip():
            return None

        def number(name: str) -> Decimal:
            # an empty number is 0: the service then refuses it (weight > 0, max > min)
            value = d.get(name)
            return value if isinstance(value, Decimal) else Decimal(0)

        return CriterionIn(
            name=d["name"],
            description=d.get("description") or "",
            weight=number("weight"),
            min_value=number("min_value"),
            max_value=number("max_value"),
        )


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, max_num=20)

DEFAULT_CRITERIA = [
    {
        "name": c.name,
        "description": c.description,
        "weight": c.weight,
        "min_value": c.min_value,
        "max_value": c.max_value,
    }
    for c in DEFAULT_RUBRIC
]


class PanelForm(forms.Form):
    name = forms.CharField(label=_("评审组名称"), max_length=50)


class ItemForm(forms.Form):
    """An item written into an "other" review: what is reviewed and who stands behind it
    (the organisation, when known, feeds the conflict-of-interest checks)."""

    title = forms.CharField(label=_("评审对象标题"), max_length=200)
    text = forms.CharField(
        label=_("内容摘要"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    applicant = forms.CharField(label=_("申报方名称"), max_length=100, required=False)
    organization = forms.TypedChoiceField(
        label=_("申报单位（用于利益冲突检测）"), coerce=int, required=False, empty_value=None
    )
    panel = forms.TypedChoiceField(label=_("评审组"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, organizations: Iterable[Any], panels: Iterable[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in organizations
        ]
        self.fields["panel"].choices = [("", _("未分组"))] + [  # type: ignore[attr-defined]
            (p.pk, p.name) for p in panels
        ]


class InviteForm(forms.Form):
    panel = forms.TypedChoiceField(label=_("评审组"), coerce=int)
    role = forms.ChoiceField(label=_("角色"), choices=MemberRole.choices)

    def __init__(self, *args: Any, panels: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["panel"].choices = [(p.pk, p.name) for p in panels]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    """A required reason (decline, declare, waive, withdraw, cancel)."""

    reason = forms.CharField(label=_("理由"), max_length=500, required=False, widget=TEXTAREA)


class RespondForm(ReasonForm):
    accept = forms.TypedChoiceField(
        label=_("答复"),
        coerce=lambda v: v == "1",
        choices=[("1", _("接受")), ("0", _("谢绝"))],
    )


class ConflictAddForm(forms.Form):
    item = forms.TypedChoiceField(label=_("评审对象"), coerce=int)
    expert = forms.TypedChoiceField(label=_("专家"), coerce=int)
    reason = forms.CharField(label=_("理由"), max_length=500, required=False, widget=TEXTAREA)

    def __init__(
        self,
        *args: Any,
        items: Iterable[ReviewItem],
        members: Iterable[PanelMember],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.title) for i in items]  # type: ignore[attr-defined]
        experts = {m.expert_id: m.expert.name for m in members}
        self.fields["expert"].choices = sorted(experts.items(), key=lambda kv: kv[1])  # type: ignore[attr-defined]


class ManualAssignForm(forms.Form):
    member_ids = forms.TypedMultipleChoiceField(
        label=_("评审专家"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, members: Iterable[PanelMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_ids"].choices = [(m.pk, m.expert.name) for m in members]  # type: ignore[attr-defined]


def plain(value: Decimal) -> str:
    """40.00 → "40", 7.50 → "7.5" (``normalize`` alone would give "4E+1")."""
    return format(value.normalize(), "f")


def criterion_field(c: Criterion) -> str:
    return f"c{c.pk}"


class ScoreForm(forms.Form):
    """One number per criterion (range checked by ``score_submit``) and two comments."""

    comment_private = forms.CharField(
        label=_("评审组内意见（仅评审组和组织方可见）"), required=False, widget=TEXTAREA
    )
    comment_shared = forms.CharField(
        label=_("反馈申报方的意见（匿名）"), required=False, widget=TEXTAREA
    )

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[criterion_field(c)] = forms.DecimalField(
                label=c.name,
                help_text=_("%(a)s–%(b)s 分，权重 %(w)s")
                % {"a": plain(c.min_value), "b": plain(c.max_value), "w": plain(c.weight)},
                required=False,
                widget=forms.NumberInput(
                    attrs={"step": "0.5", "inputmode": "decimal"},
                ),
            )
        self.order_fields([criterion_field(c) for c in criteria])

    def values(self) -> dict[int, Any]:
        """{criterion id: value}; an empty box is sent as "" for the service to refuse."""
        return {
            c.pk: ""
            if self.cleaned_data.get(criterion_field(c)) is None
            else self.cleaned_data[criterion_field(c)]
            for c in self.criteria
        }

    def field_for(self, service_key: str) -> str | None:
        """The form field of a service error key (a criterion's id or name)."""
        for c in self.criteria:
            if service_key in {str(c.pk), c.name}:
                return criterion_field(c)
        return None


class ScoreReviseForm(ScoreForm):
    """The chair's correction: the new value of every criterion and the reason (required;
    ``score_revise`` refuses an empty one). The comments stay as the reviewer wrote them."""

    reason = forms.CharField(
        label=_("更正理由（必填）"), required=False, max_length=500, widget=TEXTAREA
    )

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, criteria=criteria, **kwargs)
        del self.fields["comment_private"], self.fields["comment_shared"]


class RoundOpenForm(forms.Form):
    """Opening a round: an optional deadline for its scores."""

    deadline = forms.DateTimeField(
        label=_("评分截止时间（选填）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class RoundDeadlineForm(forms.Form):
    """Moving the open round's deadline: a new time, or the removal ticked; the reason
    (required — ``round_deadline_set`` refuses an empty one and a past time)."""

    deadline = forms.DateTimeField(
        label=_("新的评分截止时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    clear = forms.BooleanField(
        label=_("取消截止时间"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("调整理由（必填）"), max_length=500, required=False, widget=TEXTAREA
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "deadline" not in self.errors and not data.get("clear") and data.get("deadline") is None:
            self.add_error("deadline", _("请输入新的截止时间，或选择取消截止时间。"))
        return data


class AdvanceForm(RoundOpenForm):
    """Opening round 2: which items go on to the meeting round, and the deadline."""

    advancing_item_ids = forms.TypedMultipleChoiceField(
        label=_("进入会评的评审对象"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, items: Iterable[ReviewItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advancing_item_ids"].choices = [(i.pk, i.title) for i in items]  # type: ignore[attr-defined]


class NoticeForm(forms.Form):
    days = forms.IntegerField(label=_("公示天数"), initial=7)


class DecisionForm(forms.Form):
    selected_item_ids = forms.TypedMultipleChoiceField(
        label=_("入选的评审对象"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    justification = forms.CharField(
        label=_("决定理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )

    def __init__(self, *args: Any, items: Iterable[ReviewItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["selected_item_ids"].choices = [(i.pk, i.title) for i in items]  # type: ignore[attr-defined]


class ObjectionForm(forms.Form):
    item = forms.TypedChoiceField(
        label=_("针对的对象"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(
        label=_("异议内容"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, items: Iterable[ReviewItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [  # type: ignore[attr-defined]
            ("", _("整体评审结果")),
            *[(i.pk, i.title) for i in items],
        ]


class ObjectionHandleForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结论"),
        coerce=lambda v: v == "1",
        choices=[("0", _("异议不成立")), ("1", _("异议成立"))],
    )
    answer = forms.CharField(label=_("处理意见"), required=False, widget=TEXTAREA, max_length=5000)
