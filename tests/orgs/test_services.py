"""Organisation tree writes and memberships (orgs.services)."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.common.errors import NotFound, PermissionDenied, ValidationFailed
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.models import Membership, Organization
from kechuang.orgs.services import (
    membership_add,
    membership_remove,
    membership_set_role,
    organization_create,
    organization_move,
    organization_set_active,
    organization_update,
)
from tests.conftest import World
from tests.factories import UserFactory

NATIONAL, PROVINCE, CITY, DISTRICT = (
    AssociationLevel.NATIONAL,
    AssociationLevel.PROVINCE,
    AssociationLevel.CITY,
    AssociationLevel.DISTRICT,
)


def create(
    parent: Organization | None,
    kind: str,
    level: str = "",
    name: str = "新组织",
    actor: Any = None,
    region_id: str = "330106",
) -> Organization:
    return organization_create(
        actor=actor,
        check_permission=actor is not None,
        name=name,
        kind=kind,
        level=level,
        parent=parent,
        region_id=region_id,
    )


def state() -> tuple[int, int, int]:
    return Organization.objects.count(), Membership.objects.count(), AuditEntry.objects.count()


# ------------------------------------------------------------------ placement


@pytest.mark.django_db
def test_national_has_no_parent() -> None:
    national = create(None, OrgKind.ASSOCIATION, NATIONAL, "中国科协", region_id="110000")

    assert (national.path, national.depth, national.parent_id) == (f"/{national.pk}/", 0, None)
    assert national.ancestor_ids() == [national.pk]


def test_national_under_anything_is_refused(world: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        create(world.national, OrgKind.ASSOCIATION, NATIONAL)

    assert exc.value.fields == {"parent": ["全国科协不能有上级组织。"]}
    assert state() == before


def test_tree_paths_and_depths(world: World) -> None:
    district = create(world.hangzhou, OrgKind.ASSOCIATION, DISTRICT, "西湖区科协")

    n, z, h = world.national.pk, world.zhejiang.pk, world.hangzhou.pk
    assert (world.national.path, world.national.depth) == (f"/{n}/", 0)
    assert (world.zhejiang.path, world.zhejiang.depth) == (f"/{n}/{z}/", 1)
    assert (world.hangzhou.path, world.hangzhou.depth) == (f"/{n}/{z}/{h}/", 2)
    assert (world.enterprise.path, world.enterprise.depth) == (
        f"/{n}/{z}/{h}/{world.enterprise.pk}/",
        3,
    )
    assert (district.path, district.depth) == (f"/{n}/{z}/{h}/{district.pk}/", 3)
    assert district.ancestor_ids() == [n, z, h, district.pk]
    stored = Organization.objects.get(pk=district.pk)
    assert (stored.path, stored.depth, stored.level) == (district.path, 3, DISTRICT)


@pytest.mark.parametrize(
    ("parent_name", "kind", "level"),
    [
        ("national", OrgKind.ASSOCIATION, PROVINCE),
        ("zhejiang", OrgKind.ASSOCIATION, CITY),
        ("hangzhou", OrgKind.ASSOCIATION, DISTRICT),
        ("national", OrgKind.SOCIETY, ""),
        ("national", OrgKind.ENTERPRISE, ""),
        ("zhejiang", OrgKind.ENTERPRISE, ""),
        ("hangzhou", OrgKind.ENTERPRISE, ""),
        ("hangzhou", OrgKind.UNIVERSITY, ""),
        ("hangzhou", OrgKind.INSTITUTE, ""),
        ("hangzhou", OrgKind.PARK_ASSOCIATION, ""),
        ("zhejiang", OrgKind.UNIVERSITY_ASSOCIATION, ""),
    ],
)
def test_allowed_placements(world: World, parent_name: str, kind: str, level: str) -> None:
    parent = getattr(world, parent_name)

    org = create(parent, kind, level)

    assert (org.parent_id, org.depth, org.kind, org.level) == (
        parent.pk,
        parent.depth + 1,
        kind,
        level,
    )
    assert org.path == f"{parent.path}{org.pk}/"


def test_enterprise_under_every_kind_of_association(world: World) -> None:
    society = create(world.national, OrgKind.SOCIETY, name="中国仪器仪表学会")
    district = create(world.hangzhou, OrgKind.ASSOCIATION, DISTRICT, "西湖区科协")
    park = create(world.hangzhou, OrgKind.PARK_ASSOCIATION, name="未来科技城科协")
    company_assoc = create(world.hangzhou, OrgKind.ENTERPRISE_ASSOCIATION, name="某集团科协")
    university_assoc = create(world.hangzhou, OrgKind.UNIVERSITY_ASSOCIATION, name="某大学科协")

    for parent in (society, district, park, company_assoc, university_assoc):
        org = create(parent, OrgKind.ENTERPRISE, name=f"{parent.name}下属企业")
        assert (org.parent_id, org.depth) == (parent.pk, parent.depth + 1)


@pytest.mark.parametrize(
    ("parent_name", "kind", "level", "fields"),
    [
        ("zhejiang", OrgKind.ASSOCIATION, PROVINCE, {"parent": ["上级必须是全国科协。"]}),
        ("hangzhou", OrgKind.ASSOCIATION, PROVINCE, {"parent": ["上级必须是全国科协。"]}),
        ("national", OrgKind.ASSOCIATION, CITY, {"parent": ["上级必须是省级科协。"]}),
        ("hangzhou", OrgKind.ASSOCIATION, CITY, {"parent": ["上级必须是省级科协。"]}),
        ("zhejiang", OrgKind.ASSOCIATION, DISTRICT, {"parent": ["上级必须是市级科协。"]}),
        ("enterprise", OrgKind.ASSOCIATION, DISTRICT, {"parent": ["上级必须是市级科协。"]}),
        (None, OrgKind.ASSOCIATION, PROVINCE, {"parent": ["上级必须是全国科协。"]}),
        ("national", OrgKind.ASSOCIATION, "", {"level": ["请选择科协层级。"]}),
        ("national", OrgKind.ASSOCIATION, "galactic", {"level": ["请选择科协层级。"]}),
        ("zhejiang", OrgKind.SOCIETY, "", {"parent": ["全国学会的上级必须是全国科协。"]}),
        (None, OrgKind.SOCIETY, "", {"parent": ["请选择上级科协。"]}),
        ("enterprise", OrgKind.ENTERPRISE, "", {"parent": ["上级必须是科协或学会。"]}),
        ("enterprise", OrgKind.UNIVERSITY, "", {"parent": ["上级必须是科协或学会。"]}),
        (None, OrgKind.ENTERPRISE, "", {"parent": ["请选择上级科协。"]}),
        ("hangzhou", "spaceship", "", {"kind": ["未知的组织类型。"]}),
    ],
)
def test_refused_placements(
    world: World, parent_name: str | None, kind: str, level: str, fields: dict[str, list[str]]
) -> None:
    parent = getattr(world, parent_name) if parent_name else None
    before = state()

    with pytest.raises(ValidationFailed) as exc:
        create(parent, kind, level)

    assert exc.value.fields == fields
    assert state() == before


def test_level_is_dropped_for_non_associations(world: World) -> None:
    org = create(world.hangzhou, OrgKind.ENTERPRISE, CITY)
    assert Organization.objects.get(pk=org.pk).level == ""


def test_duplicate_name_under_one_parent(world: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        create(world.hangzhou, OrgKind.ENTERPRISE, name=world.enterprise.name)

    assert exc.value.fields == {"__all__": ["同一上级下已有同名组织。"]}
    assert state() == before
    # the same name under another parent is fine
    assert create(world.jiangsu, OrgKind.ENTERPRISE, name=world.enterprise.name).pk


def test_bad_field_values_change_nothing(world: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        organization_create(
            actor=world.hangzhou_staff,
            name="",
            kind=OrgKind.ENTERPRISE,
            parent=world.hangzhou,
            region_id="999999",
            website="not a url",
        )

    assert set(exc.value.fields) >= {"name", "website"}
    assert state() == before


def test_create_writes_an_audit_entry(world: World) -> None:
    org = create(world.hangzhou, OrgKind.ENTERPRISE, name="新企业", actor=world.hangzhou_staff)

    entry = AuditEntry.objects.get(object_type="organization", object_id=str(org.pk))
    assert (entry.action, entry.actor, entry.organization, entry.before) == (
        AuditAction.CREATE,
        world.hangzhou_staff,
        org,
        None,
    )
    assert entry.after["name"] == "新企业"
    assert entry.after["parent_id"] == world.hangzhou.pk


# ------------------------------------------------------------------ who may create


@pytest.mark.parametrize(
    ("actor_name", "parent_name", "allowed"),
    [
        ("hangzhou_staff", "hangzhou", True),
        ("zhejiang_staff", "hangzhou", True),
        ("zhejiang_staff", "zhejiang", True),
        ("platform_admin", "jiangsu", True),
        ("hangzhou_staff", "zhejiang", False),
        ("hangzhou_staff", "jiangsu", False),
        ("jiangsu_staff", "hangzhou", False),
        ("owner_admin", "hangzhou", False),
        ("owner_member", "hangzhou", False),
        ("other_admin", "jiangsu", False),
    ],
)
def test_only_managers_of_the_parent_create_children(
    world: World, actor_name: str, parent_name: str, allowed: bool
) -> None:
    actor, parent = getattr(world, actor_name), getattr(world, parent_name)
    before = state()

    if allowed:
        org = create(parent, OrgKind.ENTERPRISE, actor=actor)
        assert org.parent_id == parent.pk
        assert state() == (before[0] + 1, before[1], before[2] + 1)
    else:
        with pytest.raises(PermissionDenied):
            create(parent, OrgKind.ENTERPRISE, actor=actor)
        assert state() == before


def test_only_platform_admin_creates_a_root(world: World) -> None:
    with pytest.raises(PermissionDenied):
        create(None, OrgKind.ASSOCIATION, NATIONAL, "另一个全国科协", actor=world.zhejiang_staff)
    root = create(None, OrgKind.ASSOCIATION, NATIONAL, "另一个全国科协", actor=world.platform_admin)
    assert root.depth == 0


# ------------------------------------------------------------------ move


@pytest.fixture
def park(world: World) -> tuple[Organization, Organization]:
    park = create(world.hangzhou, OrgKind.PARK_ASSOCIATION, name="未来科技城科协")
    tenant = create(park, OrgKind.ENTERPRISE, name="园区企业")
    return park, tenant


def test_move_rewrites_the_subtree(world: World, park: tuple[Organization, ...]) -> None:
    park_org, tenant = park
    untouched = {
        o.pk: (o.path, o.depth)
        for o in Organization.objects.exclude(pk__in=[park_org.pk, tenant.pk])
    }

    moved = organization_move(actor=world.platform_admin, org=park_org, new_parent=world.jiangsu)

    assert (moved.parent_id, moved.path, moved.depth) == (
        world.jiangsu.pk,
        f"{world.jiangsu.path}{park_org.pk}/",
        2,
    )
    tenant.refresh_from_db()
    assert (tenant.parent_id, tenant.path, tenant.depth) == (
        park_org.pk,
        f"{world.jiangsu.path}{park_org.pk}/{tenant.pk}/",
        3,
    )
    assert {
        o.pk: (o.path, o.depth)
        for o in Organization.objects.exclude(pk__in=[park_org.pk, tenant.pk])
    } == untouched


def test_move_up_two_levels_shifts_depths(world: World, park: tuple[Organization, ...]) -> None:
    park_org, tenant = park

    organization_move(actor=world.platform_admin, org=park_org, new_parent=world.national)

    tenant.refresh_from_db()
    assert (tenant.path, tenant.depth) == (f"/{world.national.pk}/{park_org.pk}/{tenant.pk}/", 2)


def test_move_writes_an_audit_entry(world: World) -> None:
    old_path = world.enterprise.path

    organization_move(actor=world.zhejiang_staff, org=world.enterprise, new_parent=world.zhejiang)

    entry = AuditEntry.objects.filter(object_type="organization").first()
    assert entry is not None
    assert (entry.object_id, entry.note, entry.action, entry.actor) == (
        str(world.enterprise.pk),
        "move",
        AuditAction.UPDATE,
        world.zhejiang_staff,
    )
    assert entry.before == {"parent_id": world.hangzhou.pk, "path": old_path, "depth": 3}
    assert entry.after == {
        "parent_id": world.zhejiang.pk,
        "path": f"{world.zhejiang.path}{world.enterprise.pk}/",
        "depth": 2,
    }


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_move_under_own_subtree_is_refused(
    world: World, park: tuple[Organization, ...], target: str
) -> None:
    park_org, tenant = park
    new_parent = {"self": world.hangzhou, "child": park_org, "grandchild": tenant}[target]
    paths = dict(Organization.objects.values_list("pk", "path"))
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        organization_move(actor=world.platform_admin, org=world.hangzhou, new_parent=new_parent)

    assert exc.value.fields == {"parent": ["不能移动到自身或下级组织之下。"]}
    assert dict(Organization.objects.values_list("pk", "path")) == paths
    assert AuditEntry.objects.count() == audits


def test_move_checks_placement(world: World) -> None:
    paths = dict(Organization.objects.values_list("pk", "path"))

    with pytest.raises(ValidationFailed) as exc:
        organization_move(actor=world.platform_admin, org=world.hangzhou, new_parent=world.national)

    assert exc.value.fields == {"parent": ["上级必须是省级科协。"]}
    assert dict(Organization.objects.values_list("pk", "path")) == paths


@pytest.mark.parametrize("actor_name", ["hangzhou_staff", "jiangsu_staff", "owner_admin"])
def test_move_needs_both_sides_managed(world: World, actor_name: str) -> None:
    paths = dict(Organization.objects.values_list("pk", "path"))

    with pytest.raises(PermissionDenied):
        organization_move(
            actor=getattr(world, actor_name), org=world.enterprise, new_parent=world.jiangsu
        )

    assert dict(Organization.objects.values_list("pk", "path")) == paths


# ------------------------------------------------------------------ update and activation


def test_update_by_manager(world: World) -> None:
    organization_update(
        actor=world.owner_admin,
        org=world.enterprise,
        short_name=" 杭测 ",
        website="https://example.com",
    )

    world.enterprise.refresh_from_db()
    assert (world.enterprise.short_name, world.enterprise.website) == (
        "杭测",
        "https://example.com",
    )
    entry = AuditEntry.objects.filter(object_type="organization").first()
    assert entry is not None
    assert entry.before == {"short_name": "", "website": ""}
    assert entry.after == {"short_name": "杭测", "website": "https://example.com"}


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff"])
def test_update_by_non_manager(world: World, actor_name: str) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        organization_update(actor=getattr(world, actor_name), org=world.enterprise, short_name="x")
    assert Organization.objects.get(pk=world.enterprise.pk).short_name == ""
    assert state() == before


def test_update_refuses_tree_fields(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        organization_update(
            actor=world.platform_admin, org=world.enterprise, parent_id=world.jiangsu.pk, path="/"
        )
    assert exc.value.fields == {"parent_id": ["该字段不可修改。"], "path": ["该字段不可修改。"]}
    assert Organization.objects.get(pk=world.enterprise.pk).parent_id == world.hangzhou.pk


def test_set_active_is_for_associations_above(world: World) -> None:
    with pytest.raises(PermissionDenied):
        organization_set_active(actor=world.owner_admin, org=world.enterprise, active=False)
    assert Organization.objects.get(pk=world.enterprise.pk).is_active

    organization_set_active(actor=world.hangzhou_staff, org=world.enterprise, active=False)

    assert not Organization.objects.get(pk=world.enterprise.pk).is_active
    entry = AuditEntry.objects.filter(object_type="organization").first()
    assert entry is not None
    assert (entry.action, entry.before, entry.after) == (
        AuditAction.STATUS,
        {"is_active": True},
        {"is_active": False},
    )


# ------------------------------------------------------------------ memberships


def test_membership_add(world: World) -> None:
    newcomer = UserFactory(display_name="新员工")

    m = membership_add(
        actor=world.owner_admin, organization=world.enterprise, user=newcomer, role=Role.STAFF
    )

    assert (m.user, m.organization, m.role) == (newcomer, world.enterprise, Role.STAFF)
    entry = AuditEntry.objects.get(object_type="membership", object_id=str(m.pk))
    assert (entry.action, entry.actor, entry.organization, entry.before) == (
        AuditAction.CREATE,
        world.owner_admin,
        world.enterprise,
        None,
    )
    assert entry.after["role"] == "staff"


def test_membership_add_refreshes_the_viewer(world: World) -> None:
    newcomer = UserFactory()
    assert not viewer_manages(newcomer, world.enterprise)

    membership_add(
        actor=world.owner_admin, organization=world.enterprise, user=newcomer, role=Role.ADMIN
    )

    assert viewer_manages(newcomer, world.enterprise)


def viewer_manages(user: Any, org: Organization) -> bool:
    from kechuang.orgs.access import viewer_for

    return viewer_for(user).manages(org)


@pytest.mark.parametrize("actor_name", ["owner_member", "other_admin", "jiangsu_staff"])
def test_membership_add_needs_a_manager(world: World, actor_name: str) -> None:
    newcomer = UserFactory()
    before = state()

    with pytest.raises(PermissionDenied):
        membership_add(
            actor=getattr(world, actor_name), organization=world.enterprise, user=newcomer
        )

    assert state() == before


def test_membership_add_twice_or_bad_role(world: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        membership_add(
            actor=world.owner_admin, organization=world.enterprise, user=world.owner_member
        )
    assert exc.value.fields == {"user": ["该用户已是本组织成员。"]}
    with pytest.raises(ValidationFailed) as exc:
        membership_add(
            actor=world.owner_admin, organization=world.enterprise, user=UserFactory(), role="owner"
        )
    assert exc.value.fields == {"role": ["未知的角色。"]}
    assert state()[1:] == before[1:]


def _membership(world: World, user: Any) -> Membership:
    return Membership.objects.get(organization=world.enterprise, user=user)


@pytest.mark.parametrize("actor_name", ["owner_admin", "hangzhou_staff", "platform_admin"])
def test_set_role(world: World, actor_name: str) -> None:
    m = _membership(world, world.owner_member)

    membership_set_role(actor=getattr(world, actor_name), membership_id=m.pk, role=Role.STAFF)

    assert Membership.objects.get(pk=m.pk).role == Role.STAFF
    entry = AuditEntry.objects.filter(object_type="membership", object_id=str(m.pk)).first()
    assert entry is not None
    assert (entry.action, entry.before, entry.after) == (
        AuditAction.UPDATE,
        {"role": "member"},
        {"role": "staff"},
    )


@pytest.mark.parametrize(
    ("actor_name", "error"),
    [("owner_member", PermissionDenied), ("jiangsu_staff", NotFound), ("other_admin", NotFound)],
)
def test_set_role_by_others(world: World, actor_name: str, error: type[Exception]) -> None:
    m = _membership(world, world.owner_member)
    before = state()

    with pytest.raises(error):
        membership_set_role(actor=getattr(world, actor_name), membership_id=m.pk, role=Role.ADMIN)

    assert Membership.objects.get(pk=m.pk).role == Role.MEMBER
    assert state() == before


def test_set_role_unknown(world: World) -> None:
    with pytest.raises(NotFound):
        membership_set_role(actor=world.platform_admin, membership_id=999_999, role=Role.STAFF)
    with pytest.raises(ValidationFailed):
        membership_set_role(
            actor=world.owner_admin,
            membership_id=_membership(world, world.owner_member).pk,
            role="boss",
        )


def test_last_admin_cannot_be_demoted_or_removed(world: World) -> None:
    m = _membership(world, world.owner_admin)
    before = state()

    with pytest.raises(ValidationFailed) as exc:
        membership_set_role(actor=world.owner_admin, membership_id=m.pk, role=Role.STAFF)
    assert exc.value.fields == {"role": ["组织至少需要保留一名管理员。"]}
    with pytest.raises(ValidationFailed) as exc:
        membership_remove(actor=world.hangzhou_staff, membership_id=m.pk)
    assert exc.value.fields == {"role": ["组织至少需要保留一名管理员。"]}

    assert Membership.objects.get(pk=m.pk).role == Role.ADMIN
    assert state() == before


def test_admin_can_step_down_once_another_admin_exists(world: World) -> None:
    second = _membership(world, world.owner_member)
    membership_set_role(actor=world.owner_admin, membership_id=second.pk, role=Role.ADMIN)
    m = _membership(world, world.owner_admin)

    membership_set_role(actor=world.owner_admin, membership_id=m.pk, role=Role.MEMBER)

    assert Membership.objects.get(pk=m.pk).role == Role.MEMBER
    # setting admin to admin is always fine
    membership_set_role(actor=world.owner_member, membership_id=second.pk, role=Role.ADMIN)


def test_membership_remove(world: World) -> None:
    m = _membership(world, world.owner_member)
    snapshot_role = m.role

    membership_remove(actor=world.owner_admin, membership_id=m.pk)

    assert not Membership.objects.filter(pk=m.pk).exists()
    entry = AuditEntry.objects.get(
        object_type="membership", object_id=str(m.pk), action=AuditAction.DELETE
    )
    assert entry.after is None
    assert entry.before is not None
    assert (entry.before["role"], entry.before["user_id"], entry.organization) == (
        snapshot_role,
        world.owner_member.pk,
        world.enterprise,
    )


@pytest.mark.parametrize(
    ("actor_name", "error"),
    [("owner_member", PermissionDenied), ("jiangsu_staff", NotFound)],
)
def test_membership_remove_by_others(world: World, actor_name: str, error: type[Exception]) -> None:
    m = _membership(world, world.owner_member)
    before = state()

    with pytest.raises(error):
        membership_remove(actor=getattr(world, actor_name), membership_id=m.pk)

    assert state() == before
