"""Reads of invitations: what waits for a person's answer, and who accepted what."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kechuang.common.access_rules import gatekeeper
from kechuang.invitations.choices import ConsentStatus
from kechuang.invitations.models import Invitation
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def answering_org_ids(user: Any) -> list[int]:
    """Organisations ``user`` answers invitations for: those they are admin or staff of."""
    viewer = viewer_for(user)
    if not viewer.managed_paths:
        return []
    return list(
        Organization.objects.filter(
            pk__in=viewer.member_org_ids, path__in=viewer.managed_paths
        ).values_list("pk", flat=True)
    )


@gatekeeper("invitation")
def invitations_for(
    user: Any, *, status: str | None = ConsentStatus.PENDING
) -> QuerySet[Invitation]:
    """Invitations addressed to ``user`` or to an organisation they answer for; pending
    ones only while they have not expired."""
    if user is None or not user.is_authenticated:
        return Invitation.objects.none()
    qs = Invitation.objects.filter(
        Q(invitee_user=user) | Q(invitee_org_id__in=answering_org_ids(user))
    )
    if status is not None:
        qs = qs.filter(status=status)
        if status == ConsentStatus.PENDING:
            qs = qs.filter(expires_at__gt=timezone.now())
    return qs.select_related("invitee_org", "invitee_user", "inviter")


@gatekeeper("invitation")
def pending_count(user: Any) -> int:
    return invitations_for(user).count()


def accepted_user_ids(kind: str, target_id: int) -> set[int]:
    """Users who accepted an invitation of ``kind`` to ``target_id``."""
    return set(
        Invitation.objects.filter(
            kind=kind, target_id=target_id, status=ConsentStatus.ACCEPTED
        ).values_list("invitee_user_id", flat=True)
    )


def invitations_of(kind: str, target_id: int) -> QuerySet[Invitation]:
    """Every invitation of ``kind`` to ``target_id`` (for the inviting side's pages)."""
    return Invitation.objects.filter(kind=kind, target_id=target_id).select_related(
        "invitee_org", "invitee_user"
    )
