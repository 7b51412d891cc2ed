"""Expert profiles: creation (own / kept by an organisation), updates, status, works."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.catalog.choices import ExpertStatus, ProfessionalTitle, WorkKind
from kechuang.catalog.models import ExpertProfile, ExpertWork
from kechuang.catalog.services import (
    expert_create,
    expert_set_status,
    expert_update,
    expert_work_add,
    expert_work_remove,
)
from kechuang.common.errors import (
    InvalidTransition,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
)
from tests.catalog.conftest import audit_count
from tests.conftest import World


def expert_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "陈建国",
        "title_level": ProfessionalTitle.SENIOR,
        "title_name": "教授",
        "affiliation": "浙江大学能源工程学院",
        "region_id": "330106",
        "keywords": "电池热管理，液冷，  传热强化",
        "biography": "长期从事动力电池热管理研究。",
        "disciplines": ["470", "460"],
        "industries": ["C38"],
        "is_frontline_engineer": False,
    }
    data.update(overrides)
    return data


def state() -> tuple[int, int, int]:
    return ExpertProfile.objects.count(), ExpertWork.objects.count(), audit_count()


def test_create_own_profile(world: World) -> None:
    expert = expert_create(actor=world.owner_member, organization=world.enterprise, **expert_data())

    expert = ExpertProfile.objects.get(pk=expert.pk)
    assert (expert.user, expert.organization, expert.created_by, expert.status) == (
        world.owner_member,
        world.enterprise,
        world.owner_member,
        ExpertStatus.DRAFT,
    )
    assert (expert.name, expert.title_level, expert.affiliation, expert.keywords) == (
        "陈建国",
        "senior",
        "浙江大学能源工程学院",
        "电池热管理，液冷，传热强化",
    )
    assert sorted(expert.disciplines.values_list("pk", flat=True)) == ["460", "470"]
    assert list(expert.industries.values_list("pk", flat=True)) == ["C38"]
    entry = AuditEntry.objects.get(object_type="expertprofile", object_id=str(expert.pk))
    assert (entry.action, entry.actor, entry.organization) == (
        AuditAction.CREATE,
        world.owner_member,
        world.enterprise,
    )


def test_own_profile_drops_an_organisation_one_does_not_belong_to(world: World) -> None:
    expert = expert_create(
        actor=world.owner_member, organization=world.other_enterprise, **expert_data()
    )
    assert ExpertProfile.objects.get(pk=expert.pk).organization is None


def test_one_profile_per_user(world: World) -> None:
    expert_create(actor=world.owner_member, **expert_data())
    before = state()

    with pytest.raises(ValidationFailed) as exc:
        expert_create(actor=world.owner_member, **expert_data(name="陈建国二"))

    assert exc.value.code == "conflict"
    assert exc.value.fields == {"__all__": ["您已有专家档案。"]}
    assert state() == before


@pytest.mark.parametrize("actor_name", ["owner_admin", "hangzhou_staff", "platform_admin"])
def test_create_for_an_organisation_one_manages(world: World, actor_name: str) -> None:
    actor = getattr(world, actor_name)

    expert = expert_create(
        actor=actor, organization=world.enterprise, for_self=False, **expert_data()
    )

    expert = ExpertProfile.objects.get(pk=expert.pk)
    assert (expert.user, expert.organization, expert.created_by) == (
        None,
        world.enterprise,
        actor,
    )


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff"])
def test_create_for_others_is_refused(world: World, actor_name: str) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        expert_create(
            actor=getattr(world, actor_name),
            organization=world.enterprise,
            for_self=False,
            **expert_data(),
        )
    with pytest.raises(PermissionDenied):
        expert_create(
            actor=getattr(world, actor_name), organization=None, for_self=False, **expert_data()
        )
    assert state() == before


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"name": ""}, "name"),
        ({"affiliation": ""}, "affiliation"),
        ({"keywords": ""}, "keywords"),
        ({"region_id": "999999"}, "region"),
        ({"disciplines": []}, "disciplines"),
        ({"disciplines": ["999"]}, "disciplines"),
        ({"industries": ["Q99"]}, "industries"),
        ({"title_level": "emperor"}, "title_level"),
        ({"biography": "传" * 3001}, "biography"),
        ({"keywords": ",".join(f"k{i}" for i in range(11))}, "keywords"),
        ({"status": "published"}, "status"),
        ({"user_id": 1}, "user_id"),
    ],
)
def test_create_rejects(world: World, override: dict[str, Any], field: str) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        expert_create(actor=world.owner_member, **expert_data(**override))
    assert list(exc.value.fields) == [field], exc.value.fields
    assert state() == before


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()])
def test_anonymous_has_no_own_profile(world: World, anonymous: Any) -> None:
    before = state()
    with pytest.raises(NotAuthenticated):
        expert_create(actor=anonymous, **expert_data())
    with pytest.raises(PermissionDenied):
        expert_create(
            actor=anonymous, organization=world.enterprise, for_self=False, **expert_data()
        )
    assert state() == before


def test_create_requires_disciplines(world: World) -> None:
    data = expert_data()
    del data["disciplines"]
    with pytest.raises(ValidationFailed) as exc:
        expert_create(actor=world.owner_member, **data)
    assert exc.value.fields == {"disciplines": ["请至少选择一个学科。"]}


@pytest.fixture
def own(world: World) -> ExpertProfile:
    return expert_create(actor=world.owner_member, **expert_data())


@pytest.fixture
def kept(world: World) -> ExpertProfile:
    return expert_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        for_self=False,
        **expert_data(name="单位专家"),
    )


def test_update_own(world: World, own: ExpertProfile) -> None:
    expert_update(actor=world.owner_member, expert=own, title_name="研究员", disciplines=["470"])

    fresh = ExpertProfile.objects.get(pk=own.pk)
    assert fresh.title_name == "研究员"
    assert list(fresh.disciplines.values_list("pk", flat=True)) == ["470"]
    entry = AuditEntry.objects.filter(object_type="expertprofile", action=AuditAction.UPDATE).get()
    assert entry.before["title_name"] == "教授"
    assert entry.before["disciplines"] == ["460", "470"]
    assert entry.after["title_name"] == "研究员"
    assert entry.after["disciplines"] == ["470"]


@pytest.mark.parametrize(
    ("actor_name", "allowed"),
    [
        ("owner_member", False),
        ("owner_admin", True),
        ("hangzhou_staff", True),
        ("jiangsu_staff", False),
        ("other_admin", False),
        ("platform_admin", True),
    ],
)
def test_update_kept_profile(
    world: World, kept: ExpertProfile, actor_name: str, allowed: bool
) -> None:
    before = state()
    if allowed:
        expert_update(actor=getattr(world, actor_name), expert=kept, title_name="高工")
        assert ExpertProfile.objects.get(pk=kept.pk).title_name == "高工"
    else:
        with pytest.raises(PermissionDenied):
            expert_update(actor=getattr(world, actor_name), expert=kept, title_name="高工")
        assert ExpertProfile.objects.get(pk=kept.pk).title_name == "教授"
        assert state() == before


def test_others_cannot_update_ones_own_profile(world: World) -> None:
    expert = expert_create(actor=world.jiangsu_staff, **expert_data())
    with pytest.raises(PermissionDenied):
        expert_update(actor=world.other_admin, expert=expert, name="冒名")
    with pytest.raises(PermissionDenied):
        expert_update(actor=world.owner_admin, expert=expert, name="冒名")
    assert ExpertProfile.objects.get(pk=expert.pk).name == "陈建国"


def test_bad_update_changes_nothing(world: World, own: ExpertProfile) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        expert_update(actor=world.owner_member, expert=own, name="", disciplines=[])
    assert set(exc.value.fields) == {"name", "disciplines"}
    fresh = ExpertProfile.objects.get(pk=own.pk)
    assert fresh.name == "陈建国"
    assert sorted(fresh.disciplines.values_list("pk", flat=True)) == ["460", "470"]
    assert state() == before


@pytest.mark.parametrize("status", [ExpertStatus.PUBLISHED, ExpertStatus.HIDDEN])
def test_set_status(world: World, own: ExpertProfile, status: str) -> None:
    expert_set_status(actor=world.owner_member, expert=own, status=status)

    assert ExpertProfile.objects.get(pk=own.pk).status == status
    entry = AuditEntry.objects.filter(object_type="expertprofile", action=AuditAction.STATUS).get()
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": status})


@pytest.mark.parametrize("status", [ExpertStatus.DRAFT, "deleted", ""])
def test_set_status_refuses_unknown_or_draft(world: World, own: ExpertProfile, status: str) -> None:
    before = state()
    with pytest.raises(InvalidTransition):
        expert_set_status(actor=world.owner_member, expert=own, status=status)
    assert ExpertProfile.objects.get(pk=own.pk).status == ExpertStatus.DRAFT
    assert state() == before


def test_set_status_needs_an_editor(world: World, own: ExpertProfile) -> None:
    with pytest.raises(PermissionDenied):
        expert_set_status(actor=world.jiangsu_staff, expert=own, status=ExpertStatus.PUBLISHED)
    assert ExpertProfile.objects.get(pk=own.pk).status == ExpertStatus.DRAFT


def test_works_add_and_remove(world: World, own: ExpertProfile) -> None:
    work = expert_work_add(
        actor=world.owner_member,
        expert=own,
        kind=WorkKind.PATENT,
        title=" 一种电池包液冷板 ",
        year="2023",
        venue="ZL202310000000.0",
    )

    work = ExpertWork.objects.get(pk=work.pk)
    assert (work.expert, work.kind, work.title, work.year, work.venue) == (
        own,
        "patent",
        "一种电池包液冷板",
        2023,
        "ZL202310000000.0",
    )
    entry = AuditEntry.objects.filter(object_type="expertprofile").first()
    assert entry is not None
    assert entry.after["work_added"]["title"] == "一种电池包液冷板"

    expert_work_remove(actor=world.owner_member, work=work)

    assert ExpertWork.objects.count() == 0
    entry = AuditEntry.objects.filter(object_type="expertprofile").first()
    assert entry is not None
    assert entry.before["work_removed"]["title"] == "一种电池包液冷板"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "poem", "title": "x"}, "kind"),
        ({"kind": "paper", "title": ""}, "title"),
        ({"kind": "paper", "title": "x", "year": 1900}, "year"),
        ({"kind": "paper", "title": "x", "year": 2101}, "year"),
        ({"kind": "paper", "title": "x", "year": "去年"}, "year"),
        ({"kind": "paper", "title": "x", "expert_id": 1}, "expert_id"),
    ],
)
def test_work_add_rejects(
    world: World, own: ExpertProfile, data: dict[str, Any], field: str
) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        expert_work_add(actor=world.owner_member, expert=own, **data)
    assert list(exc.value.fields) == [field], exc.value.fields
    assert state() == before


def test_works_need_an_editor(world: World, own: ExpertProfile) -> None:
    work = expert_work_add(actor=world.owner_member, expert=own, kind="paper", title="论文一")
    before = state()
    with pytest.raises(PermissionDenied):
        expert_work_add(actor=world.jiangsu_staff, expert=own, kind="paper", title="论文二")
    with pytest.raises(PermissionDenied):
        expert_work_remove(actor=world.jiangsu_staff, work=work)
    assert state() == before
