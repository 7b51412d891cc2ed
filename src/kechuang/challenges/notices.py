"""Notifications of challenge steps, sent once the step is committed (STYLE.md §7)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction


def notify_after_commit(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: Any,
    body: str = "",
    url: str = "",
    subject: Any = None,
) -> None:
    """Send an in-app notification to each distinct recipient after the transaction commits."""
    from kechuang.notifications.services import notify

    people = list({user.pk: user for user in recipients if user is not None}.values())
    if not people:
        return
    transaction.on_commit(
        lambda: notify(
            recipients=people, kind=kind, title=str(title), body=body, url=url, subject=subject
        )
    )
