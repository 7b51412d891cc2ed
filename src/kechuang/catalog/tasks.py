"""Background work of the catalog: thin tasks, safe to run any number of times."""

from __future__ import annotations

from django_tasks import task

from kechuang.catalog.services import listings_expire_due


@task()
def listings_expire() -> int:
    """Expire the published needs and achievements whose period ended; how many."""
    return listings_expire_due()
