"""Reading the audit log, scoped to what the viewer manages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kechuang.audit.models import AuditEntry
from kechuang.orgs.access import viewer_for


def audit_entries_for(
    user: Any,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    within: Any = None,
) -> QuerySet[AuditEntry]:
    """Entries of the subtrees the user manages (all of them for a platform admin).

    ``within`` (an organisation) narrows them to that organisation's subtree.
    """
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.select_related("actor", "organization").filter(
        viewer.managed_scope("organization")
    )
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if within is not None:
        qs = qs.filter(organization__path__startswith=within.path)
    return qs
