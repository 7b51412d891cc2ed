"""Background work of the notifications app: thin tasks that take ids, safe to retry.

``notify`` enqueues ``notifications_email`` after its caller's commit, so a request never
talks to the mail server; the scheduler enqueues the digests (``kechuang.worker``).
"""

from __future__ import annotations

from django_tasks import task

from kechuang.notifications.mailing import notifications_digest_send, notifications_email_now


@task(queue_name="mail")
def notifications_email(ids: list[int]) -> int:
    """Mail each of these notifications that is still unsent; how many went out."""
    return notifications_email_now(ids=ids)


@task()
def notifications_digest(period: str) -> int:
    """The daily or weekly digest: one mail per person with what is still unsent."""
    return notifications_digest_send(period=period)
