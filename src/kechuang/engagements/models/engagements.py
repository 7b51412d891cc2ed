"""The engagement (对接) itself, its append-only event log and the decline signal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.common.models import AppendOnly
from kechuang.engagements.choices import (
    DeclineReason,
    EventType,
    Origin,
    PairSignalKind,
    Side,
    Stage,
)


class Engagement(models.Model):
    """A docking (对接) between a subject and a counterparty, tracked to 签约 and 落地.

    The subject is a need or an achievement (exactly one); its owner is the subject's
    organisation. The counterparty is an expert profile or an organisation (exactly one).
    ``started_side`` says who asked first; the other side accepts the introduction. When
    staff start it on behalf of both (``Side.BROKER``), each side agrees separately: the
    introduction happens when both ``*_agreed_at`` are set. ``stage`` changes only through
    ``services.transitions.engagement_transition``, which writes an ``EngagementEvent``
    for every move and stamps the stage's ``*_at`` field the first time it is reached.
    ``match_reason`` is the matching engine's explanation at the start (a snapshot: the
    index moves on, the reason that led to the docking does not).
    """

    need = models.ForeignKey(
        "catalog.Need",
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    achievement = models.ForeignKey(
        "catalog.Achievement",
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    # the subject's owner, copied at the start: the access rule's subtree test is one join
    subject_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("需求方/成果方"),
        on_delete=models.PROTECT,
        related_name="engagements_as_subject",
    )
    counterparty_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("对接单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements_as_counterparty",
    )
    counterparty_expert = models.ForeignKey(
        "catalog.ExpertProfile",
        verbose_name=_("对接专家"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_side = models.CharField(_("发起方"), max_length=15, choices=Side.choices)
    origin = models.CharField(_("来源"), max_length=15, choices=Origin.choices)
    match_reason = models.JSONField(_("匹配理由"), default=dict, blank=True)
    note = models.TextField(_("发起说明"), max_length=2000, blank=True)
    stage = models.CharField(
        _("阶段"), max_length=15, choices=Stage.choices, default=Stage.INTEREST, db_index=True
    )
    paused_stage = models.CharField(
        _("停滞前阶段"), max_length=15, choices=Stage.choices, blank=True
    )
    subject_agreed_at = models.DateTimeField(_("需求方/成果方同意时间"), null=True, blank=True)
    counterparty_agreed_at = models.DateTimeField(_("对接方同意时间"), null=True, blank=True)
    intention_summary = models.TextField(_("合作意向摘要"), max_length=3000, blank=True)
    decline_reason = models.CharField(
        _("婉拒原因"), max_length=15, choices=DeclineReason.choices, blank=True
    )
    decline_text = models.CharField(_("婉拒说明"), max_length=500, blank=True)
    declined_side = models.CharField(_("婉拒方"), max_length=15, choices=Side.choices, blank=True)
    started_at = models.DateTimeField(_("发起时间"), auto_now_add=True, db_index=True)
    introduced_at = models.DateTimeField(_("引荐时间"), null=True, blank=True)
    negotiating_at = models.DateTimeField(_("开始洽谈"), null=True, blank=True)
    intention_at = models.DateTimeField(_("达成意向"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签约时间"), null=True, blank=True)
    implementing_at = models.DateTimeField(_("开始实施"), null=True, blank=True)
    completed_at = models.DateTimeField(_("落地时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)  # declined/withdrawn
    stage_changed_at = models.DateTimeField(_("阶段变更时间"), auto_now_add=True)
    # any event (message, meeting, payment …): the stalled reminder counts days from here
    last_activity_at = models.DateTimeField(_("最近活动"), auto_now_add=True, db_index=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)

    class Meta:
        verbose_name = _("对接")
        verbose_name_plural = _("对接")
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, achievement__isnull=True)
                | Q(need__isnull=True, achievement__isnull=False),
                name="engagement_one_subject",
                violation_error_message=_("对接须针对一项需求或一项成果。"),
            ),
            models.CheckConstraint(
                condition=Q(counterparty_org__isnull=False, counterparty_expert__isnull=True)
                | Q(counterparty_org__isnull=True, counterparty_expert__isnull=False),
                name="engagement_one_counterparty",
                violation_error_message=_("对接方须为一个单位或一位专家。"),
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.DECLINED) | ~Q(decline_reason=""),
                name="engagement_decline_has_reason",
                violation_error_message=_("婉拒须选择原因。"),
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.STALLED) | ~Q(paused_stage=""),
                name="engagement_stalled_remembers_stage",
            ),
        ]
        indexes = [models.Index(fields=["stage", "last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.subject} ↔ {self.counterparty}"

    @property
    def subject(self) -> models.Model:
        return self.need if self.need_id else self.achievement  # type: ignore[return-value]

    @property
    def subject_kind(self) -> str:
        return "need" if self.need_id else "achievement"

    @property
    def counterparty(self) -> models.Model:
        return self.counterparty_expert if self.counterparty_expert_id else self.counterparty_org  # type: ignore[return-value]

    @property
    def counterparty_kind(self) -> str:
        return "expert" if self.counterparty_expert_id else "organization"


class EngagementEvent(AppendOnly):
    """One step of an engagement: every stage move (``from_stage`` → ``to_stage``) and
    every activity (message, meeting, contract, payment, milestone …), by whom, when.

    Written by the service that makes the step, in its transaction; the funnel's times
    between stages and the stalled reminder read it. ``reason``/``reason_text`` carry a
    decline's structured reason (or a withdrawal's note).
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(_("事件"), max_length=20, choices=EventType.choices)
    from_stage = models.CharField(_("原阶段"), max_length=15, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=15, choices=Stage.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    side = models.CharField(_("身份"), max_length=15, choices=Side.choices, blank=True)
    reason = models.CharField(_("原因"), max_length=15, choices=DeclineReason.choices, blank=True)
    reason_text = models.CharField(_("说明"), max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("对接事件")
        verbose_name_plural = _("对接事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.type} #{self.engagement_id} {self.from_stage}→{self.to_stage}"


class PairSignal(models.Model):
    """A negative signal for one pair of search documents (``need:12`` ✗ ``expert:7``),
    recorded when a side declines: the pair is no longer recommended either way, for
    anyone. ``matching`` reads it through the hook registered in ``EngagementsConfig``
    (it never imports this app); the reason is kept for tuning the engine later.
    """

    source = models.CharField(_("需求/成果"), max_length=40)
    target = models.CharField(_("对接方"), max_length=40)
    kind = models.CharField(
        max_length=10, choices=PairSignalKind.choices, default=PairSignalKind.DECLINED
    )
    reason = models.CharField(_("原因"), max_length=15, choices=DeclineReason.choices)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="pair_signals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("匹配负反馈")
        verbose_name_plural = _("匹配负反馈")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "engagement"], name="pair_signal_unique"
            )
        ]
        indexes = [models.Index(fields=["source"]), models.Index(fields=["target"])]

    def __str__(self) -> str:
        return f"{self.source} ✗ {self.target}"


