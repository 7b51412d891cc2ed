"""Gatekeepers for challenge objects (STYLE.md §3): the object, or ``NotFound``.

Sides: the *organiser side* is the admins and staff of the call's organiser and of every
association above it; the *applicant side* is the person who filed a bid and the
managers of the bidding organisation; *upward* are the associations above the bidding
organisation (they recommend it, and see its project).

Parties first: whoever stands behind a bid (``is_application_party``: the applicant, a
member of any role of the lead or a partner organisation, the user behind a named team
member's expert profile) gets the applicant's view of it and never more, whatever other
role they hold — a party on the organiser's staff neither organises nor recommends it.

Lists and details come from the same queryset rule (``applications_visible_to``,
``projects_visible_to``): the gatekeepers fetch from it, the list selectors filter it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.challenges.choices import (
    PUBLIC_CALL_STATUSES,
    ApplicationStatus,
    ProblemStatus,
)
from kechuang.challenges.models import Application, Call, CollectionRound, Problem, Project
from kechuang.challenges.services.applications import is_applicant_side
from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def _get(qs: Any, pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def _check(action: str, allowed: set[str]) -> None:
    if action not in allowed:
        raise ValueError(f"unknown action {action!r}")


def in_member_subtree(user: Any, root_path: str) -> bool:
    """Whether ``user`` belongs to an organisation inside the subtree at ``root_path``."""
    ids = viewer_for(user).member_org_ids
    return Organization.objects.filter(pk__in=ids, path__startswith=root_path).exists()


@gatekeeper("round")
def access_round_by_id(user: Any, pk: Any, *, action: str = "view") -> CollectionRound:
    """Rounds are seen by their owner's subtree (members and managers); managed by the owner."""
    _check(action, {"view", "manage"})
    item = _get(CollectionRound.objects.select_related("owner"), pk)
    viewer = viewer_for(user)
    if not (viewer.manages(item.owner) or in_member_subtree(user, item.owner.path)):
        raise NotFound()
    if action == "manage" and not viewer.manages(item.owner):
        raise PermissionDenied()
    return item


@gatekeeper("problem")
def problem_visible(user: Any, problem: Problem) -> bool:
    viewer = viewer_for(user)
    if problem.status == ProblemStatus.PUBLISHED or viewer.manages(problem.round.owner):
        return True
    if problem.status in {ProblemStatus.INTERNAL, ProblemStatus.TAKEN}:
        return in_member_subtree(user, problem.round.owner.path)
    return viewer.sees_private_of(problem.organization)


@gatekeeper("problem")
def access_problem_by_id(user: Any, pk: Any, *, action: str = "view") -> Problem:
    _check(action, {"view", "manage"})
    item = _get(Problem.objects.select_related("round__owner", "organization"), pk)
    if not problem_visible(user, item):
        raise NotFound()
    if action == "manage" and not viewer_for(user).manages(item.round.owner):
        raise PermissionDenied()
    return item


@gatekeeper("call")
def access_call_by_id(user: Any, pk: Any, *, action: str = "view") -> Call:
    """Published calls are public; drafts only for the organiser's side."""
    _check(action, {"view", "manage"})
    call = _get(Call.objects.select_related("organiser"), pk)
    viewer = viewer_for(user)
    if call.status not in PUBLIC_CALL_STATUSES and not viewer.sees_private_of(call.organiser):
        raise NotFound()
    if action == "manage" and not viewer.manages(call.organiser):
        raise PermissionDenied()
    return call


@gatekeeper("call")
def organiser_side(user: Any, call: Call) -> bool:
    return viewer_for(user).manages(call.organiser)


@gatekeeper("application")
def is_application_party(user: Any, application: Application) -> bool:
    """Whether ``user`` stands behind ``application`` (see the module docstring). The one
    place that says who counts: restrict it here once partners and team members accept
    an invitation."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return False
    if application.applicant_id == viewer.user_id:
        return True
    orgs = viewer.member_org_ids
    if application.organization_id in orgs:
        return True
    if application.partners.filter(organization_id__in=list(orgs)).exists():
        return True
    expert_ids = [
        row["expert"]
        for row in application.team or []
        if isinstance(row, dict) and isinstance(row.get("expert"), int)
    ]
    if not expert_ids:
        return False
    from kechuang.catalog.models import ExpertProfile

    return ExpertProfile.objects.filter(pk__in=expert_ids, user_id=user.pk).exists()


@gatekeeper("application")
def applications_visible_to(user: Any) -> QuerySet[Application]:
    """The one rule for seeing a bid, as a queryset: the applicant side in every state;
    once submitted, the organiser side and the associations above the applicant."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Application.objects.none()
    own = Q(applicant_id=viewer.user_id) | Q(organization__path__in=list(viewer.managed_paths))
    submitted = ~Q(status=ApplicationStatus.DRAFT) & (
        viewer.managed_scope("call__organiser") | viewer.managed_scope("organization")
    )
    return Application.objects.filter(own | submitted)


