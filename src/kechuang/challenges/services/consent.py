"""Consortium partners and team members by invitation.

An application names its partner organisations and, in ``team`` rows, the experts on its
team. A partner becomes an ``ApplicationPartner`` only when its own admins or staff
accept; a team row's expert counts as a party (conflict checks, the party rule) only when
that expert's account accepted. Until then the named side is not bound by the bid, and
the bid gains nothing from naming it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.catalog.models import ExpertProfile
from kechuang.challenges.models import Application, ApplicationPartner
from kechuang.common.errors import InvalidTransition
from kechuang.common.locks import locked
from kechuang.invitations.choices import ConsentStatus, InvitationKind
from kechuang.invitations.kinds import KindHandler
from kechuang.invitations.models import Invitation
from kechuang.invitations.selectors import accepted_user_ids
from kechuang.invitations.services import invitation_create
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def partners_invite(
    *, actor: Any, application: Application, rows: list[tuple[Organization, str]]
) -> list[Invitation]:
    """Invite each ``(organisation, role)`` to join the consortium of ``application``."""
    return [
        invitation_create(
            inviter=actor,
            kind=InvitationKind.PARTNER,
            target_id=application.pk,
            invitee_org=org,
            params={"role": role},
        )
        for org, role in rows
    ]


def team_invite(*, actor: Any, application: Application) -> None:
    """Invite the experts the team rows name (who have an account, other than the
    applicant) that no standing invitation covers; withdraw the invitations of experts the
    team no longer names."""
    expert_ids = {row["expert"] for row in application.team if row.get("expert")}
    experts = list(
        ExpertProfile.objects.filter(pk__in=expert_ids, user__isnull=False)
        .exclude(user_id=application.applicant_id)
        .select_related("user")
    )
    invitations = Invitation.objects.filter(
        kind=InvitationKind.TEAM_MEMBER, target_id=application.pk
    )
    named = {e.user_id for e in experts}
    # dropped from the team: a pending question is withdrawn, and an earlier yes no longer
    # stands (naming them again asks again)
    invitations.filter(status__in=[ConsentStatus.PENDING, ConsentStatus.ACCEPTED]).exclude(
        invitee_user_id__in=named
    ).update(status=ConsentStatus.WITHDRAWN, responded_at=timezone.now(), responded_by=actor)
    standing = set(
        invitations.filter(
            Q(status=ConsentStatus.ACCEPTED)
            | Q(status=ConsentStatus.PENDING, expires_at__gt=timezone.now())
        ).values_list("invitee_user_id", flat=True)
    )
    for expert in experts:
        if expert.user_id not in standing:
            invitation_create(
                inviter=actor,
                kind=InvitationKind.TEAM_MEMBER,
                target_id=application.pk,
                invitee_user=expert.user,
                params={"expert": expert.pk},
            )


def accepted_team_expert_ids(application: Application) -> set[int]:
    """Experts of ``application.team`` whose account accepted to be on the team."""
    expert_ids = {row["expert"] for row in application.team if row.get("expert")}
    if not expert_ids:
        return set()
    users = accepted_user_ids(InvitationKind.TEAM_MEMBER, application.pk)
    return set(
        ExpertProfile.objects.filter(pk__in=expert_ids, user_id__in=users).values_list(
            "pk", flat=True
        )
    )


def consent_requests(application: Application) -> list[Invitation]:
    """The partner and team-member invitations of ``application`` not accepted (pending,
    declined, expired), for the applicant side to see who has not agreed."""
    return list(
        Invitation.objects.filter(
            kind__in=[InvitationKind.PARTNER, InvitationKind.TEAM_MEMBER],
            target_id=application.pk,
        )
        .exclude(status__in=[ConsentStatus.ACCEPTED, ConsentStatus.WITHDRAWN])
        .select_related("invitee_org", "invitee_user")
        .order_by("kind", "pk")
    )


def party_application_ids(user: Any) -> QuerySet[Any, Any]:
    """Ids (a subquery) of the applications ``user`` stands behind by consent: as an
    accepted team member, or as a member of an accepted consortium partner. (The applicant
    and the lead organisation are ``Application`` fields.)"""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Application.objects.none().values("pk")
    team = Invitation.objects.filter(
        kind=InvitationKind.TEAM_MEMBER,
        status=ConsentStatus.ACCEPTED,
        invitee_user_id=viewer.user_id,
    ).values("target_id")
    partners = ApplicationPartner.objects.filter(
        organization_id__in=list(viewer.member_org_ids)
    ).values("application_id")
    return Application.objects.filter(Q(pk__in=team) | Q(pk__in=partners)).values("pk")


def _application(invitation: Invitation) -> Application:
    return Application.objects.select_related("organization").get(pk=invitation.target_id)


def _describe_partner(invitation: Invitation) -> str:
    return _("作为联合体成员单位参与揭榜申请“%(t)s”") % {"t": _application(invitation).title}


def _describe_team(invitation: Invitation) -> str:
    return _("作为团队成员参与揭榜申请“%(t)s”") % {"t": _application(invitation).title}


def _require_open(application: Application) -> None:
    from kechuang.challenges.services.applications import editable

    if not editable(application):
        raise InvalidTransition(
            _("该申请已进入推荐或评审（或已撤回），不能再加入。"), code="application_closed"
        )


def _accept_partner(invitation: Invitation, actor: Any) -> None:
    application = locked(Application, pk=invitation.target_id)
    _require_open(application)
    assert invitation.invitee_org is not None  # a partner invitation names an organisation
    ApplicationPartner.objects.get_or_create(
        application=application,
        organization=invitation.invitee_org,
        defaults={"role": str(invitation.params.get("role") or "")[:200]},
    )


def _accept_team(invitation: Invitation, actor: Any) -> None:
    # the accepted invitation itself is what makes the team row count
    _require_open(locked(Application, pk=invitation.target_id))


def _manages(user: Any, invitation: Invitation) -> bool:
    from kechuang.challenges.services.applications import is_applicant_side

    application = Application.objects.filter(pk=invitation.target_id).first()
    return application is not None and is_applicant_side(user, application)


def _url(invitation: Invitation) -> str:
    return reverse("challenges:application_detail", args=[invitation.target_id])


PARTNER = KindHandler(
    describe=_describe_partner, accept=_accept_partner, manages=_manages, url=_url
)
TEAM_MEMBER = KindHandler(describe=_describe_team, accept=_accept_team, manages=_manages, url=_url)
