"""The listing lifecycle: the whole TRANSITIONS table, who may do what, and expiry."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditAction, AuditEntry
from kechuang.catalog.choices import TRANSITIONS, ListingAction, ListingStatus
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.services import (
    PUBLICATION_DAYS,
    listing_transition,
    listings_expire_due,
    need_create,
)
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tests.catalog.conftest import audit_count, days, force_status, publish, today
from tests.conftest import World, need_data

S, A = ListingStatus, ListingAction

ALLOWED = {
    A.SUBMIT: ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
    A.RECALL: ({S.SUBMITTED}, S.DRAFT),
    A.PUBLISH: ({S.SUBMITTED}, S.PUBLISHED),
    A.RETURN: ({S.SUBMITTED}, S.RETURNED),
    A.CLOSE: ({S.PUBLISHED, S.EXPIRED}, S.CLOSED),
    A.WITHDRAW: ({S.DRAFT, S.RETURNED, S.PUBLISHED, S.EXPIRED}, S.WITHDRAWN),
    A.EXPIRE: ({S.PUBLISHED}, S.EXPIRED),
    A.RENEW: ({S.PUBLISHED, S.EXPIRED}, S.PUBLISHED),
    A.REOPEN: ({S.WITHDRAWN}, S.DRAFT),
}
REASON = "请补充关键技术指标"
OLD_PUBLISHED_AT = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def test_the_table_is_what_this_file_checks() -> None:
    assert {a: (set(src), dst) for a, (src, dst, _who) in TRANSITIONS.items()} == ALLOWED
    assert {a: who for a, (_s, _d, who) in TRANSITIONS.items()} == {
        A.SUBMIT: "owner",
        A.RECALL: "owner",
        A.PUBLISH: "reviewer",
        A.RETURN: "reviewer",
        A.CLOSE: "owner",
        A.WITHDRAW: "owner",
        A.EXPIRE: "system",
        A.RENEW: "owner",
        A.REOPEN: "owner",
    }


def actor_for(world: World, action: str) -> Any:
    who = TRANSITIONS[action][2]
    return {"owner": world.owner_admin, "reviewer": world.hangzhou_staff, "system": None}[who]


def in_status(need: Need, status: str) -> Need:
    """A need as a real one in ``status`` would look (side fields included)."""
    fields: dict[str, Any] = {}
    if status in {S.SUBMITTED, S.PUBLISHED, S.EXPIRED, S.CLOSED}:
        fields["submitted_at"] = OLD_PUBLISHED_AT
    if status in {S.PUBLISHED, S.EXPIRED, S.CLOSED}:
        fields["published_at"] = OLD_PUBLISHED_AT
        fields["expires_on"] = days(10) if status == S.PUBLISHED else days(-1)
    if status == S.RETURNED:
        fields["return_reason"] = "旧的退回理由"
    return force_status(need, status, **fields)


def row(need: Need) -> tuple[Any, ...]:
    n = Need.objects.get(pk=need.pk)
    return (n.status, n.submitted_at, n.published_at, n.expires_on, n.return_reason, n.updated_at)


CASES = [(action, status) for action in ALLOWED for status in S.values]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_action_from_every_status(
    world: World, draft_need: Need, action: str, status: str
) -> None:
    need = in_status(draft_need, status)
    sources, target = ALLOWED[action]
    before, audits = row(need), audit_count()
    reason = REASON if action == A.RETURN else ""

    if status not in sources:
        with pytest.raises(InvalidTransition):
            listing_transition(
                actor=actor_for(world, action), item=need, action=action, reason=reason
            )
        assert row(need) == before
        assert audit_count() == audits
        return

    started = timezone.now()
    result = listing_transition(
        actor=actor_for(world, action), item=need, action=action, reason=reason
    )

    fresh = Need.objects.get(pk=need.pk)
    assert result.status == fresh.status == target
    entry = AuditEntry.objects.filter(object_type="need", object_id=str(need.pk)).first()
    assert entry is not None
    assert audit_count() == audits + 1
    assert (entry.action, entry.actor, entry.organization) == (
        AuditAction.STATUS,
        actor_for(world, action),
        world.enterprise,
    )
    assert (entry.before["status"], entry.after["status"]) == (status, target)
    assert entry.note == (f"return: {REASON}" if action == A.RETURN else action)

    if action == A.SUBMIT:
        assert started <= fresh.submitted_at <= timezone.now()
        assert fresh.return_reason == ""
    else:
        assert fresh.submitted_at == before[1]
    if action == A.RETURN:
        assert fresh.return_reason == REASON
    elif action != A.SUBMIT:
        assert fresh.return_reason == before[4]
    if action == A.PUBLISH:
        assert started <= fresh.published_at <= timezone.now()
        assert fresh.expires_on == fresh.deadline  # the deadline (in 90 days) comes first
    else:
        assert fresh.published_at == before[2]
    if action == A.RENEW:
        assert fresh.expires_on == fresh.deadline
    elif action != A.PUBLISH:
        assert fresh.expires_on == before[3]


def test_unknown_action(world: World, draft_need: Need) -> None:
    before = row(draft_need)
    with pytest.raises(InvalidTransition):
        listing_transition(actor=world.platform_admin, item=draft_need, action="delete")
    assert row(draft_need) == before


# ------------------------------------------------------------------ who may do each

OWNER_SIDE = {"owner_admin", "hangzhou_staff", "zhejiang_staff", "platform_admin"}
REVIEWERS = {"hangzhou_staff", "zhejiang_staff", "platform_admin"}
USERS = (
    "owner_admin",
    "owner_member",
    "other_admin",
    "hangzhou_staff",
    "zhejiang_staff",
    "jiangsu_staff",
    "platform_admin",
    None,
)


@pytest.mark.parametrize("user_name", USERS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_who_may_do_each_action(
    world: World, draft_need: Need, action: str, user_name: str | None
) -> None:
    sources, target = ALLOWED[action]
    need = in_status(draft_need, sorted(sources)[0])
    who = TRANSITIONS[action][2]
    allowed = {"owner": OWNER_SIDE, "reviewer": REVIEWERS, "system": {None}}[who]
    actor = getattr(world, user_name) if user_name else None
    before, audits = row(need), audit_count()

    if user_name in allowed:
        listing_transition(actor=actor, item=need, action=action, reason=REASON)
        assert Need.objects.get(pk=need.pk).status == target
    else:
        with pytest.raises(PermissionDenied):
            listing_transition(actor=actor, item=need, action=action, reason=REASON)
        assert row(need) == before
        assert audit_count() == audits


def test_owner_cannot_publish_own_submission(world: World, draft_need: Need) -> None:
    need = listing_transition(actor=world.owner_admin, item=draft_need, action=A.SUBMIT)
    with pytest.raises(PermissionDenied) as exc:
        listing_transition(actor=world.owner_admin, item=need, action=A.PUBLISH)
    assert exc.value.message == "只有上级科协的工作人员可以审核。"
    assert Need.objects.get(pk=need.pk).status == S.SUBMITTED


def test_association_reviews_its_own_listing_only_from_above(world: World) -> None:
    need = need_create(actor=world.hangzhou_staff, organization=world.hangzhou, **need_data())
    listing_transition(actor=world.hangzhou_staff, item=need, action=A.SUBMIT)

    with pytest.raises(PermissionDenied):
        listing_transition(actor=world.hangzhou_staff, item=need, action=A.PUBLISH)
    listing_transition(actor=world.zhejiang_staff, item=need, action=A.PUBLISH)

    assert Need.objects.get(pk=need.pk).status == S.PUBLISHED


# ------------------------------------------------------------------ reasons and dates


@pytest.mark.parametrize("reason", ["", "   "])
def test_return_requires_a_reason(world: World, draft_need: Need, reason: str) -> None:
    need = in_status(draft_need, S.SUBMITTED)
    before, audits = row(need), audit_count()

    with pytest.raises(ValidationFailed) as exc:
        listing_transition(actor=world.hangzhou_staff, item=need, action=A.RETURN, reason=reason)

    assert exc.value.fields == {"reason": ["请填写退回理由。"]}
    assert row(need) == before
    assert audit_count() == audits


def test_reason_at_most_500(world: World, draft_need: Need) -> None:
    need = in_status(draft_need, S.SUBMITTED)
    before = row(need)
    with pytest.raises(ValidationFailed) as exc:
        listing_transition(
            actor=world.hangzhou_staff, item=need, action=A.RETURN, reason="理" * 501
        )
    assert exc.value.fields == {"reason": ["理由不超过 500 字。"]}
    assert row(need) == before

    listing_transition(
        actor=world.hangzhou_staff, item=need, action=A.RETURN, reason=" " + "理" * 500 + " "
    )
    assert Need.objects.get(pk=need.pk).return_reason == "理" * 500


def test_resubmit_clears_the_return_reason(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action=A.SUBMIT)
    listing_transition(actor=world.hangzhou_staff, item=draft_need, action=A.RETURN, reason=REASON)
    assert Need.objects.get(pk=draft_need.pk).return_reason == REASON

    listing_transition(actor=world.owner_admin, item=draft_need, action=A.SUBMIT)

    assert (
        Need.objects.get(pk=draft_need.pk).status,
        Need.objects.get(pk=draft_need.pk).return_reason,
    ) == (S.SUBMITTED, "")


@pytest.mark.parametrize(
    ("deadline_in", "expected_in"),
    # a deadline after the publication period is refused when the need is written
    # (tests/api/test_need_deadline.py)
    [(90, 90), (PUBLICATION_DAYS, PUBLICATION_DAYS), (None, 180), (0, 0)],
)
def test_publish_expiry_is_the_earlier_of_deadline_and_180_days(
    world: World, deadline_in: int | None, expected_in: int
) -> None:
    deadline = days(deadline_in) if deadline_in is not None else ""
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(deadline=deadline)
    )

    need = publish(world, need)

    assert need.expires_on == days(expected_in)
    assert Need.objects.get(pk=need.pk).expires_on == days(expected_in)


def test_achievement_publishes_for_180_days(world: World, draft_achievement: Achievement) -> None:
    item = publish(world, draft_achievement)
    assert Achievement.objects.get(pk=item.pk).expires_on == days(PUBLICATION_DAYS)
    assert PUBLICATION_DAYS == 180


@pytest.mark.parametrize("action", [A.SUBMIT, A.PUBLISH, A.RENEW])
def test_past_deadline_blocks_submit_publish_renew(
    world: World, draft_need: Need, action: str
) -> None:
    source = {A.SUBMIT: S.DRAFT, A.PUBLISH: S.SUBMITTED, A.RENEW: S.EXPIRED}[action]
    need = in_status(draft_need, source)
    Need.objects.filter(pk=need.pk).update(deadline=days(-1))
    before, audits = row(need), audit_count()

    with pytest.raises(ValidationFailed) as exc:
        listing_transition(actor=actor_for(world, action), item=need, action=action)

    assert exc.value.fields == {"deadline": ["截止日期已过，请修改截止日期后再提交。"]}
    assert row(need) == before
    assert audit_count() == audits


def test_renew_extends_from_today_and_keeps_published_at(
    world: World, draft_achievement: Achievement
) -> None:
    item = force_status(
        draft_achievement, S.EXPIRED, published_at=OLD_PUBLISHED_AT, expires_on=days(-30)
    )

    listing_transition(actor=world.owner_admin, item=item, action=A.RENEW)

    fresh = Achievement.objects.get(pk=item.pk)
    assert (fresh.status, fresh.published_at, fresh.expires_on) == (
        S.PUBLISHED,
        OLD_PUBLISHED_AT,
        days(PUBLICATION_DAYS),
    )


def test_transition_uses_the_stored_status_not_the_callers_copy(
    world: World, draft_need: Need
) -> None:
    stale = Need.objects.get(pk=draft_need.pk)
    listing_transition(actor=world.owner_admin, item=draft_need, action=A.SUBMIT)

    with pytest.raises(InvalidTransition):
        listing_transition(actor=world.owner_admin, item=stale, action=A.SUBMIT)


# ------------------------------------------------------------------ expiry task


def test_expire_due_with_a_given_today(world: World, draft_achievement: Achievement) -> None:
    need = publish(
        world,
        need_create(
            actor=world.owner_admin, organization=world.enterprise, **need_data(deadline=days(20))
        ),
    )
    achievement = publish(world, draft_achievement)
    draft = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(title="仍是草稿的需求")
    )
    Need.objects.filter(pk=draft.pk).update(expires_on=days(-100))
    audits = audit_count()

    # the last day of the publication period still counts
    assert listings_expire_due(today=days(20)) == 0
    assert Need.objects.get(pk=need.pk).status == S.PUBLISHED

    assert listings_expire_due(today=days(21)) == 1
    assert Need.objects.get(pk=need.pk).status == S.EXPIRED
    assert Achievement.objects.get(pk=achievement.pk).status == S.PUBLISHED

    assert listings_expire_due(today=days(PUBLICATION_DAYS + 1)) == 1
    assert Achievement.objects.get(pk=achievement.pk).status == S.EXPIRED
    assert Need.objects.get(pk=draft.pk).status == S.DRAFT

    assert listings_expire_due(today=days(1000)) == 0
    entries = AuditEntry.objects.filter(note=A.EXPIRE)
    assert audit_count() == audits + 2
    assert {(e.object_type, e.actor_id, e.after["status"]) for e in entries} == {
        ("need", None, S.EXPIRED),
        ("achievement", None, S.EXPIRED),
    }


def test_expire_due_defaults_to_today(world: World) -> None:
    need = publish(
        world, need_create(actor=world.owner_admin, organization=world.enterprise, **need_data())
    )
    Need.objects.filter(pk=need.pk).update(expires_on=today() - datetime.timedelta(days=1))

    assert listings_expire_due() == 1
    assert Need.objects.get(pk=need.pk).status == S.EXPIRED
