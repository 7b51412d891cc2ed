"""Scores (per assignment and round, in revisions), decisions and objections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.common.models import AppendOnly
from kechuang.review.choices import ObjectionStatus


class Score(AppendOnly):
    """A reviewer's submitted score of one item in one round. Final once written: a
    correction is a new row with the next ``revision``, decided by the panel chair, with
    a reason; the latest revision counts. ``total`` is the weighted total on 0–100."""

    assignment = models.ForeignKey(
        "review.ReviewAssignment", on_delete=models.PROTECT, related_name="scores"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    total = models.DecimalField(_("加权总分"), max_digits=6, decimal_places=2)
    comment_private = models.TextField(_("评审组内意见"), max_length=3000, blank=True)
    comment_shared = models.TextField(_("反馈申报方的意见"), max_length=3000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    revision_reason = models.CharField(_("更正理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["assignment", "round", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "round", "revision"],
                name="review_score_revision_unique",
                violation_error_message=_("该评分已提交。"),
            ),
            models.CheckConstraint(
                condition=Q(round__gte=1) & Q(round__lte=2),
                name="review_score_round_1_or_2",
                violation_error_message=_("轮次只能是 1 或 2。"),
            ),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(revision_reason=""),
                name="review_score_revision_has_reason",
                violation_error_message=_("更正评分须写明理由。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} r{self.round} v{self.revision}: {self.total}"


class ScoreLine(AppendOnly):
    """The value given for one criterion in one score."""

    score = models.ForeignKey(Score, on_delete=models.PROTECT, related_name="lines")
    criterion = models.ForeignKey("review.Criterion", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("评分明细")
        verbose_name_plural = _("评分明细")
        ordering = ["score", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["score", "criterion"],
                name="review_score_line_unique",
                violation_error_message=_("同一评分项只能打一次分。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"


class Decision(AppendOnly):
    """The organiser's decision: which items are selected, and why. One per process."""

    process = models.OneToOneField(
        "review.ReviewProcess", on_delete=models.PROTECT, related_name="decision"
    )
    justification = models.TextField(_("决定理由"), max_length=5000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评审决定")
        verbose_name_plural = _("评审决定")
        constraints = [
            models.CheckConstraint(
                condition=~Q(justification=""),
                name="review_decision_has_justification",
                violation_error_message=_("请填写决定理由。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.process_id}"


class DecisionSelection(AppendOnly):
    """One item the decision selects, in the order the organiser listed them."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="selections")
    item = models.ForeignKey("review.ReviewItem", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["decision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "item"],
                name="review_selection_unique",
                violation_error_message=_("同一对象只能选一次。"),
            )
        ]


class Objection(models.Model):
    """An objection (异议) filed during the public notice, and how the organiser handled it.
    Handled once: the answer is final."""

    process = models.ForeignKey(
        "review.ReviewProcess", on_delete=models.CASCADE, related_name="objections"
    )
    item = models.ForeignKey(
        "review.ReviewItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("异议内容"), max_length=5000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("处理意见"), max_length=5000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["process", "filed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.OPEN) | ~Q(answer=""),
                name="review_objection_handled_has_answer",
                violation_error_message=_("处理异议须写明答复。"),
            )
        ]

    def __str__(self) -> str:
        return self.text[:30]
