"""Reads of notifications: always one person's own, unread first."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from kechuang.common.access_rules import gatekeeper
from kechuang.notifications.models import Notification


@gatekeeper("notification")
def notification_list(*, user: Any, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, unread ones first, newest first within each group.

    ``unread=True`` keeps only unread ones, ``False`` only read ones. Anonymous users get
    an empty list.
    """
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    unread_first = Case(
        When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.order_by(unread_first, "-created_at", "-id")


@gatekeeper("notification")
def unread_count(user: Any) -> int:
    """How many unread notifications the user has (one COUNT on a partial index)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
