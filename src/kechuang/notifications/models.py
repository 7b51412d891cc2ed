"""In-app notifications and each person's e-mail preference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.notifications.choices import DEFAULT_DELIVERY, Delivery, NotificationKind


class Notification(models.Model):
    """One message to one person, shown in their in-app list and maybe e-mailed.

    ``subject_type``/``subject_id`` name the record it is about (``app_label.model`` and
    primary key) without a foreign key, so any app can notify about its own records.
    ``emailed_at`` is set in the transaction that sent the mail (immediately or in a
    digest), so a retry never sends it twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    subject_type = models.CharField(_("关联对象类型"), max_length=60, blank=True)
    subject_id = models.CharField(_("关联对象编号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell counts unread rows of one person on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
            # Digests and retries look for rows not yet e-mailed.
            models.Index(
                fields=["recipient"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_kind_known",
                violation_error_message=_("未知的通知类型。"),
            ),
            models.CheckConstraint(
                condition=Q(subject_type="", subject_id="")
                | (~Q(subject_type="") & ~Q(subject_id="")),
                name="notification_subject_complete",
                violation_error_message=_("关联对象的类型和编号须同时填写。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How one person wants notifications e-mailed. No row means the default (daily).

    ``email_since`` is when e-mail last became on: digests leave out notifications from
    before it, so turning e-mail back on does not flood the inbox with old news.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("邮件提醒"), max_length=12, choices=Delivery.choices, default=DEFAULT_DELIVERY
    )
    email_since = models.DateTimeField(_("邮件提醒开启时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values),
                name="notification_preference_delivery_known",
                violation_error_message=_("请选择有效的邮件提醒方式。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_delivery_display()}"
