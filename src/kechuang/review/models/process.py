"""Review processes (评审), their rubric, the items under review and the event log."""

from __future__ import annotations

import datetime
from fractions import Fraction

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.common.models import AppendOnly
from kechuang.review.choices import EventType, PartyRole, ProcessStatus, Purpose
from kechuang.review.rules import ReviewRules


class ReviewProcess(models.Model):
    """One expert review: who runs it, its rules, its rubric and where it stands.

    The organiser's managers run it; the managers of an optional third-party evaluator
    may run it on the organiser's behalf (everything but the decision and the notice).
    The panel rules are stored here, per process, with the defaults of issue 4.
    """

    organiser = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    evaluator = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("第三方评价机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("名称"), max_length=100, validators=[MinLengthValidator(2)])
    purpose = models.CharField(_("用途"), max_length=30, choices=Purpose.choices)
    rounds = models.PositiveSmallIntegerField(
        _("评审轮次"), default=2, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    panel_size = models.PositiveSmallIntegerField(
        _("每个评审对象的专家人数"), default=5, validators=[MinValueValidator(1)]
    )
    frontline_numerator = models.PositiveSmallIntegerField(_("一线人员比例（分子）"), default=1)
    frontline_denominator = models.PositiveSmallIntegerField(
        _("一线人员比例（分母）"), default=3, validators=[MinValueValidator(1)]
    )
    exclude_government = models.BooleanField(_("排除党政机关工作人员"), default=True)
    max_load = models.PositiveSmallIntegerField(
        _("每位专家最多评审数"), default=10, validators=[MinValueValidator(1)]
    )
    conflict_years = models.PositiveSmallIntegerField(_("回避年限"), default=3)
    conflict_subtree = models.BooleanField(_("回避申报方所在科协辖区"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ProcessStatus.choices,
        default=ProcessStatus.SETUP,
        db_index=True,
    )
    # set when the round opens (optional); scores submitted later are refused
    round_1_deadline = models.DateTimeField(_("第一轮评分截止"), null=True, blank=True)
    round_2_deadline = models.DateTimeField(_("第二轮评分截止"), null=True, blank=True)
    notice_starts_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("公示结束"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评审")
        verbose_name_plural = _("评审")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rounds__gte=1) & Q(rounds__lte=2),
                name="review_process_rounds_1_or_2",
                violation_error_message=_("评审轮次只能是 1 或 2。"),
            ),
            models.CheckConstraint(
                condition=Q(frontline_numerator__lte=F("frontline_denominator"))
                & Q(frontline_denominator__gte=1),
                name="review_process_frontline_share_le_1",
                violation_error_message=_("一线人员比例须在 0 到 1 之间。"),
            ),
            models.CheckConstraint(
                condition=Q(notice_ends_at__isnull=True)
                | Q(notice_ends_at__gt=F("notice_starts_at")),
                name="review_process_notice_ends_after_start",
                violation_error_message=_("公示结束时间须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def round_deadline(self, round_no: int) -> datetime.datetime | None:
        """When scoring of the round closes, if a deadline was set."""
        return {1: self.round_1_deadline, 2: self.round_2_deadline}.get(round_no)

    @property
    def rules(self) -> ReviewRules:
        return ReviewRules(
            panel_size=self.panel_size,
            frontline_share=Fraction(self.frontline_numerator, self.frontline_denominator),
            exclude_government=self.exclude_government,
            max_load=self.max_load,
            conflict_years=self.conflict_years,
            conflict_subtree=self.conflict_subtree,
        )


class Rubric(models.Model):
    """The scoring form of one process: its criteria with weights and ranges."""

    process = models.OneToOneField(ReviewProcess, on_delete=models.CASCADE, related_name="rubric")
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One scored criterion: a value in [min_value, max_value], weighted by ``weight``."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    weight = models.DecimalField(
        _("权重"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    min_value = models.DecimalField(_("最低分"), max_digits=6, decimal_places=2, default=0)
    max_value = models.DecimalField(_("最高分"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rubric", "name"],
                name="review_criterion_name_unique",
                violation_error_message=_("评分项名称重复。"),
            ),
            models.CheckConstraint(
                condition=Q(max_value__gt=F("min_value")),
                name="review_criterion_max_gt_min",
                violation_error_message=_("最高分须高于最低分。"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="review_criterion_weight_positive",
                violation_error_message=_("权重须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewItem(models.Model):
    """One thing under review, handed over by another app (``subject_type`` + ``subject_id``,
    e.g. ``"challenges.application"``, 12). ``text`` feeds affinity and duplicate checks."""

    process = models.ForeignKey(ReviewProcess, on_delete=models.CASCADE, related_name="items")
    subject_type = models.CharField(_("对象类型"), max_length=50)
    subject_id = models.PositiveBigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), max_length=20000, blank=True)
    panel = models.ForeignKey(
        "review.Panel",
        verbose_name=_("评审组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    # the round after which the item did not advance (round 1 → not in the meeting round)
    eliminated_after_round = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评审对象")
        verbose_name_plural = _("评审对象")
        ordering = ["process", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "subject_type", "subject_id"],
                name="review_item_subject_unique",
                violation_error_message=_("该对象已在本次评审中。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def in_round(self, round_no: int) -> bool:
        return self.eliminated_after_round is None or self.eliminated_after_round >= round_no


class ItemParty(models.Model):
    """Who stands behind an item (applicant, consortium partner, team member): the input of
    the conflict-of-interest checks. Any of organisation, user and expert may be known."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expert = models.ForeignKey(
        "catalog.ExpertProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=100)
    role = models.CharField(_("角色"), max_length=10, choices=PartyRole.choices)

    class Meta:
        verbose_name = _("申报方")
        verbose_name_plural = _("申报方")
        ordering = ["item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(role=PartyRole.LEAD),
                name="review_item_one_lead",
                violation_error_message=_("每个评审对象只能有一个牵头方。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReviewEvent(AppendOnly):
    """One step in a process's life: type, parameters, who and when (never changed)."""

    process = models.ForeignKey(ReviewProcess, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("类型"), max_length=30, choices=EventType.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("评审事件")
        verbose_name_plural = _("评审事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.process_id} {self.type}"
