"""Assigning panel members to items: the exact solve, hand changes, ending assignments.

``assignment_solve`` builds one ``review.assignment`` problem per panel (the panel's
seated members × its items), with the process's rules, the unwaived conflicts, the
front-line and government flags, the accepted and hand-set pairs fixed and the removed
pairs forbidden — so re-solving after a decline replaces only the decliner (issue 4:
"replacement of decliners by re-solving"). Each stored assignment carries its affinity
and a reason in Chinese: why this reviewer, and why not the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record
from kechuang.common.errors import ValidationFailed
from kechuang.common.locks import locked
from kechuang.review import assignment as solver
from kechuang.review.affinity import Affinities, affinities, describe, shared_terms
from kechuang.review.choices import (
    SEATED,
    SETUP_STATUSES,
    AssignmentSource,
    AssignmentStatus,
    EventType,
    InvitationStatus,
)
from kechuang.review.events import event_record
from kechuang.review.models import (
    Conflict,
    Panel,
    PanelMember,
    ReviewAssignment,
    ReviewItem,
    ReviewProcess,
)
from kechuang.review.services.common import (
    clauses,
    lock_process,
    names,
    require_runner,
    require_status,
)

MAX_NAMED = 4  # reviewers named in a "why not" list


def end_assignments(qs: QuerySet[ReviewAssignment], *, reason: str, removed: bool) -> int:
    """End the active ones of ``qs``. ``removed`` pairs stay out of later solves (declined,
    conflicted, taken away by hand); replaced ones may come back."""
    status = AssignmentStatus.REMOVED if removed else AssignmentStatus.REPLACED
    return qs.filter(status=AssignmentStatus.ACTIVE).update(
        status=status, ended_at=timezone.now(), end_reason=reason[:500]
    )


@dataclass(frozen=True)
class PanelSolve:
    panel: Panel
    total_affinity: float
    exact: bool
    solver: str
    note: str
    assignments: tuple[ReviewAssignment, ...]


@dataclass
class _Instance:
    members: list[PanelMember]
    items: list[ReviewItem]
    problem: solver.AssignmentProblem
    existing: dict[tuple[int, int], ReviewAssignment]  # (r, a) → active row
    scored: Affinities  # the matrix the problem maximises, and whether it is calibrated


def _conflict_mask(
    process: ReviewProcess, members: Sequence[PanelMember], items: Sequence[ReviewItem]
) -> np.ndarray:
    row = {m.expert_id: r for r, m in enumerate(members)}
    col = {i.pk: a for a, i in enumerate(items)}
    mask = np.zeros((len(members), len(items)), dtype=bool)
    for expert_id, item_id in Conflict.objects.filter(
        process=process, waived_at__isnull=True, item__in=items, expert_id__in=list(row)
    ).values_list("expert_id", "item_id"):
        mask[row[expert_id], col[item_id]] = True
    return mask


def _instance(process: ReviewProcess, panel: Panel) -> _Instance | None:
    members = list(
        panel.members.filter(status__in=SEATED)
        .select_related("expert")
        .prefetch_related("expert__works")
        .order_by("id")
    )
    items = list(panel.items.order_by("id"))
    if not items:
        return None
    if not members:
        raise ValidationFailed(
            _("评审组“%(p)s”还没有专家，无法分配。") % {"p": panel.name},
            code="assignment_infeasible",
        )
    row = {m.pk: r for r, m in enumerate(members)}
    col = {i.pk: a for a, i in enumerate(items)}
    existing: dict[tuple[int, int], ReviewAssignment] = {}
    fixed, forbidden = [], []
    for a_row in ReviewAssignment.objects.filter(item__in=items, member__in=members):
        pair = (row[a_row.member_id], col[a_row.item_id])
        if a_row.status == AssignmentStatus.ACTIVE:
            existing[pair] = a_row
            accepted = members[pair[0]].status == InvitationStatus.ACCEPTED
            if accepted or a_row.source == AssignmentSource.MANUAL:
                fixed.append(pair)
        elif a_row.status == AssignmentStatus.REMOVED:
            forbidden.append(pair)
    scored = affinities([m.expert for m in members], items)
    problem = solver.AssignmentProblem.build(
        scored.matrix,
        rules=process.rules.panel_rules(),
        conflicts=_conflict_mask(process, members, items),
        frontline=[m.expert.is_frontline_engineer for m in members],
        government=[m.expert.is_government_staff for m in members],
        fixed=fixed,
        forbidden=forbidden,
    )
    return _Instance(members, items, problem, existing, scored)


def _infeasible(inst: _Instance, exc: solver.AssignmentError) -> ValidationFailed:
    p = inst.problem
    lines = []
    bad = sorted(exc.reasons) if isinstance(exc, solver.InfeasibleAssignment) else []
    for a in bad or range(p.n_applications):
        elig = p.eligible[:, a]
        lines.append(
            _("“%(t)s”：可用专家 %(n)d 人（一线 %(f)d 人），需要 %(k)d 人（一线至少 %(m)d 人）")
            % {
                "t": inst.items[a].title,
                "n": int(elig.sum()),
                "f": int((elig & p.frontline).sum()),
                "k": int(p.panel_sizes[a]),
                "m": int(p.frontline_needed[a]),
            }
        )
    if not bad:
        lines.append(_("专家总工作量不足或手动指定的分配违反规则"))
    return ValidationFailed(
        _("无法在评审规则下配齐评审专家：%(l)s。") % {"l": clauses(lines[:10])},
        code="assignment_infeasible",
    )


def _why_not(inst: _Instance, a: int, chosen: set[int], load: np.ndarray) -> str:
    p = inst.problem
    reasons = []
    for r, m in enumerate(inst.members):
        if r in chosen:
            continue
        if p.conflicts[r, a]:
            why = _("利益冲突")
        elif p.rules.exclude_government and p.government[r]:
            why = _("党政机关工作人员")
        elif (r, a) in p.forbidden:
            why = _("已移除")
        elif load[r] >= p.max_load[r]:
            why = _("评审任务已满")
        else:
            why = _("匹配度较低")
        reasons.append(_("%(name)s（%(why)s）") % {"name": m.expert.name, "why": why})
    if not reasons:
        return ""
    more = len(reasons) - MAX_NAMED
    text = names(reasons[:MAX_NAMED]) + (_("等 %(n)d 人") % {"n": len(reasons)} if more > 0 else "")
    return _("未选：%(r)s。") % {"r": text}


def _reason(inst: _Instance, seat: solver.Seat, a: int) -> str:
    member = inst.members[seat.reviewer]
    terms = shared_terms(member.expert, inst.items[a])
    parts = [_("匹配度在 %(n)d 位可选专家中排第 %(k)d") % {"n": seat.eligible, "k": seat.rank}]
    relevance = inst.scored.relevance(seat.reviewer, a)
    if relevance is not None:
        parts.insert(0, describe(relevance))
    if terms:
        parts.append(_("共同术语：%(t)s") % {"t": names(terms)})
    if seat.slot == "frontline":
        parts.append(_("占一线科技人员席位"))
    if seat.fixed:
        parts.append(_("已接受邀请或由组织方指定，保留"))
    return (_("%(clauses)s。") % {"clauses": clauses(parts)})[:1000]


def _store(inst: _Instance, result: solver.Assignment) -> list[ReviewAssignment]:
    source = AssignmentSource.SOLVER if result.solver != "greedy" else AssignmentSource.GREEDY
    chosen_pairs = set(result.pairs)
    stale = [row.pk for pair, row in inst.existing.items() if pair not in chosen_pairs]
    end_assignments(
        ReviewAssignment.objects.filter(pk__in=stale), reason=_("重新分配"), removed=False
    )
    load = np.zeros(inst.problem.n_reviewers, dtype=np.int64)
    for r, _a in result.pairs:
        load[r] += 1
    out = []
    for a, seats in result.panels.items():
        why_not = _why_not(inst, a, {s.reviewer for s in seats}, load)
        for seat in seats:
            reason = _reason(inst, seat, a)
            row = inst.existing.get((seat.reviewer, a))
            if row is None:
                row = ReviewAssignment(
                    item=inst.items[a],
                    member=inst.members[seat.reviewer],
                    affinity=seat.affinity,
                    reason=reason,
                    not_chosen=why_not[:1000],
                    source=source,
                )
                row.full_clean(exclude=["item", "member"])
                row.save()
            elif (row.reason, row.not_chosen, row.affinity) != (reason, why_not, seat.affinity):
                row.reason, row.not_chosen, row.affinity = reason, why_not[:1000], seat.affinity
                row.save(update_fields=["reason", "not_chosen", "affinity"])
            out.append(row)
    return out


@transaction.atomic
def assignment_solve(
    *, actor: Any, process: ReviewProcess, time_limit_s: float = 30
) -> list[PanelSolve]:
    """Solve every panel of the process (in ``assigning``) and store the result."""
    process = lock_process(process)
    require_runner(actor, process)
    require_status(process, {"assigning"}, _("只有在“分配评审专家”阶段才能分配。"))
    out = []
    for panel in process.panels.order_by("id"):
        inst = _instance(process, panel)
        if inst is None:
            continue
        try:
            result = solver.solve(inst.problem, time_limit_s=time_limit_s)
        except solver.AssignmentError as exc:
            raise _infeasible(inst, exc) from None
        if not result.complete:
            raise _infeasible(inst, solver.InfeasibleAssignment({a: [] for a in result.unstaffed}))
        rows = _store(inst, result)
        out.append(
            PanelSolve(
                panel, result.total_affinity, result.exact, result.solver, result.note, tuple(rows)
            )
        )
        event_record(
            process=process,
            type=EventType.ASSIGNMENT_SOLVED,
            actor=actor,
            panel=panel.pk,
            pairs=[[inst.members[r].pk, inst.items[a].pk] for r, a in result.pairs],
            total_affinity=round(result.total_affinity, 6),
            exact=result.exact,
            solver=result.solver,
            note=result.note,
        )
    return out


def _manual_problems(
    process: ReviewProcess, item: ReviewItem, members: list[PanelMember]
) -> list[tuple[str, str]]:
    """(code, message) for every rule the hand-set reviewer list breaks."""
    rules = process.rules
    out: list[tuple[str, str]] = []
    if len(members) > rules.panel_size:
        out.append(("panel_size", _("每个评审对象最多 %(k)d 位专家。") % {"k": rules.panel_size}))
    conflicted = set(
        Conflict.objects.filter(
            item=item, expert__in=[m.expert_id for m in members], waived_at__isnull=True
        ).values_list("expert_id", flat=True)
    )
    for m in members:
        if m.panel_id != item.panel_id or m.status not in SEATED:
            out.append(("not_member", _("%(n)s不是该评审组的在册专家。") % {"n": m.expert.name}))
        if m.expert_id in conflicted:
            out.append(
                (
                    "conflict_of_interest",
                    _("%(n)s与该评审对象存在利益冲突。") % {"n": m.expert.name},
                )
            )
        if rules.exclude_government and m.expert.is_government_staff:
            out.append(
                (
                    "government_staff",
                    _("%(n)s是党政机关工作人员，不能担任评审专家。") % {"n": m.expert.name},
                )
            )
        load = (
            ReviewAssignment.objects.filter(member=m, status=AssignmentStatus.ACTIVE)
            .exclude(item=item)
            .count()
        )
        if load + 1 > rules.max_load:
            out.append(
                (
                    "max_load",
                    _("%(n)s的评审任务已达上限 %(k)d 项。")
                    % {"n": m.expert.name, "k": rules.max_load},
                )
            )
    front = sum(1 for m in members if m.expert.is_frontline_engineer)
    need = rules.frontline_min()
    if front + (rules.panel_size - len(members)) < need:
        out.append(
            (
                "frontline_rule",
                _("每个评审对象至少要有 %(m)d 位一线科技人员（三分之一规则），现在只有 %(f)d 位。")
                % {"m": need, "f": front},
            )
        )
    return out


@transaction.atomic
def assignment_set_manual(
    *, actor: Any, item: ReviewItem, member_ids: Iterable[int]
) -> list[ReviewAssignment]:
    """Set an item's reviewers by hand. Refused with every broken rule (conflict,
    government staff, load, one-third front-line rule, size), changing nothing."""
    process = lock_process(item.process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再调整分配。"))
    item = locked(ReviewItem, pk=item.pk)
    wanted = list(dict.fromkeys(int(pk) for pk in member_ids))
    members = list(
        PanelMember.objects.filter(pk__in=wanted, panel__process=process)
        .select_related("expert")
        .prefetch_related("expert__works")
    )
    if len(members) != len(wanted) or item.panel_id is None:
        raise ValidationFailed(fields={"member_ids": [_("请选择本评审组的专家。")]})
    found = _manual_problems(process, item, members)
    if found:
        raise ValidationFailed(
            fields={"member_ids": [message for _code, message in found]}, code=found[0][0]
        )
    before = sorted(
        item.assignments.filter(status=AssignmentStatus.ACTIVE).values_list("member_id", flat=True)
    )
    end_assignments(
        item.assignments.exclude(member_id__in=wanted), reason=_("组织方手动调整"), removed=True
    )
    item.assignments.filter(status=AssignmentStatus.ACTIVE, member_id__in=wanted).update(
        source=AssignmentSource.MANUAL
    )
    kept = set(before) & set(wanted)
    scored = affinities([m.expert for m in members], [item])
    for r, m in enumerate(members):
        if m.pk in kept:
            continue
        relevance = scored.relevance(r, 0)
        row = ReviewAssignment(
            item=item,
            member=m,
            affinity=float(scored.matrix[r, 0]),
            reason=_("组织方指定；%(relevance)s。") % {"relevance": describe(relevance)}
            if relevance is not None
            else _("组织方指定。"),
            source=AssignmentSource.MANUAL,
        )
        row.full_clean(exclude=["item", "member"])
        row.save()
    event_record(
        process=process,
        type=EventType.ASSIGNMENT_MANUAL,
        actor=actor,
        item=item.pk,
        before=before,
        after=sorted(wanted),
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        organization=process.organiser,
        before={"reviewers": before},
        after={"reviewers": sorted(wanted)},
        note=_("手动调整评审专家：%(n)s") % {"n": names(m.expert.name for m in members)},
    )
    return list(
        item.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("member__expert")
    )
