"""Files attached to needs and achievements while they can still be edited."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record
from kechuang.catalog.choices import EDITABLE_STATUSES
from kechuang.catalog.models import Achievement, Attachment, Need
from kechuang.catalog.uploads import CheckedUpload
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

MAX_ATTACHMENTS = 10


def _require_manager(actor: Any, organization: Organization) -> None:
    if not viewer_for(actor).manages(organization):
        raise PermissionDenied()


@transaction.atomic
def attachment_add(*, actor: Any, item: Need | Achievement, upload: CheckedUpload) -> Attachment:
    # Judge by the stored row: the caller's copy may predate a submit.
    item = type(item).objects.select_for_update().select_related("organization").get(pk=item.pk)
    _require_manager(actor, item.organization)
    if item.status not in EDITABLE_STATUSES:
        raise InvalidTransition(_("只有草稿或被退回的内容可以修改附件。"))
    owner = {"need": item} if isinstance(item, Need) else {"achievement": item}
    if Attachment.objects.filter(**owner).count() >= MAX_ATTACHMENTS:
        raise ValidationFailed(fields={"file": [_("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}]})
    attachment = Attachment(
        **owner,
        original_name=upload.name,
        content_type=upload.content_type,
        extension=upload.extension,
        size=len(upload.content),
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    # The storage keeps the file whole or not at all (StorageFull/StorageError otherwise);
    # the row comes after it, so no row ever points at a missing file.
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    try:
        attachment.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=item,
            organization=item.organization,
            after={"attachment_added": attachment.original_name, "sha256": upload.sha256},
        )
    except Exception:  # the row did not make it: neither does its file
        attachment.file.storage.delete(attachment.file.name or "")
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: Attachment) -> None:
    item: Need | Achievement = attachment.need or attachment.achievement  # type: ignore[assignment]
    _require_manager(actor, item.organization)
    if item.status not in EDITABLE_STATUSES:
        raise InvalidTransition(_("只有草稿或被退回的内容可以修改附件。"))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        organization=item.organization,
        before={"attachment_removed": attachment.original_name},
    )
    name, storage = attachment.file.name or "", attachment.file.storage
    attachment.delete()
    # Every upload gets a file of its own (the storage renames clashes), so the file goes
    # with its row; only once the deletion is committed, so a rollback keeps both.
    # robust: a file that cannot be deleted now is logged, not reported as a failed removal
    transaction.on_commit(lambda: storage.delete(name), robust=True)
