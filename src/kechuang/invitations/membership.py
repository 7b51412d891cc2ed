"""Membership by invitation: an organisation's managers invite (``orgs.services.
membership_invite``), the person accepts, and only then ``membership_add`` runs.

``orgs`` sits below this app, so it asks for the invitation through the hook it offers
(``orgs.consent.register_join_request``); ``InvitationsConfig.ready`` plugs this in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.invitations.choices import InvitationKind
from kechuang.invitations.kinds import KindHandler
from kechuang.invitations.models import Invitation
from kechuang.invitations.services import invitation_create
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add


def ask_to_join(*, inviter: Any, organization: Organization, user: Any, role: str) -> None:
    invitation_create(
        inviter=inviter,
        kind=InvitationKind.MEMBERSHIP,
        target_id=organization.pk,
        invitee_user=user,
        params={"role": role},
    )


def _organization(invitation: Invitation) -> Organization:
    return Organization.objects.get(pk=invitation.target_id)


def _describe(invitation: Invitation) -> str:
    role = Role(invitation.params.get("role", Role.MEMBER)).label
    return _("加入组织“%(org)s”（%(role)s）") % {
        "org": _organization(invitation).name,
        "role": role,
    }


def _accept(invitation: Invitation, actor: Any) -> None:
    membership_add(
        actor=actor,
        organization=_organization(invitation),
        user=invitation.invitee_user,
        role=invitation.params.get("role", Role.MEMBER),
        check_permission=False,  # the invitation is the permission
    )


def _manages(user: Any, invitation: Invitation) -> bool:
    org = Organization.objects.filter(pk=invitation.target_id).first()
    return org is not None and viewer_for(user).manages(org)


def _url(invitation: Invitation) -> str:
    return reverse("web:manage_members", args=[invitation.target_id])


MEMBERSHIP = KindHandler(describe=_describe, accept=_accept, manages=_manages, url=_url)
