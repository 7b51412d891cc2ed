"""Catalog reads: public lists and their filters, the workspace, the review queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.catalog.choices import ExpertStatus, ListingAction, ListingStatus
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.selectors import (
    ListingFilters,
    achievement_list,
    expert_list,
    need_list,
    organization_listings,
    public_counts,
    review_queue,
)
from kechuang.catalog.services import (
    achievement_create,
    expert_create,
    expert_set_status,
    listing_transition,
    need_create,
)
from tests.catalog.conftest import days, force_status, publish
from tests.conftest import World, achievement_data, need_data


def titles(qs: Any) -> list[str]:
    return [item.title for item in qs]


def make_need(world: World, title: str, org: Any = None, actor: Any = None, **kw: Any) -> Need:
    return need_create(
        actor=actor or world.owner_admin,
        organization=org or world.enterprise,
        **need_data(title=title, **kw),
    )


@pytest.fixture
def catalog(world: World) -> dict[str, Need]:
    """Needs in every state; the published ones differ in region, industry and codes."""
    battery = publish(world, make_need(world, "电池包液冷优化"))
    sensor = publish(
        world,
        make_need(
            world,
            "窑炉测温探头国产化",
            region_id="330100",
            industry_id="C40",
            disciplines=["460"],
            cooperation_modes=["consulting", "service"],
            keywords="测温，探头",
            description="需要耐 300℃ 的小型测温探头，精度 ±0.5℃，用于窑炉在线监测。",
        ),
    )
    suzhou = make_need(
        world,
        "流量计标定装置升级",
        org=world.other_enterprise,
        actor=world.other_admin,
        region_id="320500",
        industry_id="C40",
        disciplines=["460"],
        keywords="流量计",
        description="现有流量计标定装置精度不足，需升级为 0.05 级的标准表法装置。",
    )
    listing_transition(actor=world.other_admin, item=suzhou, action=ListingAction.SUBMIT)
    suzhou = listing_transition(
        actor=world.jiangsu_staff, item=suzhou, action=ListingAction.PUBLISH
    )
    farm = publish(
        world,
        make_need(
            world,
            "茶园病虫害智能识别",
            industry_id="A01",
            disciplines=["910"],
            cooperation_modes=["joint_rd"],
            keywords="茶园，图像识别",
            description="基于图像的茶园病虫害识别，需在手机端离线运行。",
        ),
    )
    lapsed = publish(world, make_need(world, "已过有效期但尚未处理"))
    Need.objects.filter(pk=lapsed.pk).update(expires_on=days(-1))
    draft = make_need(world, "仍是草稿")
    submitted = make_need(world, "等待审核的需求")
    listing_transition(actor=world.owner_admin, item=submitted, action=ListingAction.SUBMIT)
    expired = force_status(make_need(world, "已过期的需求"), ListingStatus.EXPIRED)
    closed = force_status(make_need(world, "已关闭的需求"), ListingStatus.CLOSED)
    return {
        "battery": battery,
        "sensor": sensor,
        "suzhou": suzhou,
        "farm": farm,
        "lapsed": lapsed,
        "draft": draft,
        "submitted": submitted,
        "expired": expired,
        "closed": closed,
    }


PUBLIC = {"电池包液冷优化", "窑炉测温探头国产化", "流量计标定装置升级", "茶园病虫害智能识别"}


@pytest.mark.parametrize("user_name", [None, "owner_admin", "jiangsu_staff", "platform_admin"])
def test_public_list_shows_only_published_and_unexpired(
    world: World, catalog: dict[str, Need], user_name: str | None
) -> None:
    user = getattr(world, user_name) if user_name else AnonymousUser()
    assert set(titles(need_list(user=user))) == PUBLIC
    assert set(titles(need_list(user=user, filters=ListingFilters(status="published")))) == PUBLIC


def test_public_list_is_newest_first(world: World, catalog: dict[str, Need]) -> None:
    got = list(need_list())
    assert [n.published_at for n in got] == sorted((n.published_at for n in got), reverse=True)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("330000", {"电池包液冷优化", "窑炉测温探头国产化", "茶园病虫害智能识别"}),
        ("330100", {"电池包液冷优化", "窑炉测温探头国产化", "茶园病虫害智能识别"}),
        ("330106", {"电池包液冷优化", "茶园病虫害智能识别"}),
        ("320000", {"流量计标定装置升级"}),
        ("320500", {"流量计标定装置升级"}),
        ("110000", set()),
    ],
)
def test_region_filter_matches_everything_inside(
    catalog: dict[str, Need], region: str, expected: set[str]
) -> None:
    assert set(titles(need_list(filters=ListingFilters(region=region)))) == expected


@pytest.mark.parametrize(
    ("industry", "expected"),
    [
        ("C", {"电池包液冷优化", "窑炉测温探头国产化", "流量计标定装置升级"}),
        ("C38", {"电池包液冷优化"}),
        ("C40", {"窑炉测温探头国产化", "流量计标定装置升级"}),
        ("A", {"茶园病虫害智能识别"}),
        ("A01", {"茶园病虫害智能识别"}),
        ("B", set()),
    ],
)
def test_industry_section_matches_its_divisions(
    catalog: dict[str, Need], industry: str, expected: set[str]
) -> None:
    assert set(titles(need_list(filters=ListingFilters(industry=industry)))) == expected


def test_discipline_and_cooperation_mode_filters(catalog: dict[str, Need]) -> None:
    def got(**f: Any) -> set[str]:
        return set(titles(need_list(filters=ListingFilters(**f))))

    assert got(discipline="470") == {"电池包液冷优化"}
    assert got(discipline="460") == {"窑炉测温探头国产化", "流量计标定装置升级"}
    assert got(discipline="110") == set()
    assert got(cooperation_mode="development") == {"电池包液冷优化", "流量计标定装置升级"}
    assert got(cooperation_mode="service") == {"窑炉测温探头国产化"}
    assert got(cooperation_mode="joint_rd") == {"茶园病虫害智能识别"}
    assert got(discipline="460", cooperation_mode="development") == {"流量计标定装置升级"}
    assert got(region="330000", industry="C") == {"电池包液冷优化", "窑炉测温探头国产化"}


def test_multi_valued_filters_do_not_duplicate_rows(catalog: dict[str, Need]) -> None:
    rows = list(need_list(filters=ListingFilters(cooperation_mode="consulting")))
    assert titles(rows) == ["窑炉测温探头国产化"]


def test_text_search(catalog: dict[str, Need]) -> None:
    def got(q: str) -> set[str]:
        return set(titles(need_list(filters=ListingFilters(q=q))))

    assert got("液冷") == {"电池包液冷优化"}  # title
    assert got("窑炉在线监测") == {"窑炉测温探头国产化"}  # description
    assert got("探头") == {"窑炉测温探头国产化"}  # keywords too
    assert got("测温 国产化") == {"窑炉测温探头国产化"}  # every term must match
    assert got("测温 液冷") == set()
    assert got("不存在的词") == set()
    assert got("已过有效期") == set()  # never searches past the public set


def test_organisation_filter(world: World, catalog: dict[str, Need]) -> None:
    got = need_list(filters=ListingFilters(organization_id=world.other_enterprise.pk))
    assert titles(got) == ["流量计标定装置升级"]


@pytest.mark.parametrize(
    ("user_name", "expected"),
    [
        (None, set()),
        ("owner_member", {"仍是草稿"}),
        ("hangzhou_staff", {"仍是草稿"}),
        ("jiangsu_staff", set()),
        ("other_admin", set()),
        ("platform_admin", {"仍是草稿"}),
    ],
)
def test_status_filter_lists_the_viewers_own_scope(
    world: World, catalog: dict[str, Need], user_name: str | None, expected: set[str]
) -> None:
    user = getattr(world, user_name) if user_name else AnonymousUser()
    got = need_list(user=user, filters=ListingFilters(status="draft"))
    assert set(titles(got)) == expected


def test_workspace_lists_every_item_of_ones_organisations(
    world: World, catalog: dict[str, Need]
) -> None:
    mine = set(titles(organization_listings(Need, user=world.owner_member)))
    assert mine == {
        "电池包液冷优化",
        "窑炉测温探头国产化",
        "茶园病虫害智能识别",
        "已过有效期但尚未处理",
        "仍是草稿",
        "等待审核的需求",
        "已过期的需求",
        "已关闭的需求",
    }
    assert set(titles(organization_listings(Need, user=world.other_admin))) == {
        "流量计标定装置升级",
    }
    assert list(organization_listings(Need, user=AnonymousUser())) == []


@pytest.mark.parametrize(
    ("user_name", "sees"),
    [
        ("hangzhou_staff", True),
        ("zhejiang_staff", True),
        ("platform_admin", True),
        ("jiangsu_staff", False),
        ("owner_admin", False),
        ("owner_member", False),
        ("other_admin", False),
        (None, False),
    ],
)
def test_review_queue(
    world: World, catalog: dict[str, Need], user_name: str | None, sees: bool
) -> None:
    user = getattr(world, user_name) if user_name else AnonymousUser()
    assert titles(review_queue(Need, user=user)) == (["等待审核的需求"] if sees else [])


def test_review_queue_is_oldest_first_and_per_model(world: World) -> None:
    first = make_need(world, "先提交的需求")
    second = make_need(world, "后提交的需求")
    listing_transition(actor=world.owner_admin, item=first, action=ListingAction.SUBMIT)
    listing_transition(actor=world.owner_admin, item=second, action=ListingAction.SUBMIT)
    achievement = achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data()
    )
    listing_transition(actor=world.owner_admin, item=achievement, action=ListingAction.SUBMIT)

    assert titles(review_queue(Need, user=world.hangzhou_staff)) == ["先提交的需求", "后提交的需求"]
    assert titles(review_queue(Achievement, user=world.hangzhou_staff)) == [achievement.title]
    assert titles(review_queue(Achievement, user=world.jiangsu_staff)) == []


def test_achievement_list_trl_filter(world: World) -> None:
    low = publish(
        world,
        achievement_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **achievement_data(title="实验室阶段成果", trl=3),
        ),
    )
    high = publish(
        world,
        achievement_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **achievement_data(title="可量产成果", trl=8),
        ),
    )

    assert set(titles(achievement_list())) == {low.title, high.title}
    assert titles(achievement_list(filters=ListingFilters(trl_min=7))) == [high.title]
    assert titles(achievement_list(filters=ListingFilters(q="李教授", trl_min=1))) == [
        high.title,
        low.title,
    ]


def test_public_counts(world: World, catalog: dict[str, Need]) -> None:
    assert public_counts() == {"needs": 4, "achievements": 0, "experts": 0, "organizations": 6}


def test_list_query_count(
    world: World, catalog: dict[str, Need], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        for need in need_list():
            _ = (
                need.organization.name,
                need.region.name,
                need.industry.name,
                list(need.disciplines.all()),
                list(need.cooperation_modes.all()),
            )


# ------------------------------------------------------------------ experts


def test_expert_list_scope(world: World) -> None:
    base = {
        "affiliation": "浙江大学",
        "region_id": "330106",
        "keywords": "热管理",
        "disciplines": ["470"],
    }
    own = expert_create(actor=world.owner_member, name="自建档案", **base)
    kept = expert_create(
        actor=world.hangzhou_staff,
        organization=world.enterprise,
        for_self=False,
        name="单位维护档案",
        **base,
    )
    public = expert_create(
        actor=world.other_admin,
        name="公开档案",
        **{**base, "region_id": "320500", "disciplines": ["460"]},
    )
    expert_set_status(actor=world.other_admin, expert=public, status=ExpertStatus.PUBLISHED)

    def names(user: Any, **kw: Any) -> list[str]:
        return [e.name for e in expert_list(user=user, **kw)]

    assert names(AnonymousUser()) == ["公开档案"]
    assert sorted(names(world.owner_member)) == sorted(["公开档案", "自建档案"])
    assert sorted(names(world.hangzhou_staff)) == sorted(["公开档案", "单位维护档案"])
    assert sorted(names(world.platform_admin)) == sorted(["公开档案", "单位维护档案", "自建档案"])
    assert names(world.platform_admin, region="320000") == ["公开档案"]
    assert names(world.platform_admin, discipline="460") == ["公开档案"]
    assert names(world.platform_admin, q="单位") == ["单位维护档案"]
    assert own.pk and kept.pk
