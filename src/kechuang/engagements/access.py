"""Who sees an engagement, and as whom (STYLE.md §3).

An engagement is seen by exactly: the users of its two sides (members of the subject's
organisation; the counterparty expert's own account or the members of the counterparty
organisation), the liaisons and technology managers actively assigned to either
organisation, the staff of the associations above the subject's owner, and platform
administrators. ``engagement_scope`` is that rule as a query — the list, the detail, the
API, the files and the funnel all go through it; ``roles_in`` says which of these a user
is for one loaded engagement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.catalog.access import is_public
from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.engagements.choices import Side
from kechuang.engagements.models import (
    BrokerAssignment,
    ConfidentialityAcceptance,
    Engagement,
    NeedAnswer,
)
from kechuang.orgs.access import viewer_for

ACTIONS = frozenset({"view", "act", "broker"})


def brokered_org_ids(user: Any) -> list[int]:
    """Organisations ``user`` serves as an active liaison or technology manager."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        BrokerAssignment.objects.filter(user=user, ended_at__isnull=True).values_list(
            "organization_id", flat=True
        )
    )


def engagement_scope(user: Any) -> Q:
    """The engagements ``user`` may see, as one filter (empty for the anonymous)."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_platform_admin:
        return Q()
    members = list(viewer.member_org_ids)
    served = brokered_org_ids(user)
    return (
        Q(subject_org_id__in=members)
        | Q(counterparty_org_id__in=members)
        | Q(counterparty_expert__user_id=viewer.user_id)
        | Q(subject_org_id__in=served)
        | Q(counterparty_org_id__in=served)
        | viewer.review_scope("subject_org")
    )


@gatekeeper("engagement")
def engagements_visible(user: Any) -> QuerySet[Engagement]:
    return Engagement.objects.filter(engagement_scope(user))


@dataclass(frozen=True)
class Roles:
    """What one user is in one engagement."""

    subject: bool  # a member of the subject's organisation
    counterparty: bool  # the expert, or a member of the counterparty organisation
    broker: bool  # liaison / technology manager of a side, or association staff above

    @property
    def party(self) -> bool:
        return self.subject or self.counterparty

    @property
    def sides(self) -> frozenset[str]:
        return frozenset(
            side
            for side, yes in (
                (Side.SUBJECT, self.subject),
                (Side.COUNTERPARTY, self.counterparty),
                (Side.BROKER, self.broker),
            )
            if yes
        )


def roles_in(user: Any, engagement: Engagement, served: set[int] | None = None) -> Roles:
    """``served``: the user's ``brokered_org_ids``, when the caller has them (lists)."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Roles(False, False, False)
    subject = engagement.subject_org_id in viewer.member_org_ids
    if engagement.counterparty_expert_id:
        expert = engagement.counterparty_expert
        counterparty = expert is not None and expert.user_id == viewer.user_id
    else:
        counterparty = engagement.counterparty_org_id in viewer.member_org_ids
    if served is None:
        served = set(brokered_org_ids(user))
    broker = (
        viewer.reviews_for(engagement.subject_org)
        or engagement.subject_org_id in served
        or (engagement.counterparty_org_id is not None and engagement.counterparty_org_id in served)
    )
    return Roles(subject, counterparty, broker)


@gatekeeper("engagement")
def access_engagement_by_id(user: Any, pk: Any, *, action: str = "view") -> Engagement:
    """The engagement if ``user`` may see it, else ``NotFound``.

    ``action="act"``: the user must be on one of the two sides; ``"broker"``: a liaison,
    technology manager or association staff above (or a party)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    try:
        engagement = (
            engagements_visible(user)
            .select_related(
                "need",
                "achievement",
                "subject_org",
                "counterparty_org",
                "counterparty_expert",
                "started_by",
            )
            .get(pk=int(pk))
        )
    except (Engagement.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    roles = roles_in(user, engagement)
    if action == "act" and not roles.party:
        raise PermissionDenied()
    if action == "broker" and not (roles.party or roles.broker):
        raise PermissionDenied()
    return engagement


@gatekeeper("engagement")
def details_visible(user: Any, engagement: Engagement) -> bool:
    """Contacts and confidential details: only after the introduction, and — when the
    subject's owner required a confidentiality agreement — once the user accepted it.
    Whoever sees the subject's private records anyway (its own side, the associations
    above it) always does; a liaison only after the introduction."""
    roles = roles_in(user, engagement)
    if roles.subject or viewer_for(user).sees_private_of(engagement.subject_org):
        return True
    if engagement.introduced_at is None:
        return False
    if roles.broker and not roles.counterparty:
        return True
    if not roles.counterparty:
        return False
    agreement = getattr(engagement, "agreement", None)
    if agreement is None:
        return True
    return ConfidentialityAcceptance.objects.filter(agreement=agreement, user=user).exists()


def user_docked_with_need(user: Any, need: Any) -> bool:
    """Whether ``user`` is on the counterparty side of an introduced engagement about
    ``need`` (and accepted its agreement where required): the catalog's "visible after
    docking" contact setting asks this through ``catalog.docking``."""
    if user is None or not user.is_authenticated:
        return False
    viewer = viewer_for(user)
    engagements = Engagement.objects.filter(need=need, introduced_at__isnull=False).filter(
        Q(counterparty_expert__user_id=viewer.user_id)
        | Q(counterparty_org_id__in=list(viewer.member_org_ids))
    )
    for engagement in engagements.select_related("counterparty_expert", "subject_org"):
        if details_visible(user, engagement):
            return True
    return False


@gatekeeper("engagement")
def access_answer_by_id(user: Any, pk: Any, *, action: str = "view") -> NeedAnswer:
    """An expert's answer to a need: its author, the need owner's side and the
    associations above it see it; everyone who may see the need sees a public one.
    ``action="own"``: the need owner's managers (who may turn it into an engagement)."""
    if action not in {"view", "own"}:
        raise ValueError(f"unknown action {action!r}")
    try:
        answer = NeedAnswer.objects.select_related("need__organization", "expert", "author").get(
            pk=int(pk)
        )
    except (NeedAnswer.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    viewer = viewer_for(user)
    owner_side = viewer.sees_private_of(answer.need.organization)
    mine = viewer.is_authenticated and (
        answer.author_id == viewer.user_id or answer.expert.user_id == viewer.user_id
    )
    if action == "own":
        if not viewer.manages(answer.need.organization):
            raise NotFound() if not (owner_side or mine) else PermissionDenied()
        return answer
    if owner_side or mine:
        return answer
    if answer.is_public and is_public(answer.need):
        return answer
    raise NotFound()


def answer_scope(user: Any) -> Q:
    """Answers ``user`` may see in a need's list (same rule as ``access_answer_by_id``)."""
    viewer = viewer_for(user)
    q = Q(is_public=True) | viewer.private_scope("need__organization")
    if viewer.is_authenticated:
        q |= Q(author_id=viewer.user_id) | Q(expert__user_id=viewer.user_id)
    return q
