"""Messages inside an engagement, their read state and files, and experts' answers to needs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.engagements.models.engagements import Engagement


class Message(models.Model):
    """A message between the sides of an engagement, optionally a reply (``reply_to``).

    Messages are never deleted: a decline or a withdrawal closes the engagement and keeps
    its conversation (``on_delete=PROTECT`` all the way up).
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="messages")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("对接留言")
        verbose_name_plural = _("对接留言")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class MessageRead(models.Model):
    """``user`` has read ``message`` (per participant read state; the author's own
    messages count as read without a row)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已读")
        verbose_name_plural = _("已读")
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="message_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ✓ {self.message_id}"


class NeedAnswer(models.Model):
    """An expert's answer to a published need (专家解答): advice or a preliminary
    solution. The need's owner (and the associations above it) see it; everyone sees it
    when ``is_public``. The owner may turn it into an engagement (``engagement``).
    """

    need = models.ForeignKey("catalog.Need", on_delete=models.PROTECT, related_name="answers")
    expert = models.ForeignKey(
        "catalog.ExpertProfile", on_delete=models.PROTECT, related_name="need_answers"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("解答内容"), max_length=5000)
    is_public = models.BooleanField(_("公开展示"), default=False)
    engagement = models.OneToOneField(
        Engagement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answer",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("专家解答")
        verbose_name_plural = _("专家解答")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:40]


def attachment_path(instance: MessageAttachment, filename: str) -> str:
    # The stored name is random; the original name is kept in ``original_name``.
    return f"engagements/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class MessageAttachment(models.Model):
    """A file of a message or of an expert's answer (exactly one), checked by the same
    rules as the catalog's attachments (``catalog.uploads.check_upload``) and served only
    through the engagement's or the answer's access rule, never as public media."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    answer = models.ForeignKey(
        NeedAnswer, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("对接附件")
        verbose_name_plural = _("对接附件")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(message__isnull=False, answer__isnull=True)
                | Q(message__isnull=True, answer__isnull=False),
                name="engagement_attachment_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
