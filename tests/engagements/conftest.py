"""Fixtures of the engagement tests: a published need of the world's enterprise, a
published achievement, and an expert (with an account) outside the enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kechuang.accounts.models import User
from kechuang.catalog.choices import ExpertStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.catalog.services import achievement_create, expert_create, expert_set_status
from kechuang.orgs.choices import Role
from tests.catalog.conftest import publish, published_need
from tests.conftest import World, achievement_data
from tests.factories import member


def expert_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "陈建国",
        "title_level": "senior",
        "title_name": "教授",
        "affiliation": "浙江大学能源工程学院",
        "region_id": "330106",
        "keywords": "电池热管理，液冷，传热强化",
        "biography": "长期从事动力电池热管理研究。",
        "disciplines": ["470"],
        "industries": ["C38"],
    }
    data.update(overrides)
    return data


@dataclass
class Deal:
    world: World
    need: Need
    achievement: Achievement
    expert: ExpertProfile
    expert_user: User  # the expert's own account, a member of ``other_enterprise``
    stranger: User  # a member of no party


@pytest.fixture
def deal(world: World) -> Deal:
    need = published_need(world)
    achievement = publish(
        world,
        achievement_create(
            actor=world.owner_admin, organization=world.enterprise, **achievement_data()
        ),
    )
    expert_user = member(world.other_enterprise, Role.MEMBER, display_name="陈教授")
    expert = expert_create(actor=expert_user, **expert_data())
    expert = expert_set_status(actor=expert_user, expert=expert, status=ExpertStatus.PUBLISHED)
    stranger = member(world.other_enterprise, Role.MEMBER, display_name="路人")
    return Deal(world, need, achievement, expert, expert_user, stranger)


def solve(deal: Deal, **kwargs: Any) -> Any:
    """The expert clicks 我能解决 on the need."""
    from kechuang.engagements.choices import Origin
    from kechuang.engagements.services import engagement_start

    return engagement_start(
        actor=deal.expert_user,
        subject=deal.need,
        counterparty=deal.expert,
        origin=Origin.SOLVE,
        **kwargs,
    )


def walk_to(deal: Deal, engagement: Any, stage: str) -> Any:
    """Test set-up through the services: move ``engagement`` forward up to ``stage``."""
    from django.utils import timezone

    from kechuang.engagements.choices import FORWARD, Stage
    from kechuang.engagements.services import (
        engagement_complete,
        engagement_sign,
        engagement_transition,
    )

    owner = deal.world.owner_admin
    for step in FORWARD[FORWARD.index(engagement.stage) + 1 : FORWARD.index(stage) + 1]:
        if step == Stage.SIGNED:
            engagement_sign(
                actor=owner,
                engagement=engagement,
                contract_type="development",
                title="液冷板开发合同",
                amount="80.50",
                technology_amount="60",
                party_a="杭州测温科技有限公司",
                party_b="陈建国",
                signed_on=timezone.localdate().isoformat(),
            )
        elif step == Stage.COMPLETED:
            engagement_complete(actor=owner, engagement=engagement, products="1", revenue="300")
        else:
            engagement_transition(actor=owner, engagement=engagement, to=step)
        engagement.refresh_from_db()
    return engagement
