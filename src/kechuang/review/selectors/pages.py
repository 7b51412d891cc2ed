"""Reads the review pages need beyond ``review.selectors``: a reviewer's invitations and
to-do list, their own score of a round, the candidate pool with affinities, and the
assignment matrix of a panel. Callers pass objects they got from a gatekeeper."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When, prefetch_related_objects

from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.selectors import expert_list
from kechuang.common.access_rules import gatekeeper
from kechuang.matching.calibration import LABELS, Relevance
from kechuang.review.affinity import affinities
from kechuang.review.choices import SEATED, AssignmentStatus, InvitationStatus, ProcessStatus
from kechuang.review.models import (
    Conflict,
    Panel,
    PanelMember,
    ReviewAssignment,
    ReviewItem,
    ReviewProcess,
    Score,
)
from kechuang.review.selectors import my_assignments

ROUND_OF_STATUS = {ProcessStatus.ROUND_1: 1, ProcessStatus.ROUND_2: 2}
CANDIDATE_LIMIT = 30


def current_round(process: ReviewProcess) -> int | None:
    """The round being scored now, or None outside the scoring stages."""
    return ROUND_OF_STATUS.get(ProcessStatus(process.status))


def last_round(process: ReviewProcess) -> int:
    """The round whose scores stand: the one open now, else the last one scored."""
    now = current_round(process)
    if now is not None:
        return now
    return process.rounds


@gatekeeper("review.member")
def my_invitations(user: Any) -> QuerySet[PanelMember]:
    """The user's panel seats in every process: invitations still waiting for an answer
    first (they need the user's action), then the rest; newest first within each."""
    if user is None or not user.is_authenticated:
        return PanelMember.objects.none()
    return (
        PanelMember.objects.filter(expert__user=user)
        .select_related("panel__process", "expert")
        .annotate(
            answered=Case(
                When(status=InvitationStatus.INVITED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("answered", "-invited_at", "-id")
    )


def own_score(assignment: ReviewAssignment, round_no: int) -> Score | None:
    """The latest revision of this assignment's score in the round, with its lines."""
    return (
        Score.objects.filter(assignment=assignment, round=round_no)
        .prefetch_related("lines__criterion")
        .order_by("-revision")
        .first()
    )


@dataclass(frozen=True)
class Task:
    """One assignment on a reviewer's to-do list, with the round to score now."""

    assignment: ReviewAssignment
    round: int | None
    scored: bool

    @property
    def due(self) -> bool:
        return self.round is not None and not self.scored

    @property
    def deadline(self) -> datetime.datetime | None:
        """When scoring of the open round closes, if a deadline was set."""
        if self.round is None:
            return None
        return self.assignment.item.process.round_deadline(self.round)


@gatekeeper("review.assignment")
def my_tasks(user: Any) -> list[Task]:
    """The reviewer's active assignments; ``round`` is set where a round is open for
    the item, ``scored`` tells whether the reviewer has scored it in that round."""
    rows = list(my_assignments(user).select_related("member__panel", "item__process"))
    scored = set(
        Score.objects.filter(assignment__in=rows).values_list("assignment_id", "round").distinct()
    )
    out = []
    for a in rows:
        round_no = current_round(a.item.process)
        if round_no is not None and not a.item.in_round(round_no):
            round_no = None
        out.append(Task(a, round_no, round_no is not None and (a.pk, round_no) in scored))
    # what is to be scored now first, the earliest deadline first (then in process and
    # item order); then the rest, the newest process first
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    due = sorted((t for t in out if t.due), key=lambda t: t.deadline or far)
    rest = sorted(
        (t for t in out if not t.due),
        key=lambda t: (-t.assignment.item.process.created_at.timestamp(), t.assignment.item_id),
    )
    return due + rest


@dataclass(frozen=True)
class Candidate:
    expert: ExpertProfile
    best: float  # highest affinity over the process's items
    best_item: ReviewItem | None
    seat: PanelMember | None  # their seat in this process, if any
    relevance: Relevance | None = None  # what people see of ``best`` (None: keyword overlap)


@gatekeeper("expert")
def candidate_pool(user: Any, process: ReviewProcess, *, q: str = "") -> list[Candidate]:
    """Experts the user may see (the catalog's rule), matching ``q``, with their best
    affinity for the process's items; best first. Capped at ``CANDIDATE_LIMIT``."""
    experts = list(expert_list(user=user, q=q).filter(user__isnull=False)[:CANDIDATE_LIMIT])
    return sorted(candidates_of(process, experts), key=lambda c: (-c.best, c.expert.name))


def candidates_of(process: ReviewProcess, experts: list[ExpertProfile]) -> list[Candidate]:
    """``experts`` as candidates of the process, in the order given."""
    prefetch_related_objects(experts, "works")
    items = list(process.items.order_by("id"))
    scored = affinities(experts, items)
    matrix = scored.matrix
    seats = {
        m.expert_id: m
        for m in PanelMember.objects.filter(panel__process=process, expert__in=experts)
        .select_related("panel")
        .order_by("id")
    }
    out = []
    for r, e in enumerate(experts):
        best = int(matrix[r].argmax()) if items else -1
        out.append(
            Candidate(
                expert=e,
                best=float(matrix[r, best]) if items else 0.0,
                best_item=items[best] if items else None,
                seat=seats.get(e.pk),
                relevance=scored.relevance(r, best) if items else None,
            )
        )
    return out


@dataclass(frozen=True)
class Cell:
    assignment: ReviewAssignment | None
    conflict: bool
    relevance: Relevance | None = None  # the member for the item, as the candidates tab shows


@dataclass(frozen=True)
class MatrixRow:
    item: ReviewItem
    cells: list[Cell]
    staffed: int


@dataclass(frozen=True)
class Matrix:
    panel: Panel
    members: list[PanelMember]
    rows: list[MatrixRow]
    total_affinity: float
    # assigned pairs by calibrated relevance label (high, medium, low); empty without one
    labels: dict[str, int]


def assignment_matrix(panel: Panel, *, hidden: frozenset[int] = frozenset()) -> Matrix:
    """Items × members of a panel: each cell the active assignment (affinity and reason)
    and whether an unwaived conflict stands between them. Runners' view, without the
    ``hidden`` items (those the viewer is a party to)."""
    members = list(panel.members.select_related("expert").order_by("id"))
    members.sort(key=lambda m: m.status not in SEATED)  # seated first, stable by id
    items = list(panel.items.exclude(pk__in=list(hidden)).order_by("id"))
    active = {
        (a.item_id, a.member_id): a
        for a in ReviewAssignment.objects.filter(
            item__in=items, member__in=members, status=AssignmentStatus.ACTIVE
        )
    }
    conflicts = set(
        Conflict.objects.filter(
            item__in=items, expert__in=[m.expert_id for m in members], waived_at__isnull=True
        ).values_list("item_id", "expert_id")
    )
    # the relevance shown is computed now, as on the candidates tab (the stored affinity is
    # what the solver maximised then, possibly keyword overlap when the engine was off)
    prefetch_related_objects([m.expert for m in members], "works")
    scored = affinities([m.expert for m in members], items)
    rows = []
    total = 0.0
    labels = dict.fromkeys(LABELS, 0) if scored.calibrated else {}
    for a_col, item in enumerate(items):
        cells = []
        for r, m in enumerate(members):
            a = active.get((item.pk, m.pk))
            total += a.affinity if a is not None else 0.0
            relevance = scored.relevance(r, a_col)
            if a is not None and relevance is not None:
                labels[relevance.label] += 1
            cells.append(Cell(a, (item.pk, m.expert_id) in conflicts, relevance))
        rows.append(MatrixRow(item, cells, sum(1 for c in cells if c.assignment)))
    return Matrix(panel, members, rows, round(total, 4), labels)


def invitation_counts(process: ReviewProcess) -> dict[str, int]:
    """How many seats of the process are in each invitation status."""
    counts = dict.fromkeys(InvitationStatus.values, 0)
    for status in PanelMember.objects.filter(panel__process=process).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    return counts
