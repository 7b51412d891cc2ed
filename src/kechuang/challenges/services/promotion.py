"""A published need promoted into a problem collection round (issue 13, "challenge link").

Association staff who serve the need's enterprise can put its need on a round of theirs,
so that it may become a problem on a call (揭榜挂帅) when the catalog's matching has not
found a solver. The problem copies the need's text and classification and remembers its
source (``Problem.source_need``); it then goes through the round's screening like any
submitted problem.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Need, split_keywords
from kechuang.challenges.choices import EventType, RoundStatus
from kechuang.challenges.models import CollectionRound, Problem
from kechuang.challenges.services.collection import MAX_KEYWORDS, in_subtree
from kechuang.challenges.services.steps import created
from kechuang.common.errors import InvalidTransition, NotFound, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import full_clean, refuse
from kechuang.orgs.access import viewer_for


def promotion_rounds(user: Any, need: Need) -> list[CollectionRound]:
    """The open rounds ``user`` may promote ``need`` into: owned by an association they
    manage whose subtree holds the need's organisation (empty: no button)."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated or need.status != ListingStatus.PUBLISHED:
        return []
    if not viewer.manages(need.organization):
        return []
    rounds = CollectionRound.objects.filter(status=RoundStatus.OPEN).select_related("owner")
    if not viewer.is_platform_admin:
        rounds = rounds.filter(viewer.managed_scope("owner"))
    return [
        r
        for r in rounds.exclude(problems__source_need=need).order_by("-opens_on", "-id")
        if in_subtree(need.organization, r.owner)
    ]


@transaction.atomic
def need_promote(*, actor: Any, need: Need, round: CollectionRound) -> Problem:
    """Submit ``need`` as a problem in ``round`` on behalf of its organisation.

    Only staff managing both the need's organisation and the round's owner may; the need
    must be published and inside the round owner's subtree, the round open, and the need
    not yet in that round.
    """
    round = locked(CollectionRound.objects.select_related("owner"), pk=round.pk)
    try:
        need = Need.objects.select_related("organization").get(pk=need.pk)
    except Need.DoesNotExist:
        raise NotFound() from None
    viewer = viewer_for(actor)
    if not (viewer.manages(need.organization) and viewer.manages(round.owner)):
        raise PermissionDenied(_("只有服务该需求单位的科协工作人员可以把需求转入难题征集。"))
    if not in_subtree(need.organization, round.owner):
        raise PermissionDenied(_("本轮征集只面向征集单位及其下属单位。"))
    if round.status != RoundStatus.OPEN:
        raise InvalidTransition(_("本轮征集已截止。"))
    if need.status != ListingStatus.PUBLISHED:
        raise InvalidTransition(_("只有已发布的需求可以转入难题征集。"))
    if Problem.objects.filter(round=round, source_need=need).exists():
        raise refuse("round", _("该需求已转入本轮征集。"), code="duplicate")
    item = Problem(
        round=round,
        organization=need.organization,
        submitted_by=actor,
        source_need=need,
        title=need.title[:100],
        description=need.description[:5000],
        industry_id=need.industry_id,
        discipline=need.disciplines.order_by("code").first(),
        keywords=" ".join(split_keywords(need.keywords)[:MAX_KEYWORDS])[:200],
    )
    full_clean(item, exclude=["round", "organization", "submitted_by", "source_need"])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # the same promotion, committed meanwhile by someone else
        raise refuse("round", _("该需求已转入本轮征集。"), code="duplicate") from None
    created(
        item,
        actor=actor,
        call=None,
        type=EventType.PROBLEM_SUBMITTED,
        organization=round.owner,
        round=round.pk,
        need=need.pk,
    )
    return item
