"""E-mail of notifications: one mail right after commit, or one digest per period.

A notification is e-mailed at most once: the row is locked, the mail sent and
``emailed_at`` set in one transaction, so a retry (or a second digest run) finds nothing
left to send. A mail that fails stays unsent and goes out with the next daily digest.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.notifications.choices import DEFAULT_DELIVERY, DIGEST_PERIODS, Delivery
from kechuang.notifications.models import Notification

logger = logging.getLogger(__name__)

# Errors of a mail transport that a later retry may get past.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.KECHUANG_SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def _entry(notification: Notification) -> list[str]:
    lines = [f"【{notification.get_kind_display()}】{notification.title}"]
    if notification.body:
        lines.append(notification.body)
    if notification.url:
        lines.append(absolute_url(notification.url))
    return lines


def _footer() -> list[str]:
    preferences = absolute_url("/notifications/preferences/")
    return ["", "—", _("在此修改邮件提醒方式：%(url)s") % {"url": preferences}]


def notifications_email_now(*, ids: Sequence[int]) -> int:
    """Mail each of these notifications that is still unsent; returns how many went out."""
    sent = 0
    connection = get_connection()
    for pk in ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("recipient")
                .filter(pk=pk, emailed_at__isnull=True, recipient__is_active=True)
                .first()
            )
            if notification is None or not notification.recipient.email:
                continue
            message = EmailMessage(
                subject=_("科创平台：%(title)s") % {"title": notification.title},
                body="\n".join([*_entry(notification), *_footer()]),
                to=[notification.recipient.email],
                connection=connection,
            )
            try:
                message.send()
            except MAIL_ERRORS:
                logger.exception("notification %s: e-mail failed, left for the digest", pk)
                continue
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def _digest_recipients(period: str) -> Any:
    """Active users with an address whose preference is ``period`` and who have unsent rows."""
    deliveries = {period}
    if period == Delivery.DAILY:
        deliveries.add(Delivery.IMMEDIATELY)  # retries of immediate mails that failed
    chosen = Q(notification_preference__delivery__in=deliveries)
    if period == DEFAULT_DELIVERY:
        chosen |= Q(notification_preference__isnull=True)
    return (
        get_user_model()
        .objects.filter(chosen, is_active=True, email__isnull=False)
        .exclude(email="")
        .filter(notifications__emailed_at__isnull=True)
        .select_related("notification_preference")
        .distinct()
        .order_by("pk")
    )


def notifications_digest_send(
    *, period: str, dry_run: bool = False, write: Callable[[list[str]], Any] | None = None
) -> int:
    """Send each user of ``period`` (daily or weekly) one mail with their unsent notifications.

    Returns how many mails were sent (or, with ``dry_run``, shown with ``write`` and left
    unsent). Running it twice sends nothing the second time.
    """
    if period not in DIGEST_PERIODS:
        raise ValueError(f"digest period must be daily or weekly, not {period!r}")
    sent = 0
    connection = None if dry_run else get_connection()
    for user in _digest_recipients(period):
        since = getattr(getattr(user, "notification_preference", None), "email_since", None)
        with transaction.atomic():
            pending = Notification.objects.select_for_update().filter(
                recipient=user, emailed_at__isnull=True
            )
            if since is not None:
                pending = pending.filter(created_at__gte=since)
            rows = list(pending.order_by("created_at", "id"))
            if not rows:
                continue
            subject = _("科创平台：您有 %(n)d 条新通知") % {"n": len(rows)}
            body = "\n\n".join("\n".join(_entry(row)) for row in rows)
            body = "\n".join([body, *_footer()])
            if dry_run:
                if write:
                    write([f"== {user.email} · {subject}", body, ""])
                sent += 1
                continue
            try:
                EmailMessage(
                    subject=subject, body=body, to=[user.email], connection=connection
                ).send()
            except MAIL_ERRORS:
                logger.exception("digest for user %s failed; the next run retries", user.pk)
                continue
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                emailed_at=timezone.now()
            )
            sent += 1
    return sent
