"""What the API keeps of its own: the answers to requests sent with an Idempotency-Key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` of one caller: the request it was first sent with and, once
    that request finished, its answer (replayed to every retry for 24 hours).

    ``status`` is null while the first request is still running. The answer is written in
    the same transaction as the request's own writes, so a stored answer always describes
    a committed write and a write never commits without its answer.
    """

    identity = models.CharField(_("调用者"), max_length=64)
    key = models.CharField(_("幂等键"), max_length=255)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=2000)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    status = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    content_type = models.CharField(_("内容类型"), max_length=200, blank=True)
    response_body = models.BinaryField(_("响应内容"), blank=True, default=b"")
    created_at = models.DateTimeField(_("创建时间"), db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["identity", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.identity} {self.key}"
