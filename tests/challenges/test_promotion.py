"""A published need promoted into a problem collection round by association staff."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Need
from kechuang.challenges import models as m
from kechuang.challenges.choices import ProblemStatus
from kechuang.challenges.services.collection import round_open, round_transition
from kechuang.challenges.services.promotion import need_promote, promotion_rounds
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.orgs.choices import AssociationLevel
from tests.catalog.conftest import published_need
from tests.challenges.conftest import challenge_state
from tests.conftest import World
from tests.factories import association

pytestmark = pytest.mark.django_db


def _round(world: World, owner: Any = None, actor: Any = None) -> m.CollectionRound:
    today = timezone.localdate()
    return round_open(
        actor=actor or world.hangzhou_staff,
        owner=owner or world.hangzhou,
        title="2026 年杭州市企业技术难题征集",
        opens_on=today.isoformat(),
        closes_on=(today + datetime.timedelta(days=30)).isoformat(),
    )


@pytest.fixture
def need(world: World) -> Need:
    return published_need(world)


def test_staff_promote_a_need_into_their_round(world: World, need: Need) -> None:
    round = _round(world)
    audits = AuditEntry.objects.count()
    assert promotion_rounds(world.hangzhou_staff, need) == [round]
    problem = need_promote(actor=world.hangzhou_staff, need=need, round=round)
    problem.refresh_from_db()
    assert (problem.round_id, problem.source_need_id, problem.organization_id) == (
        round.pk,
        need.pk,
        world.enterprise.pk,
    )
    assert (problem.title, problem.description) == (need.title, need.description)
    assert problem.industry_id == "C38" and problem.discipline_id == "470"
    assert problem.keywords == "电池热管理 液冷板 储能"
    assert problem.status == ProblemStatus.SUBMITTED
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == audits + 1
    assert entry is not None and entry.actor_id == world.hangzhou_staff.pk
    # once per round: the button no longer offers it, the service refuses it
    assert promotion_rounds(world.hangzhou_staff, need) == []
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        need_promote(actor=world.hangzhou_staff, need=need, round=round)
    assert exc.value.code == "duplicate"
    assert challenge_state() == before


@pytest.mark.parametrize("who", ["owner_admin", "jiangsu_staff", "owner_member"])
def test_others_may_not_promote(world: World, need: Need, who: str) -> None:
    round = _round(world)
    before = challenge_state()
    assert promotion_rounds(getattr(world, who), need) == []
    with pytest.raises(PermissionDenied):
        need_promote(actor=getattr(world, who), need=need, round=round)
    assert challenge_state() == before


def test_a_round_outside_the_needs_subtree_is_refused(world: World, need: Need) -> None:
    """The platform admin manages everything, yet a Jiangsu round does not take a Hangzhou
    enterprise's need."""
    round = _round(world, owner=world.jiangsu, actor=world.jiangsu_staff)
    before = challenge_state()
    assert promotion_rounds(world.platform_admin, need) == []
    with pytest.raises(PermissionDenied):
        need_promote(actor=world.platform_admin, need=need, round=round)
    assert challenge_state() == before


def test_a_closed_round_or_an_unpublished_need_is_refused(world: World, need: Need) -> None:
    round = _round(world)
    round_transition(actor=world.hangzhou_staff, round=round, action="close")
    before = challenge_state()
    with pytest.raises(InvalidTransition):
        need_promote(actor=world.hangzhou_staff, need=need, round=round)
    round_transition(actor=world.hangzhou_staff, round=round, action="reopen")
    Need.objects.filter(pk=need.pk).update(status="closed")
    before = challenge_state()
    with pytest.raises(InvalidTransition):
        need_promote(actor=world.hangzhou_staff, need=need, round=round)
    assert challenge_state() == before


def test_the_need_page_offers_the_button_to_staff_only(
    world: World, need: Need, client: Any
) -> None:
    round = _round(world)
    # a district round above another enterprise is not offered
    association("滨江区科学技术协会", AssociationLevel.DISTRICT, world.hangzhou, "330108")
    panel = reverse("challenges:need_promote", args=[need.pk])
    client.force_login(world.owner_admin)
    assert panel in client.get(reverse("web:need_detail", args=[need.pk])).content.decode()
    assert "data-need-promote>" not in client.get(panel).content.decode()
    before = challenge_state()
    assert client.post(panel, {"round": round.pk}).status_code == 422
    assert challenge_state() == before

    client.force_login(world.hangzhou_staff)
    html = client.get(panel).content.decode()
    assert "data-need-promote>" in html and round.title in html
    assert client.post(panel, {"round": "x"}).status_code == 422
    assert challenge_state() == before
    response = client.post(panel, {"round": round.pk}, HTTP_HX_REQUEST="true")
    problem = m.Problem.objects.get(source_need=need)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("challenges:problem_detail", args=[problem.pk])
