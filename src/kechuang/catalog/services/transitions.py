"""The lifecycle of needs and achievements: ``listing_transition`` and expiry."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.choices import TRANSITIONS, ListingAction, ListingStatus
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.public_lists import lists_changed
from kechuang.catalog.services.listings import PUBLICATION_DAYS, L
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.matching.services import mark_dirty
from kechuang.orgs.access import viewer_for


@transaction.atomic
def listing_transition(*, actor: Any, item: L, action: str, reason: str = "") -> L:
    """Move a need or achievement along ``TRANSITIONS``; the one way its status changes."""
    if action not in TRANSITIONS:
        raise InvalidTransition(_("未知的操作。"))
    sources, target, who = TRANSITIONS[action]
    item = type(item).objects.select_for_update().select_related("organization").get(pk=item.pk)
    viewer = viewer_for(actor)
    if who == "owner" and not viewer.manages(item.organization):
        raise PermissionDenied()
    if who == "reviewer" and not viewer.reviews_for(item.organization):
        raise PermissionDenied(_("只有上级科协的工作人员可以审核。"))
    if who == "system" and actor is not None:
        raise PermissionDenied()
    if item.status not in sources:
        raise InvalidTransition(
            _("“%(status)s”状态下不能%(action)s。")
            % {"status": ListingStatus(item.status).label, "action": ListingAction(action).label}
        )
    reason = (reason or "").strip()
    if action == ListingAction.RETURN and not reason:
        raise ValidationFailed(fields={"reason": [_("请填写退回理由。")]})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("理由不超过 500 字。")]})
    today = timezone.localdate()
    if (
        action in {ListingAction.SUBMIT, ListingAction.PUBLISH, ListingAction.RENEW}
        and isinstance(item, Need)
        and item.deadline is not None
        and item.deadline < today
    ):
        raise ValidationFailed(fields={"deadline": [_("截止日期已过，请修改截止日期后再提交。")]})
    before = snapshot(item)
    now = timezone.now()
    updated: list[str] = ["status"]
    item.status = target
    if action == ListingAction.SUBMIT:
        item.submitted_at, item.return_reason = now, ""
        updated += ["submitted_at", "return_reason"]
    elif action == ListingAction.RETURN:
        item.return_reason = reason
        updated.append("return_reason")
    elif action in {ListingAction.PUBLISH, ListingAction.RENEW}:
        if action == ListingAction.PUBLISH:
            item.published_at = now
            updated.append("published_at")
        item.expires_on = _expiry(item, today)
        updated.append("expires_on")
    item.save(update_fields=[*updated, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=item,
        organization=item.organization,
        before=before,
        after=snapshot(item),
        note=f"{action}: {reason}" if reason else str(action),
    )
    mark_dirty(item)  # unpublishing removes it from the index right after the commit
    if ListingStatus.PUBLISHED in {before.get("status"), item.status}:
        lists_changed()  # the anonymous list pages show it, or no longer
    return item


def _expiry(item: Need | Achievement, today: datetime.date) -> datetime.date:
    expiry = today + datetime.timedelta(days=PUBLICATION_DAYS)
    if isinstance(item, Need) and item.deadline is not None:
        return min(expiry, item.deadline)
    return expiry


def listings_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire every published need and achievement whose publication period has ended."""
    today = today or timezone.localdate()
    due = {"status": ListingStatus.PUBLISHED, "expires_on__lt": today}
    needs = list(Need.objects.filter(**due))
    achievements = list(Achievement.objects.filter(**due))
    for need in needs:
        listing_transition(actor=None, item=need, action=ListingAction.EXPIRE)
    for achievement in achievements:
        listing_transition(actor=None, item=achievement, action=ListingAction.EXPIRE)
    return len(needs) + len(achievements)
