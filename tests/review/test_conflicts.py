"""Conflict-of-interest detection, declaration, adding and waiving."""

from __future__ import annotations

import pytest

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.review.choices import ConflictKind, EventType
from kechuang.review.conflicts import detect, nearest_association
from kechuang.review.models import Conflict, ReviewEvent
from kechuang.review.services import (
    PartyIn,
    affiliation_add,
    coauthor_add,
    conflict_add,
    conflict_declare,
    conflict_waive,
    conflicts_detect,
    item_add,
)
from tests.review.conftest import Scene, make_expert, user_of


def _kinds(scene: Scene, name: str, item: int) -> set[str]:
    return set(
        Conflict.objects.filter(
            item=scene.items[item], expert=scene.experts[name], waived_at__isnull=True
        ).values_list("kind", flat=True)
    )


def test_same_org_now_and_consortium(scene: Scene) -> None:
    # the enterprise's own engineer sits on the panel
    insider = make_expert("钱内", org=scene.world.enterprise, frontline=True)
    scene.experts["钱内"] = insider
    item = item_add(
        actor=scene.runner,
        process=scene.process,
        subject_type="challenges.application",
        subject_id=200,
        title="联合体申报",
        text="",
        parties=[
            PartyIn(name="浙江工业大学", organization=scene.university),
            PartyIn(name="郑综", role="member", expert=scene.experts["郑综"]),
        ],
        panel=scene.panel,
    )
    scene.items.append(item)
    scene.invite_all()
    created = conflicts_detect(actor=scene.runner, process=scene.process)
    assert _kinds(scene, "钱内", 0) == {ConflictKind.SAME_ORG}
    assert _kinds(scene, "陈热", 3) == {ConflictKind.SAME_ORG}
    assert _kinds(scene, "郑综", 3) == {ConflictKind.CONSORTIUM}
    explanation = Conflict.objects.get(item=scene.items[0], expert=insider).explanation
    assert explanation == "专家现任职于申报方“杭州测温科技有限公司”。"
    assert len(created) == 5  # 钱内 ×2 (items 0, 1), 陈热, 吴电 (university), 郑综
    # detecting again adds nothing
    assert conflicts_detect(actor=scene.runner, process=scene.process) == []


def test_former_org_within_years_only(scene: Scene) -> None:
    chen = scene.experts["陈热"]
    affiliation_add(
        actor=user_of(chen),
        expert=chen,
        organization=scene.world.enterprise,
        organization_name="",
        start_year=2015,
        end_year=2024,
    )
    lin = scene.experts["林流"]
    affiliation_add(
        actor=user_of(lin),
        expert=lin,
        organization_name="杭州测温科技有限公司",
        start_year=2000,
        end_year=2010,
    )
    found = detect([chen, lin], scene.items[:1], years=3, subtree=False, year=2026)
    assert [(f.expert_id, f.kind, f.explanation) for f in found] == [
        (
            chen.pk,
            ConflictKind.FORMER_ORG,
            "专家 2015–2024 年曾任职于申报方“杭州测温科技有限公司”（3 年内）。",
        ),
    ]


def test_coauthor_within_years(scene: Scene) -> None:
    zhou = scene.experts["周视"]
    coauthor_add(
        actor=user_of(zhou),
        expert=zhou,
        coauthor_name="企业管理员",
        kind="paper",
        year=2025,
        coauthor_user=scene.world.owner_admin,
    )
    coauthor_add(
        actor=user_of(zhou),
        expert=zhou,
        coauthor_name="他企管理员",
        kind="project",
        year=2019,
        coauthor_user=scene.world.other_admin,
    )
    found = detect([zhou], scene.items, years=3, subtree=False, year=2026)
    assert [(f.item_id, f.kind) for f in found] == [
        (scene.items[0].pk, ConflictKind.COAUTHOR),
        (scene.items[1].pk, ConflictKind.COAUTHOR),
    ]
    assert (
        found[0].explanation == "专家与申报方“杭州测温科技有限公司”于 2025 年有合著论文（3 年内）。"
    )


def test_subtree_rule(scene: Scene) -> None:
    # the university lies under 浙江省科协; the enterprise under 杭州市科协 under 浙江省科协
    chen, lin = scene.experts["陈热"], scene.experts["林流"]
    assert nearest_association(scene.university) == scene.world.zhejiang
    found = detect([chen, lin], scene.items, years=3, subtree=True, year=2026)
    subtree = [(f.expert_id, f.item_id) for f in found if f.kind == ConflictKind.SUBTREE]
    # 陈热 (浙江) vs the two Hangzhou items; 林流 (江苏) vs the Suzhou item
    assert subtree == [
        (chen.pk, scene.items[0].pk),
        (chen.pk, scene.items[1].pk),
        (lin.pk, scene.items[2].pk),
    ]
    assert detect([chen], scene.items, years=3, subtree=False, year=2026) == []


def test_declare_add_and_waive(scene: Scene) -> None:
    scene.invite_all()
    zhou = scene.experts["周视"]
    declared = conflict_declare(
        actor=user_of(zhou), item=scene.items[2], reason="曾为该企业提供咨询"
    )
    assert (declared.kind, declared.source) == (ConflictKind.DECLARED, "declared")
    added = conflict_add(
        actor=scene.runner,
        item=scene.items[0],
        expert=scene.experts["郑综"],
        reason="亲属在申报单位",
    )
    waived = conflict_waive(actor=scene.runner, conflict=added, reason="经核实无亲属关系")
    assert waived.waive_reason == "经核实无亲属关系"
    assert waived.waived_by == scene.runner
    types = list(
        ReviewEvent.objects.filter(process=scene.process)
        .filter(type__in=[EventType.CONFLICT_ADDED, EventType.CONFLICT_WAIVED])
        .values_list("type", flat=True)
    )
    assert types == ["conflict_added", "conflict_added", "conflict_waived"]
    assert AuditEntry.objects.filter(object_type="conflict").count() == 3


def test_waive_refusals_change_nothing(scene: Scene) -> None:
    conflict = conflict_add(
        actor=scene.runner, item=scene.items[0], expert=scene.experts["郑综"], reason="亲属"
    )
    with pytest.raises(ValidationFailed):
        conflict_waive(actor=scene.runner, conflict=conflict, reason="  ")
    with pytest.raises(PermissionDenied):
        conflict_waive(actor=scene.world.jiangsu_staff, conflict=conflict, reason="无")
    conflict.refresh_from_db()
    assert conflict.waived_at is None
    conflict_waive(actor=scene.runner, conflict=conflict, reason="核实无关")
    with pytest.raises(InvalidTransition):
        conflict_waive(actor=scene.runner, conflict=conflict, reason="再次")
    conflict.refresh_from_db()
    assert conflict.waive_reason == "核实无关"


def test_declare_needs_a_panel_seat(scene: Scene) -> None:
    with pytest.raises(PermissionDenied):
        conflict_declare(actor=scene.world.owner_member, item=scene.items[0], reason="无关")
    assert not Conflict.objects.exists()
