"""A full media disk: the upload is refused with 507 ``storage_full`` (problem+json in the
API, a Chinese page on the site) and nothing is left half-written — no 0-byte or truncated
file, no temporary file, no attachment row, no audit entry (kechuang.common.storage)."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import IO, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kechuang.catalog.models import Attachment, Need
from kechuang.common.errors import StorageError, StorageFull
from kechuang.common.storage import AtomicFileSystemStorage
from tests.api.conftest import PDF, Api, db_state, token_for
from tests.catalog.test_attachments import files_under, pdf
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


class FillingDisk(io.FileIO):
    """A file on a disk that fills up after ``room`` bytes."""

    room = 16

    def write(self, data: Any) -> int:
        size = len(data)
        if self.tell() + size > self.room:
            super().write(bytes(data)[: self.room - self.tell()])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def open_partial(self: Any, fd: int) -> IO[bytes]:
        return FillingDisk(fd, "wb")

    monkeypatch.setattr(AtomicFileSystemStorage, "_open_partial", open_partial)


@pytest.mark.usefixtures("disk_full")
def test_api_upload_on_a_full_disk_is_507_and_leaves_nothing(
    world: World, draft_need: Need, media: Path
) -> None:
    api = Api(token_for(world.owner_admin))
    before = db_state()

    response = api.upload(f"/needs/{draft_need.pk}/attachments", "说明书.pdf", PDF)

    assert response.status_code == 507, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "storage_full"
    assert response.json()["title"] == "存储空间已满，文件未保存。请联系平台管理员。"
    assert files_under(media) == []
    assert db_state() == before


@pytest.mark.usefixtures("disk_full")
def test_page_upload_on_a_full_disk_is_the_chinese_507_page(
    world: World, draft_need: Need, media: Path
) -> None:
    client = client_for(world.owner_admin)
    stream = io.BytesIO(PDF)
    stream.name = "说明书.pdf"

    response = client.post(f"/needs/{draft_need.pk}/attachments/", {"file": stream})

    assert response.status_code == 507
    assert "存储空间已满" in response.content.decode()
    assert files_under(media) == []
    assert not Attachment.objects.exists()


def test_after_space_is_freed_the_same_idempotent_upload_goes_through(
    world: World, draft_need: Need, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(token_for(world.owner_admin))

    def upload() -> Any:
        stream = io.BytesIO(PDF)
        stream.name = "说明书.pdf"
        return api.client.post(
            api.url(f"/needs/{draft_need.pk}/attachments"),
            {"file": stream},
            HTTP_IDEMPOTENCY_KEY="upload-1",
            **api.headers,
        )

    monkeypatch.setattr(
        AtomicFileSystemStorage, "_open_partial", lambda self, fd: FillingDisk(fd, "wb")
    )
    assert upload().status_code == 507
    monkeypatch.undo()

    retry = upload()

    assert retry.status_code == 201, retry.content
    attachment = Attachment.objects.get()
    assert (media / attachment.file.name).read_bytes() == PDF


def test_a_row_that_fails_after_the_file_takes_its_file_with_it(
    world: World, draft_need: Need, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kechuang.catalog.services import attachments

    def audit_fails(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(attachments, "audit_record", audit_fails)

    with pytest.raises(RuntimeError):
        attachments.attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())

    assert files_under(media) == []


def test_the_storage_writes_whole_files_and_keeps_names_apart(media: Path) -> None:
    first = default_storage.save("a/doc.pdf", ContentFile(PDF))
    second = default_storage.save("a/doc.pdf", ContentFile(b"other"))

    assert first == "a/doc.pdf"
    assert second != first
    assert (media / first).read_bytes() == PDF
    assert (media / second).read_bytes() == b"other"
    assert oct((media / first).stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in files_under(media)] == sorted([Path(first).name, Path(second).name])


@pytest.mark.parametrize(
    ("code", "error", "status"),
    [
        (errno.ENOSPC, StorageFull, 507),
        (errno.EDQUOT, StorageFull, 507),
        (errno.EIO, StorageError, 503),
    ],
)
def test_os_errors_become_typed_storage_errors(
    media: Path, monkeypatch: pytest.MonkeyPatch, code: int, error: type, status: int
) -> None:
    def failing(self: Any, fd: int) -> IO[bytes]:
        os.close(fd)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(AtomicFileSystemStorage, "_open_partial", failing)

    with pytest.raises(error) as caught:
        default_storage.save("b/doc.pdf", ContentFile(PDF))

    assert type(caught.value) is error
    assert caught.value.status == status
    assert files_under(media) == []
