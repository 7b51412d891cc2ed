"""Background work of the catalog: thin tasks, safe to run any number of times."""

from __future__ import annotations

from django_tasks import task

from kechuang.catalog.services import listings_expire_due
from kechuang.catalog.services.digest import recommendation_digest_send


@task()
def listings_expire() -> int:
    """Expire the published needs and achievements whose period ended; how many."""
    return listings_expire_due()


@task()
def recommendation_digest(days: int = 7) -> int:
    """E-mail the managing members of publishing organisations their new matches."""
    return recommendation_digest_send(days=days)
