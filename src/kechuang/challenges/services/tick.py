"""The scheduled step (``kechuang challenges-tick``): close due calls, remind before deadlines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.challenges.choices import ApplicationStatus, CallStatus, EventType
from kechuang.challenges.models import Call
from kechuang.challenges.services.calls import call_transition
from kechuang.challenges.services.steps import event_record
from kechuang.common.locks import locked
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify

REMIND_BEFORE = datetime.timedelta(days=3)


@dataclass(frozen=True)
class TickResult:
    closed: int
    reminded: int


def challenges_tick(*, now: datetime.datetime | None = None) -> TickResult:
    """Close every published call past its deadline; remind applicants with unsubmitted
    drafts once, ``REMIND_BEFORE`` ahead. Safe to run any number of times."""
    now = now or timezone.now()
    due = list(Call.objects.filter(status=CallStatus.PUBLISHED, deadline__lte=now))
    for call in due:
        call_transition(actor=None, call=call, action="close")
    soon = Call.objects.filter(
        status=CallStatus.PUBLISHED,
        deadline__gt=now,
        deadline__lte=now + REMIND_BEFORE,
        reminded_at__isnull=True,
    )
    reminded = 0
    for call in soon:
        reminded += _remind(call.pk, now)
    return TickResult(closed=len(due), reminded=reminded)


@transaction.atomic
def _remind(call_id: int, now: datetime.datetime) -> int:
    call = locked(Call, pk=call_id)
    if call.reminded_at is not None:
        return 0
    drafts = call.applications.filter(status=ApplicationStatus.DRAFT).select_related("applicant")
    recipients = [a.applicant for a in drafts]
    call.reminded_at = now
    call.save(update_fields=["reminded_at", "updated_at"])
    event_record(
        call=call,
        type=EventType.CALL_REMINDED,
        obj=call,
        actor=None,
        recipients=sorted({u.pk for u in recipients}),
    )
    notify(
        recipients=recipients,
        kind=NotificationKind.DEADLINE,
        title=_("《%(t)s》将于 %(d)s 截止揭榜，您的申请尚未提交")
        % {"t": call.title, "d": timezone.localtime(call.deadline).strftime("%Y-%m-%d %H:%M")},
        subject=call,
    )
    return 1
