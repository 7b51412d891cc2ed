"""Gatekeepers for challenge objects (STYLE.md §3): the object, or ``NotFound``.

Sides: the *organiser side* is the admins and staff of the call's organiser and of every
association above it; the *applicant side* is the person who filed a bid and the
managers of the bidding organisation (and, through the scope rule, the associations
above it, which recommend it).
"""

from __future__ import annotations

from typing import Any

from kechuang.challenges.choices import (
    PUBLIC_CALL_STATUSES,
    ApplicationStatus,
    ProblemStatus,
)
from kechuang.challenges.models import Application, Call, CollectionRound, Problem, Project
from kechuang.challenges.services.applications import is_applicant_side
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


def problem_visible(user: Any, problem: Problem) -> bool:
    viewer = viewer_for(user)
    if problem.status == ProblemStatus.PUBLISHED or viewer.manages(problem.round.owner):
        return True
    if problem.status in {ProblemStatus.INTERNAL, ProblemStatus.TAKEN}:
        return in_member_subtree(user, problem.round.owner.path)
    return viewer.sees_private_of(problem.organization)


def access_problem_by_id(user: Any, pk: Any, *, action: str = "view") -> Problem:
    _check(action, {"view", "manage"})
    item = _get(Problem.objects.select_related("round__owner", "organization"), pk)
    if not problem_visible(user, item):
        raise NotFound()
    if action == "manage" and not viewer_for(user).manages(item.round.owner):
        raise PermissionDenied()
    return item


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


def organiser_side(user: Any, call: Call) -> bool:
    return viewer_for(user).manages(call.organiser)


def access_application_by_id(user: Any, pk: Any, *, action: str = "view") -> Application:
    """``view``: applicant side, or once submitted the organiser side and the associations
    above the applicant; ``edit``: applicant side; ``organise``: organiser side;
    ``recommend``: the associations above the applicant (the service picks the level)."""
    _check(action, {"view", "edit", "organise", "recommend"})
    item = _get(
        Application.objects.select_related("call__organiser", "call_problem", "organization"),
        pk,
    )
    own = is_applicant_side(user, item)
    submitted = item.status != ApplicationStatus.DRAFT
    organiser = submitted and organiser_side(user, item.call)
    upward = (
        submitted and item.organization is not None and viewer_for(user).manages(item.organization)
    )
    if not (own or organiser or upward):
        raise NotFound()
    if action == "recommend" and not upward:
        raise PermissionDenied()
    if action == "edit" and not own:
        raise PermissionDenied()
    if action == "organise" and not organiser:
        raise PermissionDenied()
    return item


def access_project_by_id(user: Any, pk: Any, *, action: str = "view") -> Project:
    """``view``: organiser or applicant side; ``organise``/``execute``: one side only."""
    _check(action, {"view", "organise", "execute"})
    item = _get(
        Project.objects.select_related(
            "award__application__call__organiser",
            "award__application__organization",
            "award__call_problem",
        ),
        pk,
    )
    application = item.award.application
    organiser = organiser_side(user, application.call)
    own = is_applicant_side(user, application)
    if not (organiser or own):
        raise NotFound()
    if action == "organise" and not organiser:
        raise PermissionDenied()
    if action == "execute" and not own:
        raise PermissionDenied()
    return item


# ---------------------------------------------------------------- what a page may offer
# Each predicate is asked both by the page it guards (404 when false) and by every link
# to that page, so a link is shown exactly to those who may use it.


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
