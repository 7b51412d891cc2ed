"""Helpers for the notifications tests."""

from __future__ import annotations

from typing import Any

from kechuang.notifications.choices import Delivery
from kechuang.notifications.services import notification_preference_update
from tests.factories import UserFactory


def person(delivery: str | None = None, **fields: Any) -> Any:
    """A user, with ``delivery`` as their e-mail preference when given."""
    user = UserFactory(**fields)
    if delivery is not None:
        notification_preference_update(actor=user, delivery=delivery)
    return user


__all__ = ["Delivery", "person"]
