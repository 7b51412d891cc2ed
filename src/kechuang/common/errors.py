"""Typed errors raised by services and gatekeepers.

Every error has a stable ``code`` (the API returns it in RFC 7807 JSON) and a message that
pages show to people in their language. One handler maps them (``kechuang.api.errors``).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class KechuangError(Exception):
    """Base of every domain error. ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"
    default_message: str | Promise = _("请求无效。")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        **params: Any,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        self.params = params
        super().__init__(str(self.message))


class ValidationFailed(KechuangError):
    """Input broke a rule; ``fields`` maps field names to messages."""

    status = 422
    code = "validation_failed"
    default_message = _("提交的内容有误，请检查标出的字段。")


class NotFound(KechuangError):
    """The object does not exist, or the viewer may not see it: both look the same."""

    status = 404
    code = "not_found"
    default_message = _("未找到该对象，或您无权查看。")


class PermissionDenied(KechuangError):
    """The viewer can see the object but may not do this to it."""

    status = 403
    code = "permission_denied"
    default_message = _("您无权执行此操作。")


class NotAuthenticated(KechuangError):
    status = 401
    code = "not_authenticated"
    default_message = _("请先登录。")


class InvalidTransition(KechuangError):
    """A lifecycle move that the transition table does not allow from the current status."""

    status = 409
    code = "invalid_transition"
    default_message = _("当前状态下不能执行此操作。")


class Conflict(KechuangError):
    status = 409
    code = "conflict"
    default_message = _("与现有数据冲突。")


class StorageError(KechuangError):
    """A file could not be written to the media storage; nothing of it was kept."""

    status = 503
    code = "storage_unavailable"
    default_message = _("文件存储暂时不可用，文件未保存，请稍后重试。")


class StorageFull(StorageError):
    """The media storage is full (ENOSPC, a quota): nothing of the file was kept."""

    status = 507
    code = "storage_full"
    default_message = _("存储空间已满，文件未保存。请联系平台管理员。")


def validation_error_from_django(exc: Any) -> ValidationFailed:
    """Turn a Django ``ValidationError`` (from ``full_clean``) into ``ValidationFailed``."""
    if hasattr(exc, "message_dict"):
        fields = {name: [str(m) for m in msgs] for name, msgs in exc.message_dict.items()}
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    return ValidationFailed(fields=fields)
