"""The meeting-scheduling problem as plain data, and what a schedule is.

Participants, slots and tables are numbered from 0. A request ``(a, b, weight)`` is an
accepted meeting request between participants ``a`` and ``b``; ``weight`` is what holding
it is worth: both sides' interest plus the matching engine's score for the pair (the
service computes it; the solver only adds numbers). Rules:

- a request is met at most once, in a slot both parties are available in;
- a participant sits in at most one meeting per slot;
- a slot holds at most ``n_tables`` meetings (any meeting may use any table).

The objective is the sum of the weights of the scheduled requests. Weights are scaled to
integers (``SCALE``) for CP-SAT; objectives and bounds are reported unscaled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SCALE = 1000

Status = Literal["optimal", "feasible", "greedy_fallback", "greedy", "own_picks", "empty"]


class SchedulingError(ValueError):
    """The problem is malformed (an index out of range, a request with oneself…)."""


@dataclass(frozen=True)
class Request:
    a: int
    b: int
    weight: float


@dataclass(frozen=True)
class MeetingProblem:
    """``availability[p]`` is the set of slots participant ``p`` can meet in."""

    n_participants: int
    n_slots: int
    n_tables: int
    availability: tuple[frozenset[int], ...]
    requests: tuple[Request, ...]

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SchedulingError("; ".join(problems[:5]))

    def problems(self) -> list[str]:
        out: list[str] = []
        if self.n_slots < 0 or self.n_tables < 0 or self.n_participants < 0:
            out.append("sizes must not be negative")
        if len(self.availability) != self.n_participants:
            out.append(
                f"availability has {len(self.availability)} rows for "
                f"{self.n_participants} participants"
            )
        for p, slots in enumerate(self.availability):
            bad = [s for s in slots if not 0 <= s < self.n_slots]
            if bad:
                out.append(f"participant {p}: slots out of range {sorted(bad)}")
        seen: set[tuple[int, int]] = set()
        for i, r in enumerate(self.requests):
            if not (0 <= r.a < self.n_participants and 0 <= r.b < self.n_participants):
                out.append(f"request {i}: participant out of range")
            elif r.a == r.b:
                out.append(f"request {i}: participant {r.a} cannot meet themselves")
            key = (min(r.a, r.b), max(r.a, r.b))
            if key in seen:
                out.append(f"request {i}: pair {key} requested twice")
            seen.add(key)
            if r.weight < 0:
                out.append(f"request {i}: negative weight {r.weight}")
        return out

    def common_slots(self, i: int) -> list[int]:
        """The slots both parties of request ``i`` are available in, ascending."""
        r = self.requests[i]
        return sorted(self.availability[r.a] & self.availability[r.b])

    def scaled_weight(self, i: int) -> int:
        return round(self.requests[i].weight * SCALE)


@dataclass(frozen=True)
class Placement:
    """Request ``request`` meets in ``slot`` at ``table``."""

    request: int
    slot: int
    table: int


@dataclass(frozen=True)
class Schedule:
    """A schedule and how good it is.

    ``objective`` is the sum of scheduled weights; ``bound`` an upper bound on any
    schedule's objective (CP-SAT's proven bound; for heuristics the trivial bound, the
    sum of the weights of the requests that have a common slot); ``gap`` is
    ``(bound - objective) / bound`` (0 when optimal). ``unscheduled`` explains every
    request left out (see ``explain``).
    """

    placements: tuple[Placement, ...]
    objective: float
    bound: float
    status: Status
    solver: str
    seconds: float
    note: str = ""
    unscheduled: dict[int, str] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def by_request(self) -> dict[int, Placement]:
        return {p.request: p for p in self.placements}


def trivial_bound(problem: MeetingProblem) -> float:
    """Every request with a common slot met: no schedule does better."""
    return sum(r.weight for i, r in enumerate(problem.requests) if problem.common_slots(i))
