"""What every challenge service shares: checked moves, events, filings, indicators.

``move`` is the one path by which any challenge aggregate changes status: it checks the
transition table, saves with ``update_fields``, appends a ``ChallengeEvent`` and an audit
entry, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import EventType, FilingKind, Table
from kechuang.challenges.models import Call, ChallengeEvent, Filing
from kechuang.common.errors import InvalidTransition
from kechuang.common.validation import Errors
from kechuang.orgs.models import Organization

MAX_INDICATORS = 20


def event_record(
    *, call: Call | None, type: EventType, obj: models.Model, actor: Any, **params: Any
) -> ChallengeEvent:
    return ChallengeEvent.objects.create(
        call=call,
        type=type,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        params=params,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def filing_recipient(organiser: Organization) -> Organization:
    """The association a call's steps are filed with: the organiser's parent, if any."""
    return organiser.parent if organiser.parent_id else organiser  # type: ignore[return-value]


def filing_record(*, call: Call, kind: FilingKind, summary: str, **params: Any) -> Filing:
    """File one key step upward; call inside the transaction that makes the step."""
    organiser = call.organiser
    return Filing.objects.create(
        call=call,
        organiser=organiser,
        recipient=filing_recipient(organiser),
        kind=kind,
        summary=summary[:300],
        params=params,
    )


def move(
    obj: Any,
    *,
    table: Table,
    action: str,
    actor: Any,
    call: Call | None,
    organization: Organization | None,
    fields: Iterable[str] = (),
    **params: Any,
) -> None:
    """Move ``obj`` (locked by the caller) along ``table`` by ``action`` and record it.

    ``fields`` are other fields the caller already set on ``obj`` in this step.
    """
    if action not in table:
        raise InvalidTransition(_("未知的操作。"))
    sources, target = table[action]
    if obj.status not in sources:
        raise InvalidTransition(
            _("“%(status)s”状态下不能执行此操作。") % {"status": obj.get_status_display()}
        )
    before = snapshot(obj)
    obj.status = target
    update = ["status", *fields]
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        update.append("updated_at")
    obj.save(update_fields=update)
    name = obj._meta.model_name
    prefix = {"collectionround": "round", "changerequest": "change"}.get(name, name)
    event_record(call=call, type=EventType(f"{prefix}_{action}"), obj=obj, actor=actor, **params)
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=obj,
        organization=organization,
        before=before,
        after=snapshot(obj),
        note=str(action),
    )


def created(
    obj: models.Model,
    *,
    actor: Any,
    call: Call | None,
    type: EventType,
    organization: Organization | None,
    **params: Any,
) -> None:
    """Record the creation of ``obj``: an event and an audit entry."""
    event_record(call=call, type=type, obj=obj, actor=actor, **params)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=obj,
        organization=organization,
        after=snapshot(obj),
    )


def clean_indicators(errors: Errors, field: str, rows: Any, *, required: bool) -> list[dict]:
    """``[{"name", "target", "unit"}]`` with non-empty names and targets, at most 20 rows."""
    if not isinstance(rows, list) or (required and not rows):
        errors.add(field, _("请至少填写一项技术指标。"))
        return []
    if len(rows) > MAX_INDICATORS:
        errors.add(field, _("技术指标最多 %(n)d 项。") % {"n": MAX_INDICATORS})
    cleaned = []
    for row in rows:
        if not isinstance(row, dict) or set(row) - {"name", "target", "unit"}:
            errors.add(field, _("每项指标包含 name、target、unit。"))
            return []
        name = str(row.get("name") or "").strip()[:100]
        target = str(row.get("target") if row.get("target") is not None else "").strip()[:50]
        if not name or not target:
            errors.add(field, _("每项指标须有名称和目标值。"))
            return []
        cleaned.append({"name": name, "target": target, "unit": str(row.get("unit") or "")[:20]})
    return cleaned
