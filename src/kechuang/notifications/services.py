"""Every write of the notifications app: create, mark read, change the e-mail preference.

Other apps call ``notify`` inside their own transaction; the in-app rows commit or roll
back with the caller's change, and e-mail goes out only after the commit, from the worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.common.errors import NotFound, ValidationFailed, validation_error_from_django
from kechuang.notifications.choices import DEFAULT_DELIVERY, Delivery, NotificationKind
from kechuang.notifications.models import Notification, NotificationPreference
from kechuang.notifications.tasks import notifications_email


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    subject: models.Model | None = None,
) -> int:
    """Create one in-app notification per distinct active recipient; returns how many.

    Runs inside the caller's transaction. Recipients who chose "immediately" and have an
    e-mail address are mailed by a task enqueued after the commit (never if the caller
    rolls back); the others wait for their digest, or for nothing if they turned e-mail
    off. A mail whose task cannot be enqueued goes out with the next daily digest.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")  # a caller's bug, not input
    ids = {user.pk for user in recipients if user is not None and user.pk is not None}
    if not ids:
        return 0
    subject_type, subject_id = (
        ("", "")
        if subject is None
        else (
            subject._meta.label_lower,
            str(subject.pk),
        )
    )
    fields = dict(kind=kind, title=title, body=body, url=url)
    fields.update(subject_type=subject_type, subject_id=subject_id)
    # Every row carries the same fields, so one check stands for all of them.
    try:
        Notification(**fields).full_clean(exclude=["recipient"])
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    # Re-read the recipients: the caller's objects may be stale (deactivated since).
    users = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .values_list("pk", "email", "notification_preference__delivery")
        .order_by("pk")
    )
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            [Notification(recipient_id=pk, **fields) for pk, _email, _delivery in users]
        )
        mail_now = {
            pk for pk, email, delivery in users if email and delivery == Delivery.IMMEDIATELY
        }
        to_mail = [row.pk for row in rows if row.recipient_id in mail_now]
        if to_mail:
            # a task (the worker mails), enqueued only once the rows exist for it
            transaction.on_commit(partial(notifications_email.enqueue, ids=to_mail), robust=True)
    return len(rows)


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (again is a no-op)."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise NotFound()
    # A conditional UPDATE: two concurrent clicks keep the first read time.
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Any, kind: str | None = None) -> int:
    """Mark the actor's unread notifications (of ``kind`` if given) read; returns how many."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if kind is not None:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


def preference_for(user: Any) -> NotificationPreference:
    """The user's preference, or an unsaved default one (daily) if they never chose."""
    try:
        return NotificationPreference.objects.get(user=user)
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user, delivery=DEFAULT_DELIVERY)


@transaction.atomic
def notification_preference_update(*, actor: Any, delivery: str) -> NotificationPreference:
    """Set how the actor's notifications are e-mailed: immediately, daily, weekly or off."""
    if delivery not in Delivery.values:
        raise ValidationFailed(fields={"delivery": [str(_("请选择有效的邮件提醒方式。"))]})
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=actor, defaults={"delivery": DEFAULT_DELIVERY}
    )
    if preference.delivery == Delivery.OFF and delivery != Delivery.OFF:
        # Notifications that arrived while e-mail was off stay in-app only.
        preference.email_since = timezone.now()
    preference.delivery = delivery
    try:
        preference.full_clean(exclude=["user"])
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    preference.save(update_fields=["delivery", "email_since", "updated_at"])
    return preference
