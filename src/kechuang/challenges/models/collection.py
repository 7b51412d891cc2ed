"""Problem collection (征集): rounds opened by an association, problems submitted in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.choices import ProblemStatus, RoundStatus


class CollectionRound(models.Model):
    """A period in which members of ``owner``'s subtree submit technical problems.

    ``owner`` is an association (regional, enterprise, park …); its admins and staff
    screen what comes in.
    """

    owner = models.ForeignKey(
        "orgs.Organization", verbose_name=_("征集单位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("征集轮次")
        verbose_name_plural = _("征集轮次")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="challenge_round_period_ordered",
                violation_error_message=_("截止日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Problem(models.Model):
    """A technical problem submitted in a round by a member organisation of its subtree."""

    round = models.ForeignKey(
        CollectionRound,
        verbose_name=_("征集轮次"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("提出单位"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("题目"), max_length=100)
    description = models.TextField(_("问题描述"), max_length=5000)
    industry = models.ForeignKey(
        "vocab.Industry", verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT
    )
    discipline = models.ForeignKey(
        "vocab.Discipline", verbose_name=_("学科"), null=True, blank=True, on_delete=models.PROTECT
    )
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.SUBMITTED
    )
    screening_reason = models.CharField(_("筛选意见"), max_length=500, blank=True)
    taken_by = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("内部承接单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # the published need this problem was promoted from by association staff, if any
    source_need = models.ForeignKey(
        "catalog.Need",
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenge_problems",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("难题")
        verbose_name_plural = _("难题")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.REJECTED) | ~Q(screening_reason=""),
                name="challenge_problem_rejection_has_reason",
                violation_error_message=_("未入选的难题须写明理由。"),
            ),
            models.CheckConstraint(
                condition=Q(status=ProblemStatus.TAKEN, taken_by__isnull=False)
                | (~Q(status=ProblemStatus.TAKEN) & Q(taken_by__isnull=True)),
                name="challenge_problem_taken_by_iff_taken",
                violation_error_message=_("只有内部承接的难题有承接单位。"),
            ),
            models.UniqueConstraint(
                fields=["round", "source_need"],
                condition=Q(source_need__isnull=False),
                name="challenge_problem_need_once_per_round",
                violation_error_message=_("该需求已转入本轮征集。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title
