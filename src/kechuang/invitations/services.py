"""Every write on invitations: create, accept, decline, withdraw, expire.

The owning apps call ``invitation_create`` from their own ``<x>_invite`` services (which
check who may invite); the answer goes through here, and accepting asks the kind's
handler to create the relation in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.common.errors import InvalidTransition, NotFound
from kechuang.common.locks import locked
from kechuang.invitations.access import answers_for, invites_for
from kechuang.invitations.choices import INVITATION_DAYS, ConsentStatus
from kechuang.invitations.kinds import handler_for
from kechuang.invitations.models import Invitation
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.choices import MANAGING_ROLES
from kechuang.orgs.models import Organization

TITLE_MAX = 200


def _org_answerers(org: Organization) -> list[Any]:
    return [m.user for m in org.memberships.filter(role__in=MANAGING_ROLES).select_related("user")]


def _recipients(invitation: Invitation) -> list[Any]:
    if invitation.invitee_user is not None:
        return [invitation.invitee_user]
    assert invitation.invitee_org is not None  # the check constraint holds one of them
    return _org_answerers(invitation.invitee_org)


@transaction.atomic
def invitation_create(
    *,
    inviter: Any,
    kind: str,
    target_id: int,
    invitee_user: Any = None,
    invitee_org: Organization | None = None,
    params: dict[str, Any] | None = None,
    days: int = INVITATION_DAYS,
) -> Invitation:
    """A pending invitation (or the one already pending for the same invitee and target),
    with a notification to the invited side. The caller has checked that ``inviter`` may
    invite."""
    if (invitee_user is None) == (invitee_org is None):
        raise ValueError("exactly one of invitee_user and invitee_org")  # a caller's bug
    lookup = {"invitee_user": invitee_user} if invitee_user else {"invitee_org": invitee_org}
    pending = Invitation.objects.filter(
        kind=kind, target_id=target_id, status=ConsentStatus.PENDING, **lookup
    )
    existing = pending.filter(expires_at__gt=timezone.now()).first()
    if existing is not None:
        return existing
    pending.update(status=ConsentStatus.EXPIRED)  # a stale one makes way for the new
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                kind=kind,
                target_id=target_id,
                inviter=inviter,
                params=params or {},
                expires_at=timezone.now() + timedelta(days=days),
                **lookup,
            )
    except IntegrityError:  # a concurrent request invited the same side first
        return pending.get()
    what = handler_for(kind).describe(invitation)
    params = {
        "who": inviter or _("平台"),
        "org": invitation.invitee_org.name if invitation.invitee_org else "",
        "what": what,
        "until": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
    }
    body = (
        _(
            "%(who)s邀请%(org)s：%(what)s。请单位管理员在 %(until)s 前接受或谢绝；"
            "接受之前不产生任何效果。"
        )
        if invitation.invitee_org
        else _("%(who)s邀请您：%(what)s。请在 %(until)s 前接受或谢绝；接受之前不产生任何效果。")
    )
    notify(
        recipients=_recipients(invitation),
        kind=NotificationKind.INVITATION,
        title=(_("邀请：%(what)s") % {"what": what})[:TITLE_MAX],
        body=body % params,
        url=reverse("invitations:list"),
        subject=invitation,
    )
    return invitation


def _lock_pending(actor: Any, invitation: Invitation, *, answering: bool) -> Invitation:
    invitation = locked(
        Invitation.objects.select_related("invitee_org", "invitee_user", "inviter"),
        pk=invitation.pk,
    )
    allowed = answers_for(actor, invitation) if answering else invites_for(actor, invitation)
    if not allowed:
        raise NotFound()
    if not invitation.is_pending:
        raise InvalidTransition(
            _("该邀请%(status)s，不能再答复。") % {"status": invitation.get_status_display()},
            code="invitation_closed",
        )
    if invitation.expires_at <= timezone.now():
        raise InvalidTransition(_("该邀请已过期。"), code="invitation_expired")
    return invitation


def _close(invitation: Invitation, *, status: str, actor: Any) -> None:
    invitation.status = status
    invitation.responded_at = timezone.now()
    invitation.responded_by = actor
    invitation.save(update_fields=["status", "responded_at", "responded_by"])


def _tell_inviter(invitation: Invitation, *, accepted: bool) -> None:
    if invitation.inviter is None:
        return
    who = invitation.invitee_org.name if invitation.invitee_org else str(invitation.invitee_user)
    handler = handler_for(invitation.kind)
    params = {"who": who, "what": handler.describe(invitation)}
    title = (
        _("%(who)s接受了邀请：%(what)s") % params
        if accepted
        else _("%(who)s谢绝了邀请：%(what)s") % params
    )
    notify(
        recipients=[invitation.inviter],
        url=handler.url(invitation),
        kind=NotificationKind.INVITATION,
        title=title[:TITLE_MAX],
        subject=invitation,
    )


@transaction.atomic
def invitation_accept(*, actor: Any, invitation: Invitation) -> Invitation:
    """The invited side agrees: the relation is created now, and only now."""
    invitation = _lock_pending(actor, invitation, answering=True)
    handler_for(invitation.kind).accept(invitation, actor)
    _close(invitation, status=ConsentStatus.ACCEPTED, actor=actor)
    _tell_inviter(invitation, accepted=True)
    return invitation


@transaction.atomic
def invitation_decline(*, actor: Any, invitation: Invitation) -> Invitation:
    invitation = _lock_pending(actor, invitation, answering=True)
    _close(invitation, status=ConsentStatus.DECLINED, actor=actor)
    _tell_inviter(invitation, accepted=False)
    return invitation


@transaction.atomic
def invitation_withdraw(*, actor: Any, invitation: Invitation) -> Invitation:
    """The inviting side takes back an invitation not yet answered."""
    invitation = _lock_pending(actor, invitation, answering=False)
    _close(invitation, status=ConsentStatus.WITHDRAWN, actor=actor)
    return invitation


def invitations_withdraw_where(*, actor: Any, kind: str, target_id: int, **lookup: Any) -> int:
    """Withdraw the pending invitations the inviting side no longer wants (an edited team)."""
    return Invitation.objects.filter(
        kind=kind, target_id=target_id, status=ConsentStatus.PENDING, **lookup
    ).update(status=ConsentStatus.WITHDRAWN, responded_at=timezone.now(), responded_by=actor)


def invitations_expire_due(*, now: Any = None) -> int:
    """Mark pending invitations past their date as expired; returns how many."""
    return Invitation.objects.filter(
        status=ConsentStatus.PENDING, expires_at__lte=now or timezone.now()
    ).update(status=ConsentStatus.EXPIRED)
