"""Panels and their members, experts' history (for conflicts), conflicts and assignments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.review.choices import (
    AssignmentSource,
    AssignmentStatus,
    CoauthorKind,
    ConflictKind,
    ConflictSource,
    InvitationStatus,
    MemberRole,
)


class Panel(models.Model):
    """A review panel (评审组) of one process. Its members review the items placed in it
    and, in a two-round process, meet for the second round. Members see only their panel."""

    process = models.ForeignKey(
        "review.ReviewProcess", on_delete=models.CASCADE, related_name="panels"
    )
    name = models.CharField(_("名称"), max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评审组")
        verbose_name_plural = _("评审组")
        ordering = ["process", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "name"],
                name="review_panel_name_unique",
                violation_error_message=_("本次评审已有同名评审组。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    """An expert invited to a panel, as chair or reviewer, and their answer."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(
        "catalog.ExpertProfile", on_delete=models.PROTECT, related_name="panel_seats"
    )
    role = models.CharField(
        _("角色"), max_length=10, choices=MemberRole.choices, default=MemberRole.REVIEWER
    )
    status = models.CharField(
        _("邀请状态"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.INVITED,
    )
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decline_reason = models.CharField(_("谢绝理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评审组成员")
        verbose_name_plural = _("评审组成员")
        ordering = ["panel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "expert"],
                name="review_member_unique",
                violation_error_message=_("该专家已在本评审组中。"),
            ),
            models.UniqueConstraint(
                fields=["panel"],
                condition=Q(role=MemberRole.CHAIR)
                & Q(status__in=[InvitationStatus.INVITED, InvitationStatus.ACCEPTED]),
                name="review_panel_one_chair",
                violation_error_message=_("每个评审组只能有一位组长。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} @ {self.panel}"


class AffiliationHistory(models.Model):
    """Where an expert worked, and when (for the "same organisation within N years"
    conflict). ``end_year`` empty = still there."""

    expert = models.ForeignKey(
        "catalog.ExpertProfile", on_delete=models.CASCADE, related_name="affiliation_history"
    )
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization_name = models.CharField(_("单位名称"), max_length=100)
    start_year = models.PositiveSmallIntegerField(
        _("起始年份"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("结束年份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )

    class Meta:
        verbose_name = _("任职经历")
        verbose_name_plural = _("任职经历")
        ordering = ["expert", "-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="review_affiliation_years_ordered",
                violation_error_message=_("结束年份不能早于起始年份。"),
            )
        ]

    def __str__(self) -> str:
        return self.organization_name


class CoauthorLink(models.Model):
    """A co-authored paper or patent, a shared project or a joint application of an expert
    with someone (another expert, a user or just a name), in a year."""

    expert = models.ForeignKey(
        "catalog.ExpertProfile", on_delete=models.CASCADE, related_name="coauthor_links"
    )
    coauthor_expert = models.ForeignKey(
        "catalog.ExpertProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    coauthor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coauthor_name = models.CharField(_("合作者姓名"), max_length=50)
    kind = models.CharField(_("合作类型"), max_length=12, choices=CoauthorKind.choices)
    title = models.CharField(_("题目"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        _("年份"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )

    class Meta:
        verbose_name = _("合作记录")
        verbose_name_plural = _("合作记录")
        ordering = ["expert", "-year"]

    def __str__(self) -> str:
        return f"{self.expert_id} ↔ {self.coauthor_name}"


class Conflict(models.Model):
    """A conflict of interest between an expert and an item, explained in Chinese.

    Detected ones come from ``review.conflicts``; experts declare them; organisers add them.
    A conflict is never deleted: the organiser may waive it with a recorded reason.
    """

    process = models.ForeignKey(
        "review.ReviewProcess", on_delete=models.CASCADE, related_name="conflicts"
    )
    item = models.ForeignKey("review.ReviewItem", on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey("catalog.ExpertProfile", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=ConflictKind.choices)
    source = models.CharField(_("来源"), max_length=10, choices=ConflictSource.choices)
    explanation = models.CharField(_("说明"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    waived_at = models.DateTimeField(_("豁免时间"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    waive_reason = models.CharField(_("豁免理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("利益冲突")
        verbose_name_plural = _("利益冲突")
        ordering = ["process", "item", "expert", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "expert", "kind"],
                name="review_conflict_unique",
                violation_error_message=_("该利益冲突已记录。"),
            ),
            models.CheckConstraint(
                condition=Q(waived_at__isnull=True) | ~Q(waive_reason=""),
                name="review_conflict_waiver_has_reason",
                violation_error_message=_("豁免利益冲突须写明理由。"),
            ),
        ]

    def __str__(self) -> str:
        return self.explanation

    @property
    def is_active(self) -> bool:
        return self.waived_at is None


class ReviewAssignment(models.Model):
    """A panel member assigned to review one item, with the affinity and the reason."""

    item = models.ForeignKey(
        "review.ReviewItem", on_delete=models.CASCADE, related_name="assignments"
    )
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="assignments")
    affinity = models.FloatField(_("匹配度"))
    reason = models.CharField(_("分配理由"), max_length=1000)
    # why the panel's other members were not chosen for this item: the runners' view only
    # (it names colleagues' conflicts), kept apart from ``reason``, which the reviewer sees
    not_chosen = models.CharField(_("未选其他专家的原因"), max_length=1000, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=AssignmentSource.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["item", "-affinity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=Q(status=AssignmentStatus.ACTIVE),
                name="review_assignment_active_unique",
                violation_error_message=_("该专家已分配到此评审对象。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.item_id}"
