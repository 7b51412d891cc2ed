"""Checking uploaded attachments: PDF and images only, by content, within the size limit."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kechuang.common.errors import ValidationFailed

# sniffed MIME type -> (extension stored, extensions accepted in the uploaded name)
ALLOWED = {
    "application/pdf": ("pdf", {"pdf"}),
    "image/png": ("png", {"png"}),
    "image/jpeg": ("jpg", {"jpg", "jpeg"}),
    "image/webp": ("webp", {"webp"}),
    "image/gif": ("gif", {"gif"}),
}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: bytes
    content_type: str
    extension: str
    sha256: str


def check_upload(name: str, stream: IO[bytes], size: int | None = None) -> CheckedUpload:
    """Read and check one upload; raise ``ValidationFailed`` on anything not allowed."""
    limit = settings.KECHUANG_MAX_UPLOAD_BYTES
    limit_mb = limit // (1024 * 1024)

    def fail(message: str) -> ValidationFailed:
        return ValidationFailed(fields={"file": [message]}, code="invalid_file")

    if size is not None and size > limit:
        raise fail(_("文件过大：最大 %(mb)s MB。") % {"mb": limit_mb})
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise fail(_("文件过大：最大 %(mb)s MB。") % {"mb": limit_mb})
    if not content:
        raise fail(_("文件为空。"))
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "file"
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED:
        raise fail(_("只能上传 PDF 或图片（PNG、JPEG、WebP、GIF）文件。"))
    extension, accepted = ALLOWED[kind.mime]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in accepted:
        raise fail(_("文件扩展名与文件内容不符。"))
    if kind.mime.startswith("image/"):
        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
            # verify() does not decode JPEG or GIF data, so a cut-off file passes it.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise fail(_("图片文件已损坏，无法读取。")) from None
    elif b"%%EOF" not in content[-2048:]:
        raise fail(_("PDF 文件不完整或已损坏。"))
    return CheckedUpload(
        name=name,
        content=content,
        content_type=kind.mime,
        extension=extension,
        sha256=hashlib.sha256(content).hexdigest(),
    )
