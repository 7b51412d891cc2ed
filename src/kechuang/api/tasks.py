"""Background work of the API shell: thin tasks, safe to run any number of times."""

from __future__ import annotations

from django_tasks import task

from kechuang.api.idempotency import idempotency_purge as purge


@task()
def idempotency_purge() -> int:
    """Delete the Idempotency-Keys older than 24 hours; how many."""
    return purge()
