"""What every engagement service shares: the event row, the audit entry, the lock, and
who on each side hears about a change."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record
from kechuang.engagements.access import Roles
from kechuang.engagements.choices import Side
from kechuang.engagements.models import Engagement, EngagementEvent
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.choices import MANAGING_ROLES
from kechuang.orgs.models import Membership


def locked(engagement: Engagement) -> Engagement:
    """The stored row, locked for this transaction (the caller's copy may be stale)."""
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related(
            "need", "achievement", "subject_org", "counterparty_org", "counterparty_expert"
        )
        .get(pk=engagement.pk)
    )


def acting_side(roles: Roles) -> str:
    """The side a user acts for: their own side first, brokering only without one."""
    if roles.subject:
        return Side.SUBJECT
    if roles.counterparty:
        return Side.COUNTERPARTY
    return Side.BROKER if roles.broker else ""


def record(
    *,
    engagement: Engagement,
    type: str,
    actor: Any,
    side: str = "",
    from_stage: str = "",
    to_stage: str = "",
    reason: str = "",
    reason_text: str = "",
    params: dict[str, Any] | None = None,
    touch: bool = True,
) -> EngagementEvent:
    """Append the event and mark the engagement active now (the stalled clock restarts)."""
    event = EngagementEvent.objects.create(
        engagement=engagement,
        type=type,
        actor=actor if actor is not None and actor.is_authenticated else None,
        side=side,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        reason_text=reason_text[:500],
        params=params or {},
    )
    if touch:
        engagement.last_activity_at = timezone.now()
        Engagement.objects.filter(pk=engagement.pk).update(
            last_activity_at=engagement.last_activity_at
        )
    return event


def audit(
    *,
    actor: Any,
    obj: Any,
    engagement: Engagement,
    action: str = AuditAction.UPDATE,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction(action),
        obj=obj,
        organization=engagement.subject_org,
        before=before,
        after=after,
        note=note,
    )


def side_users(engagement: Engagement, side: str) -> list[Any]:
    """Who hears about a change on ``side``: the expert's account, or the managing
    members of the side's organisation (and the subject's author)."""
    from kechuang.accounts.models import User

    expert = engagement.counterparty_expert
    if side == Side.COUNTERPARTY and expert is not None:
        return list(User.objects.filter(pk=expert.user_id)) if expert.user_id else []
    org_id = engagement.subject_org_id if side == Side.SUBJECT else engagement.counterparty_org_id
    if org_id is None:
        return []
    ids = set(
        Membership.objects.filter(organization_id=org_id, role__in=MANAGING_ROLES).values_list(
            "user_id", flat=True
        )
    )
    if side == Side.SUBJECT and getattr(engagement.subject, "created_by_id", None):
        ids.add(engagement.subject.created_by_id)  # type: ignore[attr-defined]
    return list(User.objects.filter(pk__in=ids))


def notify_others(
    *, engagement: Engagement, actor: Any, title: str, body: str = "", sides: tuple[str, ...] = ()
) -> None:
    """Notify the sides of the engagement except the actor (by default both sides)."""
    recipients: dict[int, Any] = {}
    for side in sides or (Side.SUBJECT, Side.COUNTERPARTY):
        for user in side_users(engagement, side):
            recipients[user.pk] = user
    if engagement.started_side == Side.BROKER and engagement.started_by_id:
        recipients.setdefault(engagement.started_by_id, engagement.started_by)
    if actor is not None:
        recipients.pop(actor.pk, None)
    notify(
        recipients=list(recipients.values()),
        kind=NotificationKind.ENGAGEMENT,
        title=title[:200],
        body=body[:1000],
        url=reverse("engagements:detail", args=[engagement.pk]),
        subject=engagement,
    )
