"""Creating an event with its slots and tables, and moving it through its lifecycle."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import ASSOCIATION_KINDS
from kechuang.orgs.models import Organization
from kechuang.outreach.choices import EVENT_TRANSITIONS, EventStatus
from kechuang.outreach.models import Event, Slot, Table

MAX_SLOTS = 48
MAX_TABLES = 500


def event_create(
    *,
    actor: Any,
    organizer: Organization,
    fields: dict[str, Any],
    n_slots: int,
    slot_minutes: int,
    break_minutes: int = 0,
    n_tables: int,
) -> Event:
    """A draft event of ``organizer`` (an association the actor manages) with ``n_slots``
    consecutive meeting slots from the event's start and ``n_tables`` numbered tables."""
    if organizer.kind not in ASSOCIATION_KINDS or not viewer_for(actor).manages(organizer):
        raise PermissionDenied(_("只有科协的管理人员可以举办对接会。"))
    errors: dict[str, list[str]] = {}
    if not 0 <= n_slots <= MAX_SLOTS:
        errors["n_slots"] = [_("时段数须在 0 到 %(n)d 之间。") % {"n": MAX_SLOTS}]
    if not 0 <= n_tables <= MAX_TABLES:
        errors["n_tables"] = [_("桌数须在 0 到 %(n)d 之间。") % {"n": MAX_TABLES}]
    if slot_minutes < 5 or break_minutes < 0:
        errors["slot_minutes"] = [_("每个时段至少 5 分钟，间隔不能为负。")]
    if errors:
        raise ValidationFailed(fields=errors)
    event = Event(organizer=organizer, created_by=actor, status=EventStatus.DRAFT, **fields)
    try:
        event.full_clean()
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    step = datetime.timedelta(minutes=slot_minutes + break_minutes)
    length = datetime.timedelta(minutes=slot_minutes)
    if n_slots and event.starts_at + step * (n_slots - 1) + length > event.ends_at:
        raise ValidationFailed(fields={"n_slots": [_("洽谈时段超出了活动的结束时间。")]})
    with transaction.atomic():
        event.save()
        Slot.objects.bulk_create(
            Slot(
                event=event,
                number=i + 1,
                starts_at=event.starts_at + step * i,
                ends_at=event.starts_at + step * i + length,
            )
            for i in range(n_slots)
        )
        Table.objects.bulk_create(Table(event=event, number=i + 1) for i in range(n_tables))
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=event,
            organization=organizer,
            after=snapshot(event) | {"slots": n_slots, "tables": n_tables},
        )
    return event


def event_transition(*, actor: Any, event: Event, to: str) -> Event:
    """Move the event along ``EVENT_TRANSITIONS`` (the organiser's managers only)."""
    if not viewer_for(actor).manages(event.organizer):
        raise PermissionDenied()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if to not in EVENT_TRANSITIONS.get(locked.status, frozenset()):
            raise InvalidTransition()
        if to == EventStatus.SCHEDULED:  # only the scheduler schedules
            raise InvalidTransition(_("请运行排期，由排期完成此步骤。"))
        before = snapshot(locked)
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.STATUS,
            obj=locked,
            organization=locked.organizer,
            before=before,
            after=snapshot(locked),
        )
    return locked
