"""Membership by invitation: an organisation's managers invite, the person accepts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.invitations.kinds import KindHandler
from kechuang.invitations.models import Invitation
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import Role
from kechuang.orgs.models import Organization

# The one answer to "invite this login", whether or not an account uses it.
INVITE_SENT = gettext_lazy("已向该账号发送邀请（如账号存在）。对方接受后即成为成员。")


def _organization(invitation: Invitation) -> Organization:
    return Organization.objects.get(pk=invitation.target_id)


def _describe(invitation: Invitation) -> str:
    role = Role(invitation.params.get("role", Role.MEMBER)).label
    return _("加入组织“%(org)s”（%(role)s）") % {
        "org": _organization(invitation).name,
        "role": role,
    }


def _accept(invitation: Invitation, actor: Any) -> None:
    from kechuang.orgs.services import membership_add

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
