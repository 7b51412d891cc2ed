"""Starting an engagement: 我能解决, 我有兴趣, 邀请对接, or staff on behalf of both."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import snapshot
from kechuang.catalog.access import is_public
from kechuang.catalog.choices import ExpertStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.common.errors import Conflict, PermissionDenied, ValidationFailed
from kechuang.engagements.access import brokered_org_ids
from kechuang.engagements.choices import OPEN, EventType, Origin, Side
from kechuang.engagements.models import Engagement
from kechuang.engagements.services.common import audit, notify_others, record
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

MAX_REASON_CHARS = 4000


def _clean_reason(match_reason: Any) -> dict[str, Any]:
    """The engine's explanation as a small JSON object (never trusted to be small)."""
    if not match_reason:
        return {}
    if not isinstance(match_reason, dict):
        raise ValidationFailed(fields={"match_reason": [_("匹配理由格式不正确。")]})
    try:
        text = json.dumps(match_reason, ensure_ascii=False)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"match_reason": [_("匹配理由格式不正确。")]}) from None
    if len(text) > MAX_REASON_CHARS:
        raise ValidationFailed(fields={"match_reason": [_("匹配理由过长。")]})
    return dict(json.loads(text))


def _starting_side(
    actor: Any, subject_org: Organization, counterparty: ExpertProfile | Organization
) -> str:
    viewer = viewer_for(actor)
    if not viewer.is_authenticated:
        raise PermissionDenied()
    if isinstance(counterparty, ExpertProfile):
        if counterparty.user_id == viewer.user_id:
            return Side.COUNTERPARTY
    elif counterparty.pk in viewer.member_org_ids:
        return Side.COUNTERPARTY
    if subject_org.pk in viewer.member_org_ids:
        return Side.SUBJECT
    served = set(brokered_org_ids(actor))
    counterparty_org = counterparty if isinstance(counterparty, Organization) else None
    if (
        viewer.reviews_for(subject_org)
        or subject_org.pk in served
        or (counterparty_org is not None and counterparty_org.pk in served)
    ):
        return Side.BROKER
    raise PermissionDenied(_("只有对接双方、其联络员或上级科协可以发起对接。"))


@transaction.atomic
def engagement_start(
    *,
    actor: Any,
    subject: Need | Achievement,
    counterparty: ExpertProfile | Organization,
    origin: str,
    note: str = "",
    match_reason: Any = None,
) -> Engagement:
    """Start an engagement about ``subject`` with ``counterparty``.

    The actor's side follows from who they are: the counterparty (the expert themself, a
    member of the counterparty organisation: 我能解决 / 我有兴趣), the subject's owner
    (邀请对接 from its recommendations or a search), or a broker on behalf of both. The
    starting side agrees by starting; the other side accepts the introduction.
    """
    if origin not in Origin.values:
        raise ValidationFailed(fields={"origin": [_("未知的对接来源。")]})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(fields={"note": [_("说明不超过 2000 字。")]})
    reason = _clean_reason(match_reason)
    subject = (
        type(subject).objects.select_for_update().select_related("organization").get(pk=subject.pk)
    )
    if not is_public(subject):
        raise ValidationFailed(fields={"subject": [_("只能对已发布的需求或成果发起对接。")]})
    subject_org = subject.organization
    side = _starting_side(actor, subject_org, counterparty)
    if isinstance(counterparty, ExpertProfile):
        if counterparty.status != ExpertStatus.PUBLISHED and side != Side.COUNTERPARTY:
            raise ValidationFailed(fields={"counterparty": [_("该专家未公开。")]})
        if counterparty.organization_id == subject_org.pk:
            raise ValidationFailed(fields={"counterparty": [_("不能与本单位的专家对接。")]})
    else:
        if not counterparty.is_active or counterparty.is_association:
            raise ValidationFailed(fields={"counterparty": [_("该单位不能作为对接方。")]})
        if counterparty.pk == subject_org.pk:
            raise ValidationFailed(fields={"counterparty": [_("不能与本单位对接。")]})
    target = (
        {"counterparty_expert": counterparty}
        if isinstance(counterparty, ExpertProfile)
        else {"counterparty_org": counterparty}
    )
    about = {"need": subject} if isinstance(subject, Need) else {"achievement": subject}
    if Engagement.objects.filter(**about, **target, stage__in=OPEN).exists():
        raise Conflict(_("双方已有进行中的对接。"), code="engagement_exists")
    if side == Side.BROKER and origin not in {
        Origin.STAFF,
        Origin.RECOMMENDATION,
        Origin.SEARCH,
        Origin.EVENT,
    }:
        origin = Origin.STAFF
    now = timezone.now()
    engagement = Engagement(
        **about,
        **target,
        subject_org=subject_org,
        started_by=actor,
        started_side=side,
        origin=origin,
        match_reason=reason,
        note=note,
        subject_agreed_at=now if side == Side.SUBJECT else None,
        counterparty_agreed_at=now if side == Side.COUNTERPARTY else None,
    )
    engagement.full_clean()
    engagement.save()
    record(
        engagement=engagement,
        type=EventType.STARTED,
        actor=actor,
        side=side,
        to_stage=engagement.stage,
        params={"origin": origin},
        touch=False,
    )
    audit(
        actor=actor,
        obj=engagement,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(engagement),
        note=str(origin),
    )
    notify_others(
        engagement=engagement,
        actor=actor,
        title=_("新的对接：%(subject)s") % {"subject": str(subject)[:80]},
        body=_("%(who)s发起了对接（%(origin)s），请查看并确认是否同意引荐。")
        % {"who": actor.display_name or _("对方"), "origin": Origin(origin).label},
    )
    return engagement
