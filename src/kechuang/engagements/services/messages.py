"""Messages inside an engagement, their files and read state; experts' answers to needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record
from kechuang.catalog.access import is_public as listing_is_public
from kechuang.catalog.models import ExpertProfile, Need
from kechuang.catalog.uploads import CheckedUpload
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.engagements.access import roles_in
from kechuang.engagements.choices import CLOSED, EventType, Origin
from kechuang.engagements.models import (
    Engagement,
    Message,
    MessageAttachment,
    MessageRead,
    NeedAnswer,
)
from kechuang.engagements.services.common import acting_side, audit, locked, notify_others, record
from kechuang.engagements.services.starting import engagement_start
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import MANAGING_ROLES
from kechuang.orgs.models import Membership

MAX_FILES = 5
MAX_BODY = 5000


def _attach(upload: CheckedUpload, actor: Any, **owner: Any) -> MessageAttachment:
    attachment = MessageAttachment(
        **owner,
        original_name=upload.name,
        content_type=upload.content_type,
        extension=upload.extension,
        size=len(upload.content),
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    attachment.save()
    return attachment


def _check_body(body: str, files: Sequence[CheckedUpload]) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(fields={"body": [_("请填写内容。")]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(fields={"body": [_("内容不超过 %(n)d 字。") % {"n": MAX_BODY}]})
    if len(files) > MAX_FILES:
        raise ValidationFailed(fields={"file": [_("附件最多 %(n)d 个。") % {"n": MAX_FILES}]})
    return body


@transaction.atomic
def message_post(
    *,
    actor: Any,
    engagement: Engagement,
    body: str,
    reply_to: Message | None = None,
    files: Sequence[CheckedUpload] = (),
) -> Message:
    """A party or a broker writes in the engagement; the others are notified."""
    engagement = locked(engagement)
    roles = roles_in(actor, engagement)
    if not (roles.party or roles.broker):
        raise PermissionDenied()
    if engagement.stage in CLOSED:
        raise InvalidTransition(_("对接已结束，不能再留言；已有留言仍然保留。"))
    body = _check_body(body, files)
    if reply_to is not None and reply_to.engagement_id != engagement.pk:
        raise ValidationFailed(fields={"reply_to": [_("回复的留言不属于本对接。")]})
    message = Message.objects.create(
        engagement=engagement, reply_to=reply_to, author=actor, body=body
    )
    for upload in files:
        _attach(upload, actor, message=message)
    record(
        engagement=engagement,
        type=EventType.MESSAGE,
        actor=actor,
        side=acting_side(roles),
        params={"message": message.pk, "files": len(files)},
    )
    audit(
        actor=actor,
        obj=message,
        engagement=engagement,
        action=AuditAction.CREATE,
        after={"engagement": engagement.pk, "files": [f.name for f in files]},
    )
    notify_others(
        engagement=engagement,
        actor=actor,
        title=_("对接“%(subject)s”有新留言") % {"subject": str(engagement.subject)[:60]},
        body=body[:200],
    )
    return message


def messages_mark_read(*, actor: Any, engagement: Engagement) -> int:
    """Mark every message of others in the engagement read for ``actor``; how many."""
    unread = (
        Message.objects.filter(engagement=engagement)
        .exclude(author=actor)
        .exclude(reads__user=actor)
        .values_list("pk", flat=True)
    )
    rows = [MessageRead(message_id=pk, user=actor) for pk in unread]
    MessageRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def need_answer_create(
    *,
    actor: Any,
    need: Need,
    body: str,
    is_public: bool = False,
    files: Sequence[CheckedUpload] = (),
) -> NeedAnswer:
    """An expert answers a published need with advice or a preliminary solution."""
    expert = ExpertProfile.objects.filter(user=actor).first() if actor is not None else None
    if expert is None:
        raise PermissionDenied(_("请先创建专家档案再解答需求。"))
    need = Need.objects.select_related("organization").get(pk=need.pk)
    if not listing_is_public(need):
        raise InvalidTransition(_("只能解答已发布的需求。"))
    if expert.organization_id == need.organization_id:
        raise ValidationFailed(fields={"body": [_("不能解答本单位的需求。")]})
    body = _check_body(body, files)
    answer = NeedAnswer.objects.create(
        need=need, expert=expert, author=actor, body=body, is_public=bool(is_public)
    )
    for upload in files:
        _attach(upload, actor, answer=answer)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=answer,
        organization=need.organization,
        after={"need": need.pk, "public": answer.is_public, "files": len(files)},
    )
    owners = [
        m.user
        for m in Membership.objects.filter(
            organization=need.organization, role__in=MANAGING_ROLES
        ).select_related("user")
    ]
    notify(
        recipients=owners,
        kind=NotificationKind.ENGAGEMENT,
        title=_("专家%(name)s解答了需求“%(need)s”")
        % {"name": expert.name, "need": need.title[:60]},
        body=body[:200],
        url=reverse("web:need_detail", args=[need.pk]) + "#answers",
        subject=answer,
    )
    return answer


@transaction.atomic
def answer_to_engagement(*, actor: Any, answer: NeedAnswer) -> Engagement:
    """The need's owner turns an expert's answer into an engagement: the owner invites
    the expert, so the expert accepts the introduction."""
    answer = (
        NeedAnswer.objects.select_for_update().select_related("need", "expert").get(pk=answer.pk)
    )
    if answer.engagement_id is not None:
        raise InvalidTransition(_("该解答已转为对接。"))
    if answer.need.organization_id not in viewer_for(actor).member_org_ids:
        raise PermissionDenied(_("只有需求方可以把解答转为对接。"))
    engagement = engagement_start(
        actor=actor,
        subject=answer.need,
        counterparty=answer.expert,
        origin=Origin.ANSWER,
        note=_("由专家解答转为对接。"),
    )
    answer.engagement = engagement
    answer.save(update_fields=["engagement"])
    return engagement
