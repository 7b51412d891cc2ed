"""The audit log: append-only, minimal diffs, read by the subtree one manages."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.choices import ListingAction
from kechuang.catalog.models import Need
from kechuang.catalog.services import listing_transition, need_create, need_update
from kechuang.orgs.models import Organization
from kechuang.orgs.selectors import audit_entries_for
from kechuang.orgs.services import organization_update
from tests.conftest import World, need_data


@pytest.fixture
def entry(world: World) -> AuditEntry:
    return audit_record(
        actor=world.owner_admin,
        action=AuditAction.UPDATE,
        obj=world.enterprise,
        organization=world.enterprise,
        before={"name": "旧"},
        after={"name": "新"},
        note="改名",
    )


def test_record_fields(world: World, entry: AuditEntry) -> None:
    fresh = AuditEntry.objects.get(pk=entry.pk)
    assert (
        fresh.actor,
        fresh.action,
        fresh.object_type,
        fresh.object_id,
        fresh.object_repr,
        fresh.organization,
        fresh.before,
        fresh.after,
        fresh.note,
    ) == (
        world.owner_admin,
        "update",
        "organization",
        str(world.enterprise.pk),
        "杭州测温科技有限公司",
        world.enterprise,
        {"name": "旧"},
        {"name": "新"},
        "改名",
    )
    assert fresh.at is not None


def test_existing_entry_cannot_be_saved(entry: AuditEntry) -> None:
    entry.note = "篡改"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.save(update_fields=["note"])
    assert AuditEntry.objects.get(pk=entry.pk).note == "改名"


def test_entry_cannot_be_deleted(entry: AuditEntry) -> None:
    count = AuditEntry.objects.count()
    with pytest.raises(TypeError):
        entry.delete()
    assert AuditEntry.objects.count() == count


def test_queryset_update_and_delete_raise(entry: AuditEntry) -> None:
    count = AuditEntry.objects.count()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="篡改")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().update(note="篡改")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count
    assert AuditEntry.objects.get(pk=entry.pk).note == "改名"


def test_bulk_writes_are_blocked_too(entry: AuditEntry) -> None:
    entry.note = "篡改"
    with pytest.raises(TypeError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["note"])
    assert AuditEntry.objects.get(pk=entry.pk).note == "改名"


def test_before_and_after_hold_only_changes_and_status(world: World) -> None:
    entry = audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        obj=world.enterprise,
        before={"a": 1, "b": 2, "status": "draft", "updated_at": "t1"},
        after={"a": 1, "b": 3, "status": "draft", "updated_at": "t2", "c": None, "d": 5},
    )
    assert (entry.before, entry.after) == (
        {"b": 2, "status": "draft"},
        {"b": 3, "status": "draft", "d": 5},
    )


def test_one_sided_entries_are_kept_whole(world: World) -> None:
    entry = audit_record(
        actor=AnonymousUser(),
        action=AuditAction.CREATE,
        obj=world.enterprise,
        after={"a": 1, "b": 2},
    )
    assert (entry.actor, entry.before, entry.after) == (None, None, {"a": 1, "b": 2})


def test_long_repr_and_note_are_cut(world: World) -> None:
    entry = audit_record(
        actor=None, action=AuditAction.UPDATE, obj=world.enterprise, note="注" * 600
    )
    assert len(entry.note) == 500


def test_snapshot_serialises_values(world: World, draft_need: Need) -> None:
    data = snapshot(draft_need, m2m=("disciplines", "cooperation_modes"))
    assert data["budget_min"] == "50.00"
    assert data["deadline"] == draft_need.deadline.isoformat()
    assert data["organization_id"] == world.enterprise.pk
    assert data["created_at"] == draft_need.created_at.isoformat()
    assert (data["disciplines"], data["cooperation_modes"]) == (["470"], ["development"])
    assert isinstance(draft_need.budget_min, decimal.Decimal)
    assert isinstance(draft_need.deadline, datetime.date)


def test_service_update_records_only_changed_fields(world: World, draft_need: Need) -> None:
    need_update(
        actor=world.owner_admin, need=draft_need, contact_phone="0571-12345678", contact_name="王工"
    )

    entry = AuditEntry.objects.filter(object_type="need", action=AuditAction.UPDATE).get()
    assert entry.before == {"contact_phone": "0571-88886666", "status": "draft"}
    assert entry.after == {"contact_phone": "0571-12345678", "status": "draft"}


def test_transition_records_status_and_side_fields(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action=ListingAction.SUBMIT)

    entry = AuditEntry.objects.filter(object_type="need", action=AuditAction.STATUS).get()
    assert entry.before == {"status": "draft", "submitted_at": None}
    assert set(entry.after) == {"status", "submitted_at"}
    assert entry.after["status"] == "submitted"
    assert entry.note == "submit"


# ------------------------------------------------------------------ who reads what


@pytest.fixture
def logged(world: World) -> dict[str, AuditEntry]:
    """One fresh entry in each of three places of the tree, plus one with no organisation."""
    need = need_create(actor=world.owner_admin, organization=world.enterprise, **need_data())
    other = need_create(
        actor=world.other_admin,
        organization=world.other_enterprise,
        **need_data(region_id="320500"),
    )
    organization_update(actor=world.zhejiang_staff, org=world.zhejiang, short_name="浙江科协")
    loose = audit_record(actor=world.owner_member, action=AuditAction.CREATE, obj=world.national)
    return {
        "enterprise": AuditEntry.objects.get(object_type="need", object_id=str(need.pk)),
        "other_enterprise": AuditEntry.objects.get(object_type="need", object_id=str(other.pk)),
        "zhejiang": AuditEntry.objects.get(
            object_type="organization", object_id=str(world.zhejiang.pk), action=AuditAction.UPDATE
        ),
        "loose": loose,
    }


@pytest.mark.parametrize(
    ("user_name", "expected"),
    [
        (None, set()),
        ("owner_member", set()),
        ("owner_admin", {"enterprise"}),
        ("other_admin", {"other_enterprise"}),
        ("hangzhou_staff", {"enterprise"}),
        ("zhejiang_staff", {"enterprise", "zhejiang"}),
        ("jiangsu_staff", {"other_enterprise"}),
        ("platform_admin", {"enterprise", "other_enterprise", "zhejiang", "loose"}),
    ],
)
def test_audit_entries_for(
    world: World, logged: dict[str, AuditEntry], user_name: str | None, expected: set[str]
) -> None:
    user: Any = getattr(world, user_name) if user_name else AnonymousUser()
    ids = set(audit_entries_for(user).values_list("pk", flat=True))

    assert {name for name, e in logged.items() if e.pk in ids} == expected


def test_audit_entries_for_covers_the_whole_subtree(world: World) -> None:
    ids = set(audit_entries_for(world.zhejiang_staff).values_list("organization_id", flat=True))
    subtree = set(
        Organization.objects.filter(path__startswith=world.zhejiang.path).values_list(
            "pk", flat=True
        )
    )
    assert ids == subtree == {world.zhejiang.pk, world.hangzhou.pk, world.enterprise.pk}


def test_audit_entries_for_filters(world: World, logged: dict[str, AuditEntry]) -> None:
    e = logged["enterprise"]
    got = audit_entries_for(world.platform_admin, object_type="need", object_id=e.object_id)
    assert list(got) == [e]
    assert list(audit_entries_for(world.platform_admin, object_type="achievement")) == []


def test_audit_entries_newest_first(world: World, logged: dict[str, AuditEntry]) -> None:
    rows = list(audit_entries_for(world.platform_admin))
    assert [(r.at, r.pk) for r in rows] == sorted(((r.at, r.pk) for r in rows), reverse=True)
