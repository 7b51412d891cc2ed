"""Writing the review event log (``ReviewEvent``), in the transaction of the change."""

from __future__ import annotations

from typing import Any

from kechuang.review.choices import EventType
from kechuang.review.models import ReviewEvent, ReviewProcess


def event_record(
    *, process: ReviewProcess, type: EventType, actor: Any, **params: Any
) -> ReviewEvent:
    """Append one event. ``params`` must be JSON values (ids, strings, numbers, lists)."""
    return ReviewEvent.objects.create(
        process=process,
        type=type,
        actor=actor if actor is not None and actor.is_authenticated else None,
        params=params,
    )
