"""Creating and updating needs and achievements: every bad input, and the happy path."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.services import (
    achievement_create,
    achievement_update,
    need_create,
    need_update,
)
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tests.catalog.conftest import audit_count, days, force_status
from tests.conftest import World, achievement_data, need_data

# ------------------------------------------------------------------ needs: bad input

BAD_NEED_INPUT = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "热"}, "title"),
    ({"title": "热" * 101}, "title"),
    ({"description": "太短的描述"}, "description"),
    ({"description": "描" * 5001}, "description"),
    ({"description": ""}, "description"),
    ({"budget_min": "200", "budget_max": "100"}, "budget_max"),
    ({"budget_min": "-1"}, "budget_min"),
    ({"budget_max": "-0.01", "budget_min": None}, "budget_max"),
    ({"budget_min": "很多"}, "budget_min"),
    ({"budget_max": "1e20"}, "budget_max"),
    ({"region_id": "999999"}, "region"),
    ({"region_id": ""}, "region"),
    ({"industry_id": "Z99"}, "industry"),
    ({"industry_id": None}, "industry"),
    ({"disciplines": ["470", "999"]}, "disciplines"),
    ({"cooperation_modes": ["barter"]}, "cooperation_modes"),
    ({"cooperation_modes": []}, "cooperation_modes"),
    ({"deadline": (datetime.date.today() - datetime.timedelta(days=400)).isoformat()}, "deadline"),
    ({"deadline": "2030-13-01"}, "deadline"),
    ({"deadline": "明年春天"}, "deadline"),
    ({"keywords": ",".join(f"词{i}" for i in range(11))}, "keywords"),
    ({"keywords": "一" * 21}, "keywords"),
    ({"contact_name": ""}, "contact_name"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"contact_visibility": "everyone"}, "contact_visibility"),
    ({"status": "published"}, "status"),
    ({"organization_id": 1}, "organization_id"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("override", "field"), BAD_NEED_INPUT)
def test_need_create_rejects(world: World, override: dict[str, Any], field: str) -> None:
    audits = audit_count()

    with pytest.raises(ValidationFailed) as exc:
        need_create(actor=world.owner_admin, organization=world.enterprise, **need_data(**override))

    assert list(exc.value.fields) == [field], exc.value.fields
    assert exc.value.fields[field]
    assert Need.objects.count() == 0
    assert audit_count() == audits


def test_need_create_yesterday_deadline(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(deadline=days(-1).isoformat()),
        )
    assert exc.value.fields == {"deadline": ["截止日期不能早于今天。"]}


def test_need_create_exact_messages(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(
                budget_min="200",
                budget_max="100",
                region_id="999999",
                industry_id="Z99",
                disciplines=["999"],
                cooperation_modes=["barter"],
                deadline="2030-02-30",
                keywords=",".join(f"词{i}" for i in range(11)),
                colour=None,
            ),
        )
    # an unknown field is refused before anything else is looked at
    assert exc.value.fields == {"colour": ["该字段不可修改。"]}

    with pytest.raises(ValidationFailed) as exc:
        need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(
                budget_min="200",
                budget_max="100",
                region_id="999999",
                industry_id="Z99",
                disciplines=["999"],
                cooperation_modes=["barter"],
                deadline="2030-02-30",
                keywords=",".join(f"词{i}" for i in range(11)),
            ),
        )
    assert exc.value.fields == {
        "budget_max": ["预算下限不能高于预算上限。"],
        "region": ["未知的行政区划代码：999999。"],
        "industry": ["未知的行业代码：Z99。"],
        "disciplines": ["未知的代码：999。"],
        "cooperation_modes": ["未知的代码：barter。"],
        "deadline": ["请输入有效日期，格式为 YYYY-MM-DD。"],
        "keywords": ["关键词最多 10 个。"],
    }
    assert Need.objects.count() == 0


def test_need_create_requires_cooperation_modes(world: World) -> None:
    data = need_data()
    del data["cooperation_modes"]
    with pytest.raises(ValidationFailed) as exc:
        need_create(actor=world.owner_admin, organization=world.enterprise, **data)
    assert exc.value.fields == {"cooperation_modes": ["请至少选择一种合作方式。"]}
    assert Need.objects.count() == 0


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff"])
def test_need_create_needs_a_manager(world: World, actor_name: str) -> None:
    audits = audit_count()
    with pytest.raises(PermissionDenied):
        need_create(actor=getattr(world, actor_name), organization=world.enterprise, **need_data())
    assert Need.objects.count() == 0
    assert audit_count() == audits


@pytest.mark.parametrize("actor_name", ["owner_admin", "hangzhou_staff", "platform_admin"])
def test_need_create_by_managers(world: World, actor_name: str) -> None:
    need = need_create(
        actor=getattr(world, actor_name), organization=world.enterprise, **need_data()
    )
    assert (need.organization, need.created_by) == (world.enterprise, getattr(world, actor_name))


# ------------------------------------------------------------------ needs: happy path


def test_need_create_happy_path(world: World) -> None:
    deadline = days(90)

    need = need_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **need_data(
            title="  动力电池包液冷热管理优化 ",
            keywords=" 电池热管理, 液冷板；储能、 ,BMS\n热仿真 ",
            deadline=deadline.isoformat(),
            disciplines=["470", "460", "470"],
            cooperation_modes=["development", "joint_rd"],
        ),
    )

    need = Need.objects.get(pk=need.pk)
    assert need.title == "动力电池包液冷热管理优化"
    assert need.keywords == "电池热管理，液冷板，储能，BMS，热仿真"
    assert need.keyword_list == ["电池热管理", "液冷板", "储能", "BMS", "热仿真"]
    assert (need.status, need.organization, need.created_by) == (
        ListingStatus.DRAFT,
        world.enterprise,
        world.owner_admin,
    )
    assert (need.region_id, need.industry_id) == ("330106", "C38")
    assert (need.budget_min, need.budget_max, need.deadline) == (
        Decimal("50.00"),
        Decimal("120.00"),
        deadline,
    )
    assert (need.contact_name, need.contact_phone, need.contact_email, need.contact_visibility) == (
        "王工",
        "0571-88886666",
        "wang@example.com",
        "members",
    )
    assert sorted(need.disciplines.values_list("pk", flat=True)) == ["460", "470"]
    assert sorted(need.cooperation_modes.values_list("pk", flat=True)) == [
        "development",
        "joint_rd",
    ]
    assert (need.submitted_at, need.published_at, need.expires_on, need.return_reason) == (
        None,
        None,
        None,
        "",
    )
    assert not need.is_public
    entry = AuditEntry.objects.get(object_type="need", object_id=str(need.pk))
    assert (entry.action, entry.actor, entry.organization, entry.before) == (
        AuditAction.CREATE,
        world.owner_admin,
        world.enterprise,
        None,
    )
    assert entry.after["title"] == "动力电池包液冷热管理优化"
    assert entry.after["disciplines"] == ["460", "470"]
    assert entry.after["status"] == "draft"


def test_need_create_minimal(world: World) -> None:
    need = need_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        title="测温探头选型",
        description="需要耐 300℃ 的小型测温探头，精度 ±0.5℃，用于窑炉在线监测。",
        region_id="330106",
        industry_id="C40",
        cooperation_modes=["consulting"],
        contact_name="赵工",
        budget_min="",
        budget_max=" ",
        deadline="",
    )
    need = Need.objects.get(pk=need.pk)
    assert (need.budget_min, need.budget_max, need.deadline, need.keywords) == (
        None,
        None,
        None,
        "",
    )
    assert list(need.disciplines.all()) == []


def test_need_keywords_are_deduplicated(world: World) -> None:
    need = need_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **need_data(keywords="储能，储能, 液冷板，储能"),
    )
    assert Need.objects.get(pk=need.pk).keywords == "储能，液冷板"


def test_ten_keywords_are_fine(world: World) -> None:
    need = need_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **need_data(keywords="，".join(f"词{i}" for i in range(10))),
    )
    assert len(Need.objects.get(pk=need.pk).keyword_list) == 10


def test_deadline_today_is_fine(world: World) -> None:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(deadline=days(0))
    )
    assert Need.objects.get(pk=need.pk).deadline == days(0)


# ------------------------------------------------------------------ achievements


BAD_ACHIEVEMENT_INPUT = [
    ({"title": ""}, "title"),
    ({"title": "成" * 101}, "title"),
    ({"summary": "太短"}, "summary"),
    ({"trl": 0}, "trl"),
    ({"trl": 10}, "trl"),
    ({"trl": "high"}, "trl"),
    ({"trl": None}, "trl"),
    ({"ip_type": "trademark"}, "ip_type"),
    ({"asking_price": "-5"}, "asking_price"),
    ({"region_id": "000000"}, "region"),
    ({"industry_id": "C99"}, "industry"),
    ({"disciplines": ["abc"]}, "disciplines"),
    ({"cooperation_modes": ["gift"]}, "cooperation_modes"),
    ({"keywords": "、".join(f"k{i}" for i in range(12))}, "keywords"),
    ({"deadline": "2030-01-01"}, "deadline"),
    ({"budget_min": "1"}, "budget_min"),
]


@pytest.mark.parametrize(("override", "field"), BAD_ACHIEVEMENT_INPUT)
def test_achievement_create_rejects(world: World, override: dict[str, Any], field: str) -> None:
    audits = audit_count()

    with pytest.raises(ValidationFailed) as exc:
        achievement_create(
            actor=world.owner_admin, organization=world.enterprise, **achievement_data(**override)
        )

    assert list(exc.value.fields) == [field], exc.value.fields
    assert Achievement.objects.count() == 0
    assert audit_count() == audits


@pytest.mark.parametrize("trl", [1, 9, "5"])
def test_achievement_trl_bounds(world: World, trl: Any) -> None:
    item = achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data(trl=trl)
    )
    assert Achievement.objects.get(pk=item.pk).trl == int(trl)


def test_achievement_create_happy_path(world: World) -> None:
    item = achievement_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **achievement_data(asking_price="80.5"),
    )

    item = Achievement.objects.get(pk=item.pk)
    assert (item.title, item.trl, item.ip_type, item.ip_status, item.asking_price) == (
        "高精度气液两相流量测量技术",
        7,
        "invention_patent",
        "granted",
        Decimal("80.50"),
    )
    assert (item.status, item.keywords) == (ListingStatus.DRAFT, "两相流，流量计，层析成像")
    assert sorted(item.cooperation_modes.values_list("pk", flat=True)) == [
        "licensing",
        "transfer",
    ]
    assert (
        AuditEntry.objects.filter(
            object_type="achievement", object_id=str(item.pk), action=AuditAction.CREATE
        ).count()
        == 1
    )


def test_achievement_create_needs_a_manager(world: World) -> None:
    with pytest.raises(PermissionDenied):
        achievement_create(
            actor=world.owner_member, organization=world.enterprise, **achievement_data()
        )
    assert Achievement.objects.count() == 0


# ------------------------------------------------------------------ updates


def _row(need: Need) -> dict[str, Any]:
    fresh = Need.objects.get(pk=need.pk)
    return {
        "title": fresh.title,
        "status": fresh.status,
        "budget_max": fresh.budget_max,
        "modes": sorted(fresh.cooperation_modes.values_list("pk", flat=True)),
        "updated_at": fresh.updated_at,
    }


@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.RETURNED])
def test_update_in_editable_status(world: World, draft_need: Need, status: str) -> None:
    need = force_status(draft_need, status)

    need_update(
        actor=world.owner_admin,
        need=need,
        title=" 电池包液冷优化 ",
        budget_max="150",
        cooperation_modes=["development", "service"],
    )

    fresh = Need.objects.get(pk=need.pk)
    assert (fresh.title, fresh.budget_max, fresh.status) == (
        "电池包液冷优化",
        Decimal("150.00"),
        status,
    )
    assert sorted(fresh.cooperation_modes.values_list("pk", flat=True)) == [
        "development",
        "service",
    ]
    entry = AuditEntry.objects.filter(object_type="need", action=AuditAction.UPDATE).get()
    assert entry.before == {
        "title": "动力电池包液冷热管理优化",
        "budget_max": "120.00",
        "cooperation_modes": ["development"],
        "status": status,
    }
    assert entry.after == {
        "title": "电池包液冷优化",
        "budget_max": "150.00",
        "cooperation_modes": ["development", "service"],
        "status": status,
    }


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.SUBMITTED,
        ListingStatus.PUBLISHED,
        ListingStatus.EXPIRED,
        ListingStatus.CLOSED,
        ListingStatus.WITHDRAWN,
    ],
)
def test_update_refused_outside_draft_and_returned(
    world: World, draft_need: Need, status: str
) -> None:
    need = force_status(draft_need, status)
    before, audits = _row(need), audit_count()

    with pytest.raises(InvalidTransition):
        need_update(actor=world.owner_admin, need=need, title="新的标题")

    assert _row(need) == before
    assert audit_count() == audits


def test_update_with_a_stale_object_sees_the_current_status(world: World, draft_need: Need) -> None:
    stale = Need.objects.get(pk=draft_need.pk)
    force_status(draft_need, ListingStatus.SUBMITTED)
    before = _row(draft_need)

    with pytest.raises(InvalidTransition):
        need_update(actor=world.owner_admin, need=stale, title="提交后偷偷修改")

    assert _row(draft_need) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"budget_min": "500"}, "budget_max"),
        ({"cooperation_modes": []}, "cooperation_modes"),
        ({"region_id": "999999"}, "region"),
        ({"status": "published"}, "status"),
        ({"deadline": "yesterday"}, "deadline"),
    ],
)
def test_bad_update_changes_nothing(
    world: World, draft_need: Need, changes: dict[str, Any], field: str
) -> None:
    before, audits = _row(draft_need), audit_count()

    with pytest.raises(ValidationFailed) as exc:
        need_update(actor=world.owner_admin, need=draft_need, **changes)

    assert list(exc.value.fields) == [field]
    assert _row(draft_need) == before
    assert audit_count() == audits


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff"])
def test_update_needs_a_manager(world: World, draft_need: Need, actor_name: str) -> None:
    before, audits = _row(draft_need), audit_count()

    with pytest.raises(PermissionDenied):
        need_update(actor=getattr(world, actor_name), need=draft_need, title="别人的修改")

    assert _row(draft_need) == before
    assert audit_count() == audits


def test_update_without_m2m_keeps_them(world: World, draft_need: Need) -> None:
    need_update(actor=world.owner_admin, need=draft_need, contact_name="钱工")

    fresh = Need.objects.get(pk=draft_need.pk)
    assert fresh.contact_name == "钱工"
    assert list(fresh.disciplines.values_list("pk", flat=True)) == ["470"]
    assert list(fresh.cooperation_modes.values_list("pk", flat=True)) == ["development"]


def test_achievement_update(world: World, draft_achievement: Achievement) -> None:
    achievement_update(actor=world.hangzhou_staff, achievement=draft_achievement, trl="8")
    assert Achievement.objects.get(pk=draft_achievement.pk).trl == 8

    force_status(draft_achievement, ListingStatus.SUBMITTED)
    with pytest.raises(InvalidTransition):
        achievement_update(actor=world.owner_admin, achievement=draft_achievement, trl=9)
    assert Achievement.objects.get(pk=draft_achievement.pk).trl == 8
