"""Stalled reminders: an engagement with no activity for N days reminds both sides and
the liaisons serving them (issue 13, item 8).

N is ``KECHUANG_ENGAGEMENT_STALL_DAYS`` (default 14). Activity is any event that moves
``Engagement.last_activity_at`` (a stage move, a message, a meeting, a payment …); the
reminder itself is not activity. An engagement is reminded once per stall period: again
only after another N days without activity. Engagements already marked stalled, and
closed ones, are not reminded. ``engagements_remind_stalled`` is the scheduler's hourly
job (``tasks.remind_stalled`` in ``kechuang.worker.scheduler.default_jobs``); safe to run
any number of times, and at the same time in two processes (each engagement is re-checked
under its row lock).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.engagements.choices import EventType, Side, Stage
from kechuang.engagements.models import BrokerAssignment, Engagement
from kechuang.engagements.services.common import audit, locked, record, side_users
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify

log = logging.getLogger("kechuang.engagements")

DEFAULT_STALL_DAYS = 14
# the stages in which nothing happening is worth a reminder (stalled: already marked)
REMINDED_STAGES = (
    Stage.INTEREST,
    Stage.INTRODUCED,
    Stage.NEGOTIATING,
    Stage.INTENTION,
    Stage.SIGNED,
    Stage.IMPLEMENTING,
)


def stall_days() -> int:
    value = getattr(settings, "KECHUANG_ENGAGEMENT_STALL_DAYS", DEFAULT_STALL_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"KECHUANG_ENGAGEMENT_STALL_DAYS must be a whole number: {value!r}"
        ) from None
    if days < 1:
        raise ValueError("KECHUANG_ENGAGEMENT_STALL_DAYS must be at least 1")
    return days


def _due_filter(cutoff: datetime.datetime) -> Q:
    """Quiet since ``cutoff`` and not reminded since ``cutoff``."""
    return Q(stage__in=REMINDED_STAGES, last_activity_at__lte=cutoff) & (
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff)
    )


def stalled_engagements(now: datetime.datetime, days: int) -> QuerySet[Engagement]:
    cutoff = now - datetime.timedelta(days=days)
    return Engagement.objects.filter(_due_filter(cutoff)).order_by("last_activity_at", "id")


def liaisons(engagement: Engagement) -> list[Any]:
    """The liaisons and technology managers actively assigned to either side's
    organisation."""
    orgs = [o for o in (engagement.subject_org_id, engagement.counterparty_org_id) if o]
    ids = BrokerAssignment.objects.filter(
        organization_id__in=orgs, ended_at__isnull=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=set(ids), is_active=True))


def reminder_recipients(engagement: Engagement) -> list[Any]:
    found: dict[int, Any] = {}
    for user in (
        *side_users(engagement, Side.SUBJECT),
        *side_users(engagement, Side.COUNTERPARTY),
        *liaisons(engagement),
    ):
        found[user.pk] = user
    if engagement.started_side == Side.BROKER and engagement.started_by is not None:
        found.setdefault(engagement.started_by.pk, engagement.started_by)
    return list(found.values())


@transaction.atomic
def engagement_remind(*, engagement: Engagement, now: datetime.datetime, days: int) -> int | None:
    """Remind one engagement if it is still due; the number of people notified, or None
    when it was not due any more (activity or another reminder meanwhile)."""
    engagement = locked(engagement)
    cutoff = now - datetime.timedelta(days=days)
    if not Engagement.objects.filter(_due_filter(cutoff), pk=engagement.pk).exists():
        return None
    before = {"reminded_at": engagement.reminded_at.isoformat() if engagement.reminded_at else None}
    engagement.reminded_at = now
    engagement.save(update_fields=["reminded_at"])
    quiet = (now - engagement.last_activity_at).days
    record(
        engagement=engagement,
        type=EventType.REMINDED,
        actor=None,
        params={"quiet_days": quiet, "stall_days": days},
        touch=False,  # a reminder is not activity: the stall clock keeps running
    )
    audit(
        actor=None,
        obj=engagement,
        engagement=engagement,
        before=before,
        after={"reminded_at": now.isoformat()},
        note="stalled reminder",
    )
    return notify(
        recipients=reminder_recipients(engagement),
        kind=NotificationKind.ENGAGEMENT,
        title=_("对接已 %(n)d 天没有进展：%(t)s") % {"n": quiet, "t": str(engagement)[:150]},
        body=_("当前阶段：%(stage)s。请跟进洽谈，或在对接页面说明情况。")
        % {"stage": engagement.get_stage_display()},
        url=reverse("engagements:detail", args=[engagement.pk]),
        subject=engagement,
    )


@dataclass(frozen=True)
class RemindResult:
    engagements: int
    notified: int


def engagements_remind_stalled(*, now: datetime.datetime | None = None) -> RemindResult:
    """Remind every engagement quiet for ``KECHUANG_ENGAGEMENT_STALL_DAYS`` days (once
    per stall period). One transaction per engagement: one failing does not stop the rest."""
    now = now or timezone.now()
    days = stall_days()
    reminded = notified = 0
    for pk in list(stalled_engagements(now, days).values_list("pk", flat=True)[:1000]):
        try:
            found = engagement_remind(engagement=Engagement(pk=pk), now=now, days=days)
        except Engagement.DoesNotExist:
            continue
        if found is not None:
            reminded += 1
            notified += found
    if reminded:
        log.info("reminded %d stalled engagements (%d notifications)", reminded, notified)
    return RemindResult(engagements=reminded, notified=notified)
