"""The gatekeeper of invitations: the invited side answers, the inviting side withdraws;
to anyone else an invitation does not exist."""

from __future__ import annotations

from typing import Any

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound
from kechuang.invitations.kinds import handler_for
from kechuang.invitations.models import Invitation
from kechuang.orgs.access import viewer_for

INVITATION_ACTIONS = frozenset({"view", "answer", "withdraw"})


def answers_for(user: Any, invitation: Invitation) -> bool:
    """The invited person, or an admin or staff member of the invited organisation itself
    (an association above it does not consent on its behalf)."""
    if user is None or not user.is_authenticated:
        return False
    if invitation.invitee_user_id is not None:
        return bool(invitation.invitee_user_id == user.pk)
    org = invitation.invitee_org
    return org is not None and org.path in viewer_for(user).managed_paths


def invites_for(user: Any, invitation: Invitation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if invitation.inviter_id == user.pk:
        return True
    return handler_for(invitation.kind).manages(user, invitation)


@gatekeeper("invitation")
def access_invitation_by_id(user: Any, pk: Any, *, action: str = "view") -> Invitation:
    """Invitation ``pk`` if ``user`` may ``action`` it; one not-found error otherwise."""
    if action not in INVITATION_ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a programming error, not input
    try:
        invitation = (
            Invitation.objects.select_related("invitee_org", "invitee_user", "inviter")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if invitation is None:
        raise NotFound()
    allowed = {
        "answer": lambda: answers_for(user, invitation),
        "withdraw": lambda: invites_for(user, invitation),
        "view": lambda: answers_for(user, invitation) or invites_for(user, invitation),
    }[action]()
    if not allowed:
        raise NotFound()
    return invitation
