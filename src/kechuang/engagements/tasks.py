"""Background work of the engagements app: thin tasks, safe to run any number of times."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kechuang.engagements.reminders import engagements_remind_stalled


@task()
def remind_stalled() -> dict[str, Any]:
    """Remind the engagements quiet for ``KECHUANG_ENGAGEMENT_STALL_DAYS`` days (once per
    stall period): both sides and their liaisons."""
    result = engagements_remind_stalled()
    return {"engagements": result.engagements, "notified": result.notified}
