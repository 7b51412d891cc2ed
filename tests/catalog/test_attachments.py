"""attachment_add / attachment_remove: who, when, and what lands on disk."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Achievement, Attachment, Need
from kechuang.catalog.services import MAX_ATTACHMENTS, attachment_add, attachment_remove
from kechuang.catalog.uploads import CheckedUpload, check_upload
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tests.catalog.conftest import audit_count, force_status
from tests.catalog.test_uploads import MINIMAL_PDF, PNG
from tests.conftest import World


def pdf(name: str = "方案.pdf", extra: bytes = b"") -> CheckedUpload:
    return check_upload(name, io.BytesIO(MINIMAL_PDF.replace(b"%%EOF", extra + b"%%EOF")))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_add_stores_the_file_under_its_digest(world: World, draft_need: Need, media: Path) -> None:
    upload = pdf()

    attachment = attachment_add(actor=world.owner_admin, item=draft_need, upload=upload)

    attachment = Attachment.objects.get(pk=attachment.pk)
    assert (attachment.need_id, attachment.achievement_id, attachment.original_name) == (
        draft_need.pk,
        None,
        "方案.pdf",
    )
    assert (attachment.content_type, attachment.extension, attachment.size) == (
        "application/pdf",
        "pdf",
        len(upload.content),
    )
    assert (attachment.sha256, attachment.uploaded_by) == (upload.sha256, world.owner_admin)
    assert attachment.file.name == f"attachments/{upload.sha256[:2]}/{upload.sha256}.pdf"
    assert (media / attachment.file.name).read_bytes() == upload.content
    entry = AuditEntry.objects.filter(object_type="need", object_id=str(draft_need.pk)).first()
    assert entry is not None
    assert (entry.action, entry.actor, entry.after) == (
        AuditAction.UPDATE,
        world.owner_admin,
        {"attachment_added": "方案.pdf", "sha256": upload.sha256},
    )


def test_add_image_to_achievement(
    world: World, draft_achievement: Achievement, media: Path
) -> None:
    upload = check_upload("样机.png", io.BytesIO(PNG))

    attachment = attachment_add(actor=world.hangzhou_staff, item=draft_achievement, upload=upload)

    assert (attachment.achievement_id, attachment.need_id, attachment.extension) == (
        draft_achievement.pk,
        None,
        "png",
    )
    assert list(draft_achievement.attachments.all()) == [attachment]


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff", None])
def test_add_needs_a_manager(
    world: World, draft_need: Need, media: Path, actor_name: str | None
) -> None:
    audits = audit_count()
    actor = getattr(world, actor_name) if actor_name else None

    with pytest.raises(PermissionDenied):
        attachment_add(actor=actor, item=draft_need, upload=pdf())

    assert Attachment.objects.count() == 0
    assert audit_count() == audits
    assert files_under(media) == []


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.SUBMITTED,
        ListingStatus.PUBLISHED,
        ListingStatus.EXPIRED,
        ListingStatus.CLOSED,
        ListingStatus.WITHDRAWN,
    ],
)
def test_add_only_while_editable(world: World, draft_need: Need, media: Path, status: str) -> None:
    need = force_status(draft_need, status)
    audits = audit_count()

    with pytest.raises(InvalidTransition):
        attachment_add(actor=world.owner_admin, item=need, upload=pdf())

    assert Attachment.objects.count() == 0
    assert audit_count() == audits
    assert files_under(media) == []


def test_add_while_returned(world: World, draft_need: Need, media: Path) -> None:
    need = force_status(draft_need, ListingStatus.RETURNED)
    attachment_add(actor=world.owner_admin, item=need, upload=pdf())
    assert Attachment.objects.count() == 1


def test_at_most_ten(world: World, draft_need: Need, media: Path) -> None:
    for i in range(MAX_ATTACHMENTS):
        attachment_add(
            actor=world.owner_admin, item=draft_need, upload=pdf(f"{i}.pdf", str(i).encode())
        )
    audits, stored = audit_count(), files_under(media)

    with pytest.raises(ValidationFailed) as exc:
        attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf("11.pdf", b"11"))

    assert exc.value.fields == {"file": ["附件最多 10 个。"]}
    assert Attachment.objects.count() == MAX_ATTACHMENTS == 10
    assert audit_count() == audits
    assert files_under(media) == stored


def test_remove_deletes_row_and_file(
    world: World, draft_need: Need, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    attachment = attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())
    path = media / attachment.file.name
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=world.owner_admin, attachment=attachment)

    assert Attachment.objects.count() == 0
    assert not path.exists()
    entry = AuditEntry.objects.filter(object_type="need", object_id=str(draft_need.pk)).first()
    assert entry is not None
    assert (entry.before, entry.after) == ({"attachment_removed": "方案.pdf"}, None)


def test_remove_keeps_a_file_another_row_shares(
    world: World, draft_need: Need, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())
    second = attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())

    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=world.owner_admin, attachment=first)

    assert list(Attachment.objects.all()) == [second]
    assert (media / second.file.name).read_bytes() == second.file.open("rb").read()


@pytest.mark.parametrize("actor_name", ["owner_member", "jiangsu_staff"])
def test_remove_needs_a_manager(
    world: World, draft_need: Need, media: Path, actor_name: str
) -> None:
    attachment = attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())
    audits = audit_count()

    with pytest.raises(PermissionDenied):
        attachment_remove(actor=getattr(world, actor_name), attachment=attachment)

    assert Attachment.objects.count() == 1
    assert audit_count() == audits
    assert (media / attachment.file.name).exists()


def test_remove_only_while_editable(world: World, draft_need: Need, media: Path) -> None:
    attachment = attachment_add(actor=world.owner_admin, item=draft_need, upload=pdf())
    force_status(draft_need, ListingStatus.SUBMITTED)
    attachment = Attachment.objects.get(pk=attachment.pk)

    with pytest.raises(InvalidTransition):
        attachment_remove(actor=world.owner_admin, attachment=attachment)

    assert Attachment.objects.count() == 1


def test_add_with_a_stale_object_sees_the_current_status(
    world: World, draft_need: Need, media: Path
) -> None:
    stale = Need.objects.get(pk=draft_need.pk)
    force_status(draft_need, ListingStatus.SUBMITTED)

    with pytest.raises(InvalidTransition):
        attachment_add(actor=world.owner_admin, item=stale, upload=pdf())

    assert Attachment.objects.count() == 0
    assert files_under(media) == []