class Meeting(models.Model):
    """A meeting recorded by a party, a liaison or association staff (会谈记录)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("会谈日期"))
    place = models.CharField(_("地点/方式"), max_length=100, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=300, blank=True)
    notes = models.TextField(_("纪要"), max_length=3000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会谈记录")
        verbose_name_plural = _("会谈记录")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class ConfidentialityAgreement(models.Model):
    """The subject owner requires a confidentiality agreement (保密协议) before the
    confidential details (the need's or achievement's attachments, contacts) are shown
    to the counterparty; each counterparty user accepts it (``ConfidentialityAcceptance``).
    """

    engagement = models.OneToOneField(
        Engagement, on_delete=models.PROTECT, related_name="agreement"
    )
    text = models.TextField(_("协议内容"), max_length=5000)
    required_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    required_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保密协议")
        verbose_name_plural = _("保密协议")

    def __str__(self) -> str:
        return f"NDA #{self.engagement_id}"


class ConfidentialityAcceptance(AppendOnly):
    """One user accepted the engagement's confidentiality agreement, at a time."""

    agreement = models.ForeignKey(
        ConfidentialityAgreement, on_delete=models.PROTECT, related_name="acceptances"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保密协议签署")
        verbose_name_plural = _("保密协议签署")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "user"], name="nda_acceptance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ✓ NDA #{self.agreement_id}"
