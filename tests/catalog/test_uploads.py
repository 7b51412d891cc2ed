"""Upload checks (catalog.uploads.check_upload): by content, by name, by size."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from PIL import Image

from kechuang.catalog.uploads import check_upload
from kechuang.common.errors import ValidationFailed

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def image_bytes(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def noisy_image_bytes(fmt: str, size: tuple[int, int] = (128, 128)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, format=fmt)
    return buf.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG", (64, 64))
NOISY = {
    "png": noisy_image_bytes("PNG"),
    "jpg": noisy_image_bytes("JPEG"),
    "gif": noisy_image_bytes("GIF"),
    "webp": noisy_image_bytes("WEBP"),
}


class CountingStream(io.RawIOBase):
    """A stream of ``size`` zero-ish bytes that records how much was read from it."""

    def __init__(self, size: int, head: bytes = b"%PDF-1.4\n") -> None:
        self.size, self.head, self.pos = size, head, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        start = self.pos
        self.pos += n
        data = bytearray(n)
        head = self.head[start : start + n]
        data[: len(head)] = head
        return bytes(data)


def error_of(exc: Any) -> list[str]:
    assert exc.value.code == "invalid_file"
    assert list(exc.value.fields) == ["file"]
    return exc.value.fields["file"]


def test_pdf_accepted() -> None:
    upload = check_upload("技术方案.pdf", io.BytesIO(MINIMAL_PDF), len(MINIMAL_PDF))

    assert (upload.name, upload.content_type, upload.extension) == (
        "技术方案.pdf",
        "application/pdf",
        "pdf",
    )
    assert upload.content == MINIMAL_PDF
    assert upload.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()


def test_png_accepted() -> None:
    upload = check_upload("样机照片.PNG", io.BytesIO(PNG))
    assert (upload.content_type, upload.extension, upload.content) == ("image/png", "png", PNG)


@pytest.mark.parametrize("name", ["现场.jpg", "现场.jpeg", "现场.JPEG"])
def test_jpeg_accepted_and_stored_as_jpg(name: str) -> None:
    upload = check_upload(name, io.BytesIO(JPEG))
    assert (upload.content_type, upload.extension) == ("image/jpeg", "jpg")


def test_path_in_the_name_is_dropped() -> None:
    upload = check_upload("C:\\fakepath\\..\\报告.pdf", io.BytesIO(MINIMAL_PDF))
    assert upload.name == "报告.pdf"
    assert check_upload("../../etc/报告.pdf", io.BytesIO(MINIMAL_PDF)).name == "报告.pdf"


def test_elf_renamed_pdf_rejected() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_upload("manual.pdf", io.BytesIO(ELF))
    assert error_of(exc) == ["只能上传 PDF 或图片（PNG、JPEG、WebP、GIF）文件。"]


@pytest.mark.parametrize(
    "content", [b"just some text, not a document\n" * 10, b"PK\x03\x04" + b"\x00" * 100]
)
def test_other_content_rejected(content: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_upload("notes.pdf", io.BytesIO(content))
    assert error_of(exc) == ["只能上传 PDF 或图片（PNG、JPEG、WebP、GIF）文件。"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.pdf", PNG),
        ("scan.png", MINIMAL_PDF),
        ("photo.jpg", PNG),
        ("photo", PNG),
        ("photo.png.exe", PNG),
    ],
)
def test_name_must_match_content(name: str, content: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_upload(name, io.BytesIO(content))
    assert error_of(exc) == ["文件扩展名与文件内容不符。"]


def test_20_mb_rejected_by_declared_size_without_reading(settings: Any) -> None:
    settings.KECHUANG_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    stream = CountingStream(20 * 1024 * 1024)

    with pytest.raises(ValidationFailed) as exc:
        check_upload("big.pdf", stream, 20 * 1024 * 1024)

    assert error_of(exc) == ["文件过大：最大 10 MB。"]
    assert stream.pos == 0


def test_20_mb_rejected_after_reading_one_byte_past_the_limit(settings: Any) -> None:
    settings.KECHUANG_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    stream = CountingStream(20 * 1024 * 1024)

    with pytest.raises(ValidationFailed) as exc:
        check_upload("big.pdf", stream)  # the size is not known up front

    assert error_of(exc) == ["文件过大：最大 10 MB。"]
    assert stream.pos == 10 * 1024 * 1024 + 1


def test_exactly_at_the_limit_is_fine(settings: Any) -> None:
    settings.KECHUANG_MAX_UPLOAD_BYTES = len(MINIMAL_PDF)
    assert check_upload("a.pdf", io.BytesIO(MINIMAL_PDF), len(MINIMAL_PDF)).content == MINIMAL_PDF


def test_empty_file_rejected() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_upload("empty.pdf", io.BytesIO(b""), 0)
    assert error_of(exc) == ["文件为空。"]


@pytest.mark.parametrize("ext", sorted(NOISY))
def test_whole_images_accepted(ext: str) -> None:
    assert check_upload(f"photo.{ext}", io.BytesIO(NOISY[ext])).content == NOISY[ext]


@pytest.mark.parametrize("fraction", [0.5, 0.9])
@pytest.mark.parametrize("ext", sorted(NOISY))
def test_truncated_image_rejected(ext: str, fraction: float) -> None:
    content = NOISY[ext]
    with pytest.raises(ValidationFailed) as exc:
        check_upload(f"cut.{ext}", io.BytesIO(content[: int(len(content) * fraction)]))
    assert error_of(exc) == ["图片文件已损坏，无法读取。"]


def test_pdf_without_end_marker_rejected() -> None:
    cut = MINIMAL_PDF[: MINIMAL_PDF.index(b"%%EOF")]
    with pytest.raises(ValidationFailed) as exc:
        check_upload("cut.pdf", io.BytesIO(cut))
    assert error_of(exc) == ["PDF 文件不完整或已损坏。"]
