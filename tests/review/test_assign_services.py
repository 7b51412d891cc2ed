"""Assignment through the services: solve, invitations, re-solve, hand changes, and a
property test that every stored assignment obeys every rule."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.audit.models import AuditEntry
from kechuang.catalog.services import expert_update
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.review.choices import EventType, ProcessAction, Purpose
from kechuang.review.models import Conflict, ReviewAssignment, ReviewEvent
from kechuang.review.services import (
    PartyIn,
    assignment_set_manual,
    assignment_solve,
    conflict_add,
    invitation_respond,
    item_add,
    member_invite,
    panel_create,
    process_create,
    process_transition,
)
from tests.conftest import World
from tests.review.conftest import Scene, active, make_expert, user_of


def _pairs(scene: Scene) -> set[tuple[str, int]]:
    return {(a.member.expert.name, scene.items.index(a.item)) for a in active(scene.process)}


def test_solve_staffs_every_item_with_best_affinity_and_reasons(scene: Scene) -> None:
    scene.to_assigning()
    [solved] = assignment_solve(actor=scene.runner, process=scene.process)
    assert solved.exact is True
    assert solved.solver == "min_cost_flow"
    rows = active(scene.process)
    assert len(rows) == 9  # 3 items × 3 reviewers
    by_item: dict[int, list[str]] = {}
    for a in rows:
        by_item.setdefault(scene.items.index(a.item), []).append(a.member.expert.name)
    # 5 reviewers with max_load 3 fill 9 seats; each panel has a front-line reviewer
    frontline = {"林流", "周视", "郑综"}
    assert all(len(names) == 3 and frontline & set(names) for names in by_item.values())
    # the battery item gets the battery experts
    assert {"陈热", "吴电"} <= set(by_item[0])
    chen = next(a for a in rows if a.member.expert.name == "陈热" and a.item == scene.items[0])
    assert chen.reason.startswith("匹配度在 ")  # no raw number (issue 9)
    assert "共同术语：" in chen.reason and "液冷" in chen.reason
    assert "未选：" not in chen.reason  # the reviewer sees why they were chosen, only
    assert chen.not_chosen.startswith("未选：")
    event = ReviewEvent.objects.get(process=scene.process, type=EventType.ASSIGNMENT_SOLVED)
    assert len(event.params["pairs"]) == 9
    assert event.params["exact"] is True


CHINESE_PUNCTUATION = re.compile("[，；、（）。：“”]")


def test_reasons_written_in_english_carry_no_chinese_punctuation(scene: Scene) -> None:
    scene.to_assigning()

    with translation.override("en"):
        assignment_solve(actor=scene.runner, process=scene.process)

    rows = active(scene.process)
    chen = next(a for a in rows if a.member.expert.name == "陈热" and a.item == scene.items[0])
    assert chen.reason == (
        "ranked 1 of 5 eligible experts by match; shared terms: 储能, 电池, 管理, 液冷, 优化."
    )
    assert [CHINESE_PUNCTUATION.findall(a.reason + a.not_chosen) for a in rows] == [[]] * 9
    assert any(re.search(r"[\u4e00-\u9fff]+ \(", a.not_chosen) for a in rows)  # 名 (why)


def test_government_staff_cannot_be_invited(scene: Scene) -> None:
    official = make_expert("官员", government=True, frontline=True)
    with pytest.raises(ValidationFailed) as exc:
        member_invite(actor=scene.runner, panel=scene.panel, expert=official)
    assert exc.value.code == "government_staff"
    assert not scene.panel.members.filter(expert=official).exists()


def test_decline_then_resolve_keeps_accepted_pairs(scene: Scene) -> None:
    extra = make_expert("王补", frontline=True, keywords="储能，电池")
    scene.experts["王补"] = extra
    scene.to_assigning()
    assignment_solve(actor=scene.runner, process=scene.process)
    before = _pairs(scene)
    decliner = next(name for name, _i in sorted(before) if name != "王补")
    for name, m in scene.members.items():
        if name == decliner:
            invitation_respond(actor=scene.user(name), member=m, accept=False, reason="出差")
        elif any(n == name for n, _i in before):
            invitation_respond(actor=scene.user(name), member=m, accept=True)
    kept = {p for p in before if p[0] != decliner}
    assert _pairs(scene) == kept  # the decline ended the decliner's assignments
    assignment_solve(actor=scene.runner, process=scene.process)
    after = _pairs(scene)
    assert kept <= after
    assert all(name != decliner for name, _i in after)
    assert len(after) == 9
    ended = ReviewAssignment.objects.filter(member__expert__name=decliner, status="removed")
    assert {a.end_reason for a in ended} == {"专家谢绝邀请"}


def test_decline_needs_a_reason_and_only_the_expert_answers(scene: Scene) -> None:
    scene.invite_all()
    m = scene.member("陈热")
    with pytest.raises(ValidationFailed):
        invitation_respond(actor=scene.user("陈热"), member=m, accept=False)
    with pytest.raises(PermissionDenied):
        invitation_respond(actor=scene.user("林流"), member=m, accept=True)
    m.refresh_from_db()
    assert m.status == "invited"


def test_manual_assignment_of_conflicted_reviewer_refused(scene: Scene) -> None:
    scene.to_assigning()
    conflict_add(
        actor=scene.runner, item=scene.items[0], expert=scene.experts["周视"], reason="亲属"
    )
    ids = [scene.member(n).pk for n in ("周视", "陈热", "吴电")]
    with pytest.raises(ValidationFailed) as exc:
        assignment_set_manual(actor=scene.runner, item=scene.items[0], member_ids=ids)
    assert exc.value.code == "conflict_of_interest"
    assert exc.value.fields["member_ids"] == ["周视与该评审对象存在利益冲突。"]
    assert not ReviewAssignment.objects.exists()


def test_manual_change_breaking_one_third_rule_refused(scene: Scene) -> None:
    scene.to_assigning()
    ids = [scene.member(n).pk for n in ("陈热", "吴电")]  # neither is front-line
    # one non-front-line reviewer leaves two seats for a front-line one: allowed
    assignment_set_manual(actor=scene.runner, item=scene.items[0], member_ids=ids[:1])
    assert _pairs(scene) == {("陈热", 0)}
    # a full panel without a front-line reviewer
    outsider = make_expert("孙非", keywords="电池")
    scene.members["孙非"] = member_invite(actor=scene.runner, panel=scene.panel, expert=outsider)
    with pytest.raises(ValidationFailed) as exc:
        assignment_set_manual(
            actor=scene.runner, item=scene.items[0], member_ids=[*ids, scene.member("孙非").pk]
        )
    assert exc.value.code == "frontline_rule"
    assert exc.value.fields["member_ids"] == [
        "每个评审对象至少要有 1 位一线科技人员（三分之一规则），现在只有 0 位。"
    ]
    assert _pairs(scene) == {("陈热", 0)}


def test_manual_assignment_of_government_staff_refused(scene: Scene) -> None:
    scene.to_assigning()
    zhou = scene.experts["周视"]
    expert_update(actor=user_of(zhou), expert=zhou, is_government_staff=True)
    with pytest.raises(ValidationFailed) as exc:
        assignment_set_manual(
            actor=scene.runner, item=scene.items[0], member_ids=[scene.member("周视").pk]
        )
    assert exc.value.code == "government_staff"
    assert not ReviewAssignment.objects.exists()
    # the solver leaves them out too
    assignment_solve(actor=scene.runner, process=scene.process)
    assert all(name != "周视" for name, _i in _pairs(scene))


def test_manual_assignment_is_kept_by_resolve_and_audited(scene: Scene) -> None:
    scene.to_assigning()
    ids = [scene.member(n).pk for n in ("郑综", "陈热", "林流")]
    assignment_set_manual(actor=scene.runner, item=scene.items[2], member_ids=ids)
    assignment_solve(actor=scene.runner, process=scene.process)
    assert {n for n, i in _pairs(scene) if i == 2} == {"郑综", "陈热", "林流"}
    assert AuditEntry.objects.filter(object_type="reviewitem").count() == 1


def test_infeasible_panel_explained(scene: Scene) -> None:
    scene.invite_all()
    for name in ("林流", "周视", "郑综"):  # every front-line reviewer conflicted on item 0
        conflict_add(
            actor=scene.runner, item=scene.items[0], expert=scene.experts[name], reason="回避"
        )
    process_transition(
        actor=scene.runner, process=scene.process, action=ProcessAction.START_ASSIGNMENT
    )
    with pytest.raises(ValidationFailed) as exc:
        assignment_solve(actor=scene.runner, process=scene.process)
    assert exc.value.code == "assignment_infeasible"
    assert "“储能电池液冷热管理”：可用专家 2 人（一线 0 人），需要 3 人（一线至少 1 人）" in str(
        exc.value.message
    )
    assert not ReviewAssignment.objects.exists()


def test_solve_only_while_assigning(scene: Scene) -> None:
    with pytest.raises(InvalidTransition):
        assignment_solve(actor=scene.runner, process=scene.process)


def test_round_1_refused_with_unwaived_conflict_on_assignment(scene: Scene) -> None:
    scene.to_assigning()
    assignment_solve(actor=scene.runner, process=scene.process)
    scene.accept_all()
    # a conflict found after the solve ends the assignment: the item is short again
    a = active(scene.process)[0]
    conflict_add(actor=scene.runner, item=a.item, expert=a.member.expert, reason="新发现")
    with pytest.raises(InvalidTransition):
        process_transition(
            actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_1
        )


# ----------------------------------------------------------------- property test


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=4, max_size=7),
    n_items=st.integers(1, 4),
    conflicts=st.sets(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=4),
    size=st.integers(1, 3),
    load=st.integers(1, 3),
)
def test_stored_assignment_obeys_every_rule(
    world: World,
    flags: list[tuple[bool, bool]],
    n_items: int,
    conflicts: set[tuple[int, int]],
    size: int,
    load: int,
) -> None:
    process = process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="性质测试",
        purpose=Purpose.OTHER,
        rules={"panel_size": size, "max_load": load},
    )
    panel = panel_create(actor=world.hangzhou_staff, process=process, name="组")
    experts = [
        make_expert(f"专家{n}", frontline=front, government=gov, keywords=f"主题{n % 3}")
        for n, (front, gov) in enumerate(flags)
    ]
    members = [
        member_invite(actor=world.hangzhou_staff, panel=panel, expert=e)
        for e in experts
        if not e.is_government_staff
    ]
    items = [
        item_add(
            actor=world.hangzhou_staff,
            process=process,
            subject_type="t",
            subject_id=n,
            title=f"主题{n}",
            text=f"主题{n % 3}",
            parties=[PartyIn(name=f"申报{n}")],
            panel=panel,
        )
        for n in range(n_items)
    ]
    for r, a in conflicts:
        if r < len(members) and a < len(items):
            conflict_add(
                actor=world.hangzhou_staff, item=items[a], expert=members[r].expert, reason="测"
            )
    process_transition(
        actor=world.hangzhou_staff, process=process, action=ProcessAction.START_ASSIGNMENT
    )
    try:
        assignment_solve(actor=world.hangzhou_staff, process=process)
    except ValidationFailed as exc:
        assert exc.code == "assignment_infeasible"
        assert not ReviewAssignment.objects.filter(item__process=process).exists()
        return
    rows = list(
        ReviewAssignment.objects.filter(item__process=process, status="active").select_related(
            "member__expert"
        )
    )
    conflicted = set(Conflict.objects.filter(process=process).values_list("item_id", "expert_id"))
    need = process.rules.frontline_min()
    for item in items:
        seats = [a for a in rows if a.item_id == item.pk]
        assert len(seats) == size
        assert sum(a.member.expert.is_frontline_engineer for a in seats) >= need
        assert len({a.member_id for a in seats}) == size
    for a in rows:
        assert (a.item_id, a.member.expert_id) not in conflicted
        assert not a.member.expert.is_government_staff
    for m in members:
        assert sum(a.member_id == m.pk for a in rows) <= load


def test_invite_refusals_change_nothing(scene: Scene) -> None:
    from kechuang.common.errors import Conflict as ConflictError

    scene.invite_all()
    second = panel_create(actor=scene.runner, process=scene.process, name="第二评审组")
    with pytest.raises(ConflictError):  # already on a panel of this process
        member_invite(actor=scene.runner, panel=second, expert=scene.experts["陈热"])
    chair = make_expert("组长甲", frontline=True)
    member_invite(actor=scene.runner, panel=scene.panel, expert=chair, role="chair")
    with pytest.raises(ConflictError):  # one chair per panel
        member_invite(
            actor=scene.runner, panel=scene.panel, expert=make_expert("组长乙"), role="chair"
        )
    assert second.members.count() == 0
    assert scene.panel.members.filter(role="chair").count() == 1


def test_withdraw_ends_assignments_and_needs_a_reason(scene: Scene) -> None:
    from kechuang.review.services import member_withdraw

    scene.to_assigning()
    assignment_solve(actor=scene.runner, process=scene.process)
    m = scene.member("陈热")
    with pytest.raises(ValidationFailed):
        member_withdraw(actor=scene.runner, member=m, reason="")
    member_withdraw(actor=scene.runner, member=m, reason="专家临时出国")
    m.refresh_from_db()
    assert m.status == "withdrawn"
    assert all(name != "陈热" for name, _i in _pairs(scene))


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.lists(st.sampled_from(["accept", "decline", "none"]), min_size=6, max_size=6))
def test_resolve_after_answers_keeps_accepted_pairs(world: World, answers: list[str]) -> None:
    process = process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="重解测试",
        purpose=Purpose.OTHER,
        rules={"panel_size": 2, "max_load": 2},
    )
    panel = panel_create(actor=world.hangzhou_staff, process=process, name="组")
    experts = [make_expert(f"重解{n}", frontline=n % 2 == 0, keywords="主题") for n in range(6)]
    members = [member_invite(actor=world.hangzhou_staff, panel=panel, expert=e) for e in experts]
    for n in range(3):
        item_add(
            actor=world.hangzhou_staff,
            process=process,
            subject_type="t",
            subject_id=n,
            title=f"主题{n}",
            text="主题",
            parties=[PartyIn(name="甲")],
            panel=panel,
        )
    process_transition(actor=world.hangzhou_staff, process=process, action="start_assignment")
    assignment_solve(actor=world.hangzhou_staff, process=process)
    accepted: set[tuple[int, int]] = set()
    for m, answer in zip(members, answers, strict=True):
        pairs = set(
            ReviewAssignment.objects.filter(member=m, status="active").values_list(
                "item_id", "member_id"
            )
        )
        if answer == "accept":
            invitation_respond(actor=user_of(m.expert), member=m, accept=True)
            accepted |= pairs
        elif answer == "decline":
            invitation_respond(actor=user_of(m.expert), member=m, accept=False, reason="没空")
    try:
        assignment_solve(actor=world.hangzhou_staff, process=process)
    except ValidationFailed as exc:
        assert exc.code == "assignment_infeasible"
        return
    rows = ReviewAssignment.objects.filter(item__process=process, status="active").select_related(
        "member__expert"
    )
    now = {(a.item_id, a.member_id) for a in rows}
    assert accepted <= now
    declined = {m.pk for m, answer in zip(members, answers, strict=True) if answer == "decline"}
    assert not any(member_id in declined for _item, member_id in now)
    assert len({i for i, _m in now}) == 3
    for item_id in {i for i, _m in now}:
        seats = [a for a in rows if a.item_id == item_id]
        assert len(seats) == 2
        assert any(a.member.expert.is_frontline_engineer for a in seats)
