"""Background work of the challenges app: thin tasks, safe to run any number of times."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kechuang.challenges.services.tick import challenges_tick as tick


@task()
def challenges_tick() -> dict[str, Any]:
    """Close the calls past their deadline and remind applicants before it."""
    result = tick()
    return {"closed": result.closed, "reminded": result.reminded}
