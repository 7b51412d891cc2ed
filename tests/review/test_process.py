"""Creating processes and items, and the lifecycle's first moves."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.review.choices import EventType, ProcessAction, ProcessStatus, Purpose
from kechuang.review.models import ReviewEvent, ReviewItem, ReviewProcess
from kechuang.review.services import (
    CriterionIn,
    PartyIn,
    item_add,
    process_create,
    process_transition,
)
from tests.conftest import World
from tests.review.conftest import Scene


def test_process_create_stores_default_rules_and_rubric(world: World) -> None:
    process = process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="揭榜评审",
        purpose=Purpose.CHALLENGE_APPLICATION,
    )
    assert process.status == ProcessStatus.SETUP
    assert process.rules.panel_size == 5
    assert process.rules.frontline_share == Fraction(1, 3)
    assert process.rules.max_load == 10
    assert process.rules.conflict_years == 3
    assert process.rules.exclude_government is True
    assert process.rules.conflict_subtree is False
    assert [(c.name, c.weight, c.max_value) for c in process.rubric.criteria.all()] == [
        ("技术价值", Decimal("40.00"), Decimal("40.00")),
        ("战略价值", Decimal("20.00"), Decimal("20.00")),
        ("社会价值", Decimal("15.00"), Decimal("15.00")),
        ("知识产权与人才产出", Decimal("15.00"), Decimal("15.00")),
        ("实施可行性", Decimal("10.00"), Decimal("10.00")),
    ]
    assert list(process.events.values_list("type", flat=True)) == [EventType.CREATED]
    assert (
        AuditEntry.objects.filter(object_type="reviewprocess", object_id=str(process.pk)).count()
        == 1
    )


def test_process_create_with_custom_rubric_and_rules(world: World) -> None:
    process = process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="里程碑评审",
        purpose=Purpose.MILESTONE,
        rounds=1,
        rules={"panel_size": 3, "frontline_share": "1/2", "conflict_subtree": True},
        rubric=[
            CriterionIn("完成度", Decimal(60), Decimal(10)),
            CriterionIn("质量", Decimal(40), Decimal(10)),
        ],
    )
    assert (process.panel_size, process.frontline_numerator, process.frontline_denominator) == (
        3,
        1,
        2,
    )
    assert process.conflict_subtree is True
    assert list(process.rubric.criteria.values_list("name", flat=True)) == ["完成度", "质量"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rounds": 3}, "rounds"),
        ({"purpose": "lottery"}, "purpose"),
        ({"rules": {"panel_size": 0}}, "panel_size"),
        ({"rules": {"colour": "red"}}, "colour"),
        ({"rubric": []}, "rubric"),
        ({"rubric": [CriterionIn("甲", Decimal(1), Decimal(0))]}, "__all__"),
    ],
)
def test_process_create_refuses_bad_input(world: World, kwargs: dict, field: str) -> None:
    data = {"title": "揭榜评审", "purpose": Purpose.CHALLENGE_APPLICATION, **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        process_create(actor=world.hangzhou_staff, organiser=world.hangzhou, **data)
    assert field in exc.value.fields
    assert ReviewProcess.objects.count() == 0


def test_process_create_needs_a_manager_of_the_organiser(world: World) -> None:
    with pytest.raises(PermissionDenied):
        process_create(
            actor=world.jiangsu_staff, organiser=world.hangzhou, title="评审", purpose="other"
        )
    assert ReviewProcess.objects.count() == 0


def test_item_add_records_parties_and_event(scene: Scene) -> None:
    item = scene.items[0]
    assert item.subject_type == "challenges.application"
    assert item.subject_id == 100
    assert [(p.name, p.role, p.organization_id) for p in item.parties.all()] == [
        ("杭州测温科技有限公司", "lead", scene.world.enterprise.pk)
    ]
    assert ReviewEvent.objects.filter(process=scene.process, type=EventType.ITEM_ADDED).count() == 3


def test_item_add_refuses_duplicates_and_strangers(scene: Scene) -> None:
    data = dict(
        process=scene.process,
        subject_type="challenges.application",
        subject_id=100,
        title="重复",
        text="",
        parties=[PartyIn(name="甲")],
    )
    with pytest.raises(Exception) as exc:
        item_add(actor=scene.runner, **data)
    assert getattr(exc.value, "code", None) == "conflict"
    with pytest.raises(PermissionDenied):
        item_add(actor=scene.world.jiangsu_staff, **{**data, "subject_id": 999})
    assert ReviewItem.objects.filter(process=scene.process).count() == 3


def test_evaluator_may_run_but_not_cancel(scene: Scene) -> None:
    scene.invite_all()
    process_transition(
        actor=scene.evaluator_admin, process=scene.process, action=ProcessAction.START_ASSIGNMENT
    )
    with pytest.raises(PermissionDenied):
        process_transition(
            actor=scene.evaluator_admin, process=scene.process, action="cancel", reason="不办了"
        )
    scene.process.refresh_from_db()
    assert scene.process.status == ProcessStatus.ASSIGNING


def test_transition_refused_out_of_order_changes_nothing(scene: Scene) -> None:
    with pytest.raises(InvalidTransition):
        process_transition(
            actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_1
        )
    scene.process.refresh_from_db()
    assert scene.process.status == ProcessStatus.SETUP
    assert not ReviewEvent.objects.filter(process=scene.process, type=EventType.TRANSITION).exists()


def test_round_1_needs_a_complete_accepted_assignment(scene: Scene) -> None:
    scene.to_assigning()
    with pytest.raises(InvalidTransition) as exc:
        process_transition(
            actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_1
        )
    assert "评审专家不足 3 人" in exc.value.message
    scene.process.refresh_from_db()
    assert scene.process.status == ProcessStatus.ASSIGNING


def test_cancel_needs_a_reason(scene: Scene) -> None:
    with pytest.raises(ValidationFailed) as exc:
        process_transition(actor=scene.runner, process=scene.process, action="cancel")
    assert exc.value.fields == {"reason": ["请填写取消评审的理由。"]}
    process_transition(
        actor=scene.runner, process=scene.process, action="cancel", reason="榜单撤销"
    )
    scene.process.refresh_from_db()
    assert scene.process.status == ProcessStatus.CANCELLED


def test_event_log_is_append_only(scene: Scene) -> None:
    event = scene.process.events.first()
    assert event is not None
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        ReviewEvent.objects.filter(process=scene.process).update(params={})
    with pytest.raises(TypeError):
        ReviewEvent.objects.filter(process=scene.process).delete()
    assert (
        ReviewEvent.objects.filter(process=scene.process).count() == 6
    )  # created, evaluator_joined, panel, 3 items