@dataclass(frozen=True)
class ApplicationSides:
    """What one user is to one bid (parties decided first)."""

    own: bool  # applicant side: edits, submits, reads the anonymous feedback
    organiser: bool  # organiser side, submitted, not a party
    upward: bool  # an association above the applicant, submitted, not a party


@gatekeeper("application")
def application_sides(user: Any, application: Application) -> ApplicationSides:
    own = is_applicant_side(user, application)
    if own or is_application_party(user, application):
        return ApplicationSides(own=own, organiser=False, upward=False)
    submitted = application.status != ApplicationStatus.DRAFT
    viewer = viewer_for(user)
    organiser = submitted and viewer.manages(application.call.organiser)
    upward = (
        submitted
        and application.organization is not None
        and viewer.manages(application.organization)
    )
    return ApplicationSides(own=False, organiser=organiser, upward=upward)


@gatekeeper("application")
def access_application_by_id(user: Any, pk: Any, *, action: str = "view") -> Application:
    """``view``: whoever ``applications_visible_to`` lets see it; ``edit``: applicant side;
    ``organise``: organiser side; ``recommend``: the associations above the applicant
    (the service picks the level) — neither for a party to the bid."""
    _check(action, {"view", "edit", "organise", "recommend"})
    item = _get(
        applications_visible_to(user).select_related(
            "call__organiser", "call_problem", "organization"
        ),
        pk,
    )
    sides = application_sides(user, item)
    if action == "recommend" and not sides.upward:
        raise PermissionDenied()
    if action == "edit" and not sides.own:
        raise PermissionDenied()
    if action == "organise" and not sides.organiser:
        raise PermissionDenied()
    return item


@gatekeeper("project")
def projects_visible_to(user: Any) -> QuerySet[Project]:
    """The one rule for seeing a project, as a queryset: the organiser side of its call,
    the applicant side of its bid, and the associations above the applicant."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Project.objects.none()
    if viewer.is_platform_admin:  # (an empty Q would vanish from the ``|`` below)
        return Project.objects.all()
    return Project.objects.filter(
        viewer.managed_scope("award__application__call__organiser")
        | viewer.managed_scope("award__application__organization")
        | Q(award__application__applicant_id=viewer.user_id)
    )


@gatekeeper("project")
def access_project_by_id(user: Any, pk: Any, *, action: str = "view") -> Project:
    """``view``: whoever ``projects_visible_to`` lets see it; ``organise``: the organiser
    side, ``execute``: the applicant side (a party never organises its own project)."""
    _check(action, {"view", "organise", "execute"})
    item = _get(
        projects_visible_to(user).select_related(
            "award__application__call__organiser",
            "award__application__organization",
            "award__call_problem",
        ),
        pk,
    )
    application = item.award.application
    if action == "organise" and not organises_project(user, application):
        raise PermissionDenied()
    if action == "execute" and not is_applicant_side(user, application):
        raise PermissionDenied()
    return item


# ---------------------------------------------------------------- what a page may offer
# Each predicate is asked both by the page it guards (404 when false) and by every link
# to that page, so a link is shown exactly to those who may use it.


@gatekeeper("organization")
def call_organisers(user: Any) -> list[Organization]:
    """Organisations ``user`` may create a call for: those they manage (admin or staff),
    top of each subtree first; every active organisation for a platform administrator,
    who manages them all (``Viewer.manages``) without being a member of any."""
    from kechuang.orgs.selectors import managed_organizations

    if viewer_for(user).is_platform_admin:
        return list(Organization.objects.filter(is_active=True).order_by("depth", "name"))
    return [o for o in managed_organizations(user) if o.is_active]


def may_create_call(user: Any) -> bool:
    """Whether ``call_organisers(user)`` has any organisation (without listing them)."""
    from kechuang.orgs.selectors import managed_organizations

    if viewer_for(user).is_platform_admin:
        return Organization.objects.filter(is_active=True).exists()
    return managed_organizations(user).filter(is_active=True).exists()


def may_recommend(user: Any) -> bool:
    """Whether ``user`` decides recommendations at some level: an admin or staff member of
    an association (only associations sit in a recommendation chain), or a platform
    administrator."""
    viewer = viewer_for(user)
    if viewer.is_platform_admin:
        return True
    return any(
        o.is_association
        for o in Organization.objects.filter(path__in=viewer.managed_paths, is_active=True)
    )


def may_see_filings(user: Any) -> bool:
    """Whether ``user`` has a filing dashboard: a manager of some organisation (its own
    calls' filings and, for an association, its subtree's), or a platform administrator."""
    viewer = viewer_for(user)
    return viewer.is_platform_admin or bool(viewer.managed_paths)


@gatekeeper("project")
def organises_project(user: Any, application: Application) -> bool:
    """The organiser side of the call, unless a party to the awarded bid."""
    return organiser_side(user, application.call) and not is_application_party(user, application)
