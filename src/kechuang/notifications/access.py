"""The gatekeeper of notifications: a person reaches only their own."""

from __future__ import annotations

from typing import Any

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound
from kechuang.notifications.models import Notification

NOTIFICATION_ACTIONS = frozenset({"view", "read"})


@gatekeeper("notification")
def access_notification_by_id(user: Any, pk: Any, *, action: str = "view") -> Notification:
    """The user's own notification ``pk``; someone else's looks exactly like a missing one."""
    if action not in NOTIFICATION_ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a programming error, not input
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        return Notification.objects.get(pk=int(pk), recipient=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
