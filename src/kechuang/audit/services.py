"""Writing the audit log. Called by every service that changes a recorded object."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from kechuang.audit.models import AuditAction, AuditEntry


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or None
    return value


def snapshot(obj: models.Model, *, m2m: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids) plus the named m2m codes."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        data[field.attname] = _json_value(getattr(obj, field.attname))
    for name in m2m:
        data[name] = sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
    return data


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model,
    organization: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """Append one entry; call inside the transaction that makes the change."""
    if before is not None and after is not None:
        # ``updated_at`` changes on every save and repeats the entry's own ``at``.
        changed = {k for k in after if before.get(k) != after.get(k)} - {"updated_at"}
        before = {k: v for k, v in before.items() if k in changed or k == "status"}
        after = {k: v for k, v in after.items() if k in changed or k == "status"}
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        organization=organization,
        before=before,
        after=after,
        note=note[:500],
    )
