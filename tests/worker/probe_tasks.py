"""Tasks the worker's tests enqueue: they record that (and with what) they ran."""

from __future__ import annotations

from django_tasks import task

CALLS: list[str] = []


@task()
def record(name: str) -> str:
    CALLS.append(name)
    return name
