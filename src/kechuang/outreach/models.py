"""Matchmaking events (对接会): the event, its slots and tables, who registered, who asked
whom to meet, and the meetings the scheduler placed.

Invariants the database holds: a person (registration) sits in at most one meeting per
slot (``MeetingSeat``), a table hosts at most one meeting per slot, a request is met at
most once, nobody asks themselves, and one party asks another only once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.outreach.choices import (
    EventMode,
    EventStatus,
    Interest,
    MeetingOutcome,
    RegistrationState,
    RequestState,
)


class Event(models.Model):
    """A themed matchmaking event organised by an association: registration, 1:1 meeting
    requests, a schedule of meetings in slots at numbered tables."""

    organizer = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("主办单位"),
        on_delete=models.PROTECT,
        related_name="outreach_events",
    )
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("简介"), max_length=3000, blank=True)
    industry = models.ForeignKey(
        "vocab.Industry",
        verbose_name=_("主题行业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "vocab.Region",
        verbose_name=_("主题地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mode = models.CharField(_("形式"), max_length=10, choices=EventMode.choices)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    stream_url = models.URLField(_("直播链接"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    registration_opens_at = models.DateTimeField(_("报名开始"))
    registration_closes_at = models.DateTimeField(_("报名截止"))
    requires_validation = models.BooleanField(_("报名需审核"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("对接会")
        verbose_name_plural = _("对接会")
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="outreach_event_period_ordered",
                violation_error_message=_("结束时间须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=F("registration_opens_at"))
                & Q(registration_closes_at__lte=F("ends_at")),
                name="outreach_event_registration_ordered",
                violation_error_message=_("报名截止须晚于报名开始，且不晚于活动结束。"),
            ),
            models.CheckConstraint(
                condition=Q(mode=EventMode.ONLINE) | ~Q(place=""),
                name="outreach_event_place_on_site",
                violation_error_message=_("线下或线上线下结合的活动须填写地点。"),
            ),
            models.CheckConstraint(
                condition=Q(mode=EventMode.ONSITE) | ~Q(stream_url=""),
                name="outreach_event_stream_online",
                violation_error_message=_("线上或线上线下结合的活动须填写直播链接。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Slot(models.Model):
    """A time range of the event in which 1:1 meetings take place."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    number = models.PositiveSmallIntegerField(_("序号"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("时段")
        verbose_name_plural = _("时段")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "number"],
                name="outreach_slot_number_unique",
                violation_error_message=_("时段序号重复。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="outreach_slot_period_ordered",
                violation_error_message=_("时段结束须晚于开始。"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Table(models.Model):
    """A numbered table at which one meeting per slot takes place (or a virtual room)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tables")
    number = models.PositiveSmallIntegerField(_("桌号"))
    label = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("洽谈桌")
        verbose_name_plural = _("洽谈桌")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "number"],
                name="outreach_table_number_unique",
                violation_error_message=_("桌号重复。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class Registration(models.Model):
    """A participant of an event: a user acting for an organisation, or as an expert
    (their expert profile). Exactly one of ``organization`` and ``expert`` is set."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outreach_registrations"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("参会单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    expert = models.ForeignKey(
        "catalog.ExpertProfile",
        verbose_name=_("专家"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.CharField(_("参会说明"), max_length=300, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=RegistrationState.choices, db_index=True
    )
    available_slots = models.ManyToManyField(
        Slot, verbose_name=_("可洽谈时段"), blank=True, related_name="available"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True, expert__isnull=False)
                | Q(organization__isnull=False, expert__isnull=True),
                name="outreach_registration_one_party",
                violation_error_message=_("报名须选择代表单位或以专家身份参会（二选一）。"),
            ),
            models.UniqueConstraint(
                fields=["event", "organization"],
                name="outreach_registration_org_once",
                violation_error_message=_("该单位已报名此活动。"),
            ),
            models.UniqueConstraint(
                fields=["event", "expert"],
                name="outreach_registration_expert_once",
                violation_error_message=_("该专家已报名此活动。"),
            ),
        ]

    def __str__(self) -> str:
        party = self.organization if self.organization_id else self.expert
        return str(party)


class MeetingRequest(models.Model):
    """One participant asks another for a 1:1 meeting, with a reason; the other accepts
    (saying how interested they are) or declines. Only accepted requests are scheduled."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    requester = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="sent")
    recipient = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="received")
    reason = models.CharField(_("洽谈事由"), max_length=500)
    requester_interest = models.PositiveSmallIntegerField(
        _("发起方意愿"), choices=Interest.choices, default=Interest.MEDIUM
    )
    recipient_interest = models.PositiveSmallIntegerField(
        _("接受方意愿"), choices=Interest.choices, null=True, blank=True
    )
    match_score = models.FloatField(
        _("匹配度"), null=True, blank=True, help_text=_("匹配引擎对双方的评分（0–1），排期时计入。")
    )
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=RequestState.choices,
        default=RequestState.REQUESTED,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("洽谈请求")
        verbose_name_plural = _("洽谈请求")
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("recipient")),
                name="outreach_request_not_self",
                violation_error_message=_("不能向自己发起洽谈。"),
            ),
            models.UniqueConstraint(
                fields=["requester", "recipient"],
                name="outreach_request_once",
                violation_error_message=_("已向对方发起过洽谈请求。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=RequestState.ACCEPTED) | Q(recipient_interest__isnull=False),
                name="outreach_request_accepted_has_interest",
                violation_error_message=_("接受请求时须说明意愿。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient}"

    @property
    def mutual_interest(self) -> int:
        """Both sides' interest added (0 until the request is accepted)."""
        return self.requester_interest + (self.recipient_interest or 0)


class Meeting(models.Model):
    """An accepted request placed in a slot at a table, and what came of it.

    ``engagement_id`` is the hook into the engagement ledger (issue 13): once that app
    exists, recording an outcome opens or updates the engagement and stores its id here.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    request = models.OneToOneField(MeetingRequest, on_delete=models.CASCADE, related_name="meeting")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="meetings")
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="meetings")
    outcome = models.CharField(
        _("洽谈结果"), max_length=12, choices=MeetingOutcome.choices, blank=True, default=""
    )
    outcome_note = models.CharField(_("结果说明"), max_length=500, blank=True)
    engagement_id = models.PositiveBigIntegerField(_("对接记录"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("洽谈")
        verbose_name_plural = _("洽谈")
        ordering = ["slot__number", "table__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "table"],
                name="outreach_meeting_table_once_per_slot",
                violation_error_message=_("该桌在此时段已有洽谈。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} @ {self.slot} / {self.table}"


class MeetingSeat(models.Model):
    """One party's seat at a meeting: two per meeting. ``slot`` repeats the meeting's slot
    so that the database refuses a second meeting for the same person in one slot; the
    party's check-in time is kept here."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="seats")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("洽谈席位")
        verbose_name_plural = _("洽谈席位")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "slot"],
                name="outreach_seat_one_meeting_per_slot",
                violation_error_message=_("该参会方在此时段已有洽谈。"),
            ),
            models.UniqueConstraint(
                fields=["meeting", "registration"],
                name="outreach_seat_once_per_meeting",
                violation_error_message=_("参会方已在此洽谈中。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} @ {self.meeting_id}"


class ScheduleRun(models.Model):
    """One run of the scheduler by the organiser (append-only): what the solver reported
    and why each accepted request was left out (``unscheduled``: request id → reason code
    from ``scheduling.explain``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedule_runs")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("求解状态"), max_length=20)
    solver = models.CharField(_("求解器"), max_length=20)
    objective = models.FloatField(_("目标值"))
    bound = models.FloatField(_("上界"))
    gap = models.FloatField(_("差距"))
    seconds = models.FloatField(_("用时（秒）"))
    requests = models.PositiveIntegerField(_("已接受请求数"))
    meetings = models.PositiveIntegerField(_("安排洽谈数"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    unscheduled = models.JSONField(_("未安排原因"), default=dict)

    class Meta:
        verbose_name = _("排期记录")
        verbose_name_plural = _("排期记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} @ {self.at:%Y-%m-%d %H:%M}"
