"""Errors of export and import."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kechuang.common.errors import KechuangError

MAX_PROBLEMS = 50


class TransferFailed(KechuangError):
    """An export or import could not be done; ``problems`` lists every reason found."""

    status = 422
    code = "transfer_failed"
    default_message = _("导入失败，数据库未做任何修改。")

    def __init__(self, problems: list[str], message: str | None = None) -> None:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"… (+{len(problems) - MAX_PROBLEMS})")
        self.problems = shown
        super().__init__(message, fields={"__all__": shown})
