"""Statuses and kinds of matchmaking events, and the event's transition table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventMode(models.TextChoices):
    ONLINE = "online", _("线上")
    ONSITE = "onsite", _("线下")
    HYBRID = "hybrid", _("线上线下结合")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("报名中")
    CLOSED = "closed", _("报名截止")
    SCHEDULED = "scheduled", _("已排期")
    FINISHED = "finished", _("已结束")
    CANCELLED = "cancelled", _("已取消")


# status -> the statuses the organiser may move it to
EVENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EventStatus.DRAFT: frozenset({EventStatus.OPEN, EventStatus.CANCELLED}),
    EventStatus.OPEN: frozenset({EventStatus.CLOSED, EventStatus.CANCELLED}),
    EventStatus.CLOSED: frozenset({EventStatus.OPEN, EventStatus.SCHEDULED, EventStatus.CANCELLED}),
    EventStatus.SCHEDULED: frozenset({EventStatus.FINISHED, EventStatus.CANCELLED}),
    EventStatus.FINISHED: frozenset(),
    EventStatus.CANCELLED: frozenset(),
}

# meeting requests may be made and answered while the event is in one of these
REQUESTS_OPEN = frozenset({EventStatus.OPEN, EventStatus.CLOSED})
# the organiser may (re)run the scheduler in these
SCHEDULABLE = frozenset({EventStatus.CLOSED, EventStatus.SCHEDULED})


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("待审核")
    VALIDATED = "validated", _("已确认")
    REJECTED = "rejected", _("未通过")


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("待回复")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已婉拒")


class Interest(models.IntegerChoices):
    """How much one side wants the meeting; the scheduler adds both sides' levels."""

    LOW = 1, _("一般")
    MEDIUM = 2, _("较强")
    HIGH = 3, _("强烈")


class MeetingOutcome(models.TextChoices):
    NONE = "", _("未记录")
    NO_INTEREST = "no_interest", _("无意向")
    FOLLOW_UP = "follow_up", _("继续跟进")
    INTENTION = "intention", _("达成意向")
    SIGNED = "signed", _("现场签约")
