"""Background work of the invitations app: thin tasks, safe to run any number of times."""

from __future__ import annotations

from django_tasks import task

from kechuang.invitations.services import invitations_expire_due


@task()
def invitations_expire() -> int:
    """Mark the pending invitations past their date as expired; how many."""
    return invitations_expire_due()
