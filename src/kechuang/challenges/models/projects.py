"""Award (挂帅), the project it sets up, milestones, tranches, changes and acceptance (验收)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.choices import (
    AcceptanceVerdict,
    ChangeStatus,
    MilestoneStatus,
    ProjectStatus,
)


class Award(models.Model):
    """The winner of one problem: at most one award per problem (and per application).

    ``funding_cap`` is the most public money the project may ever receive (万元), fixed at
    award time from the problem's funding mode; tranche releases never exceed it.
    """

    call_problem = models.OneToOneField(
        "challenges.CallProblem", on_delete=models.PROTECT, related_name="award"
    )
    application = models.OneToOneField(
        "challenges.Application", on_delete=models.PROTECT, related_name="award"
    )
    funding_cap = models.DecimalField(_("财政资金上限（万元）"), max_digits=12, decimal_places=2)
    justification = models.TextField(_("决定理由"), max_length=2000)
    agreement_text = models.TextField(_("协议要点"), max_length=5000, blank=True)
    agreement_signed_on = models.DateField(_("协议签订日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("揭榜结果")
        verbose_name_plural = _("揭榜结果")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(funding_cap__gte=Decimal(0)),
                name="challenge_award_cap_not_negative",
                violation_error_message=_("资金上限不能为负数。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_problem} → {self.application}"


class Project(models.Model):
    """The project a winner carries out (挂帅), from award to acceptance or termination."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="project")
    title = models.CharField(_("项目名称"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    termination_reason = models.CharField(_("终止原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("揭榜项目")
        verbose_name_plural = _("揭榜项目")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    """A milestone with its deliverables and the tranche it unlocks once reviewed as passed.

    Two ways to review it: a recorded verdict by one of the organiser's staff (a one-person
    check), or ``review_process``, an expert review of purpose ``milestone`` whose one item
    is the milestone's progress report; the milestone passes when that process is final
    with the item selected (``services/milestone_review.py``).
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("里程碑"), max_length=100)
    deliverables = models.TextField(_("交付物"), max_length=2000)
    due_on = models.DateField(_("完成日期"))
    tranche_amount = models.DecimalField(
        _("对应拨付金额（万元）"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )
    verdict_reason = models.CharField(_("评审意见"), max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_process = models.OneToOneField(
        "review.ReviewProcess",
        verbose_name=_("专家评审"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenge_milestone",
    )

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tranche_amount__gte=Decimal(0)),
                name="challenge_tranche_not_negative",
                violation_error_message=_("拨付金额不能为负数。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class TranchePayment(models.Model):
    """Money released for one passed milestone: at most one payment per milestone."""

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("金额（万元）"), max_digits=12, decimal_places=2)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal(0)),
                name="challenge_payment_positive",
                violation_error_message=_("拨付金额须大于 0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.amount}"


class ProgressReport(models.Model):
    """A progress report from the project team, optionally on one milestone."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    text = models.TextField(_("进展"), max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} @ {self.created_at:%Y-%m-%d}"


class ChangeRequest(models.Model):
    """A requested change to a project; an approved one may move a milestone's due date."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="changes")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    description = models.TextField(_("变更内容"), max_length=2000)
    new_due_on = models.DateField(_("新的完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.CharField(_("审批意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("变更申请")
        verbose_name_plural = _("变更申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_on__isnull=True) | Q(milestone__isnull=False),
                name="challenge_change_date_needs_milestone",
                violation_error_message=_("变更完成日期须指明里程碑。"),
            )
        ]

    def __str__(self) -> str:
        return self.description[:50]


class Acceptance(models.Model):
    """The acceptance review (验收) of a project against the promised indicators.

    ``results``: ``[{"name", "unit", "promised", "achieved", "met"}]``, one row per promised
    indicator of the winning application.
    """

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="acceptance")
    results = models.JSONField(_("指标完成情况"), default=list)
    verdict = models.CharField(_("结论"), max_length=12, choices=AcceptanceVerdict.choices)
    conditions = models.TextField(_("整改条件"), max_length=2000, blank=True)
    summary = models.TextField(_("验收意见"), max_length=5000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")
        constraints = [
            models.CheckConstraint(
                condition=~Q(verdict=AcceptanceVerdict.CONDITIONAL) | ~Q(conditions=""),
                name="challenge_conditional_has_conditions",
                violation_error_message=_("有条件通过须写明条件。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.verdict}"

    def shown_results(self) -> list[dict[str, Any]]:
        """The rows as shown: each with its direction (``rule``: the row's own or, for rows
        recorded before it was stored, the problem's), the promised number without it,
        and ``met`` only when the organiser marked it and the achieved number does not
        contradict the promise (``challenges.indicators``)."""
        from kechuang.challenges.indicators import meets, rule_for, split_target

        required = {
            str(r.get("name")): str(r.get("target") or "")
            for r in self.project.award.call_problem.indicators or []
        }
        out = []
        for row in self.results:
            promised = str(row.get("promised") or "")
            rule = row.get("rule") or rule_for(promised, required.get(row.get("name", ""), ""))
            check = meets(rule, promised, str(row.get("achieved") or ""))
            out.append(
                {
                    **row,
                    "rule": rule,
                    "promised": split_target(promised)[1],
                    "met": bool(row.get("met")) and check is not False,
                }
            )
        return out
