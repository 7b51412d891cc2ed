"""Reviewer assignment for review panels: the exact optimum under the panel rules.

Pure Python + numpy + OR-Tools; no Django. The ``review`` services call it with the numbers
they have gathered (affinities from the matching engine, conflicts of interest, reviewer
flags) and store what it returns.

Orientation: every matrix is **reviewers × applications** (rows = reviewers, like the
benchmark data), and every pair is ``(reviewer, application)``.

Rules (``PanelRules``, defaults from issue 4):
- every panel has exactly ``panel_size`` reviewers (per application if ``panel_sizes``);
- at least ``ceil(panel_size × frontline_share)`` of them are front-line (一线科技人员);
- nobody flagged as government staff (``exclude_government``);
- no conflicts of interest, no forbidden pairs (organiser's veto, declined invitations);
- a reviewer sits on at most ``max_load`` panels;
- hand-fixed pairs are kept (and must themselves obey the rules);
- optional ``max_per_group``: at most n reviewers of one organisation on a panel (not a
  flow rule: solved with CP-SAT).

Objective: maximise the total affinity. Affinities are scaled to integers (× ``SCALE`` =
10^6, rounded) for the solvers, so the optimum is exact up to 0.5 × 10^-6 per seat; the
reported ``total_affinity`` is summed from the original floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

SCALE = 1_000_000

Pair = tuple[int, int]  # (reviewer, application)
SolverName = Literal["auto", "min_cost_flow", "cp_sat"]
SlotKind = Literal["frontline", "general"]


class AssignmentError(Exception):
    """Base of the solver's errors; ``code`` is stable for the API layer to map."""

    code = "assignment_error"


class InvalidFixedPair(AssignmentError):
    """A hand-fixed pair breaks a rule on its own; ``problems`` lists every reason."""

    code = "invalid_fixed_pair"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("fixed pairs break the panel rules: " + "; ".join(problems))


class InfeasibleAssignment(AssignmentError):
    """Not every panel can be staffed. ``reasons`` maps application → why (one or more)."""

    code = "assignment_infeasible"

    def __init__(self, reasons: dict[int, list[str]], general: list[str] | None = None) -> None:
        self.reasons = reasons
        self.general = general or []
        parts = [f"application {a}: {'; '.join(r)}" for a, r in sorted(reasons.items())]
        super().__init__("cannot staff every panel: " + " | ".join(self.general + parts))


class TimeLimitReached(Exception):
    pass


@dataclass(frozen=True)
class PanelRules:
    """The configurable panel rules of a call (defaults from issue 4)."""

    panel_size: int = 5
    frontline_share: Fraction = Fraction(1, 3)
    exclude_government: bool = True
    max_load: int = 6
    max_per_group: int | None = None

    def frontline_min(self, panel_size: int) -> int:
        """Front-line seats a panel of this size needs: ceil(size × share), exactly."""
        return math.ceil(panel_size * Fraction(self.frontline_share))


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """One assignment instance. Build it with ``AssignmentProblem.build`` (fills defaults)."""

    affinity: NDArray[np.float64]  # (R, A), higher is better
    conflicts: NDArray[np.bool_]  # (R, A), True = conflict of interest (not allowed)
    frontline: NDArray[np.bool_]  # (R,)
    government: NDArray[np.bool_]  # (R,)
    max_load: NDArray[np.int64]  # (R,)
    panel_sizes: NDArray[np.int64]  # (A,)
    groups: NDArray[np.int64]  # (R,), organisation label, -1 = none
    candidates: NDArray[np.bool_]  # (R, A), solver search space (e.g. top-K); not a rule
    rules: PanelRules = field(default_factory=PanelRules)
    fixed: frozenset[Pair] = frozenset()
    forbidden: frozenset[Pair] = frozenset()

    @classmethod
    def build(
        cls,
        affinity: ArrayLike,
        *,
        rules: PanelRules | None = None,
        conflicts: ArrayLike | None = None,
        frontline: ArrayLike | None = None,
        government: ArrayLike | None = None,
        max_load: ArrayLike | None = None,
        panel_sizes: ArrayLike | None = None,
        groups: ArrayLike | None = None,
        candidates: ArrayLike | None = None,
        fixed: Iterable[Pair] = (),
        forbidden: Iterable[Pair] = (),
    ) -> AssignmentProblem:
        rules = rules or PanelRules()
        w = np.asarray(affinity, dtype=np.float64)
        if w.ndim != 2:
            raise ValueError("affinity must be a reviewers × applications matrix")
        if not np.all(np.isfinite(w)):
            raise ValueError("affinity must be finite")
        n_r, n_a = w.shape

        def vec(x: ArrayLike | None, n: int, fill: int | bool, dtype: type) -> NDArray:
            out: NDArray = (
                np.full(n, fill, dtype=dtype) if x is None else np.asarray(x, dtype=dtype)
            )
            if out.shape != (n,):
                raise ValueError(f"expected a vector of length {n}, got shape {out.shape}")
            return out

        def mat(x: ArrayLike | None, fill: bool) -> NDArray[np.bool_]:
            out = np.full((n_r, n_a), fill) if x is None else np.asarray(x).astype(bool)
            if out.shape != (n_r, n_a):
                raise ValueError(f"expected a {n_r}×{n_a} mask, got shape {out.shape}")
            return out

        if not 0 <= Fraction(rules.frontline_share) <= 1:
            raise ValueError("frontline_share must be between 0 and 1")
        loads = vec(max_load, n_r, rules.max_load, np.int64)
        sizes = vec(panel_sizes, n_a, rules.panel_size, np.int64)
        if (loads < 0).any() or (sizes < 0).any():
            raise ValueError("loads and panel sizes must be non-negative")
        return cls(
            affinity=w,
            conflicts=mat(conflicts, False),
            frontline=vec(frontline, n_r, False, bool),
            government=vec(government, n_r, False, bool),
            max_load=loads,
            panel_sizes=sizes,
            groups=vec(groups, n_r, -1, np.int64),
            candidates=mat(candidates, True),
            rules=rules,
            fixed=frozenset((int(r), int(a)) for r, a in fixed),
            forbidden=frozenset((int(r), int(a)) for r, a in forbidden),
        )

    @property
    def n_reviewers(self) -> int:
        return int(self.affinity.shape[0])

    @property
    def n_applications(self) -> int:
        return int(self.affinity.shape[1])

    @cached_property
    def frontline_needed(self) -> NDArray[np.int64]:
        return np.array([self.rules.frontline_min(int(k)) for k in self.panel_sizes], np.int64)

    @cached_property
    def eligible(self) -> NDArray[np.bool_]:
        """(R, A): pairs every rule allows (ignores ``candidates``, which is not a rule)."""
        ok = ~self.conflicts & (self.max_load > 0)[:, None]
        if self.rules.exclude_government:
            ok &= ~self.government[:, None]
        for r, a in self.forbidden:
            if 0 <= r < self.n_reviewers and 0 <= a < self.n_applications:
                ok[r, a] = False
        return ok

    def pair_problems(self, r: int, a: int) -> list[str]:
        """Why (r, a) may not be assigned at all (empty list = allowed)."""
        if not (0 <= r < self.n_reviewers and 0 <= a < self.n_applications):
            return [f"pair ({r}, {a}) is out of range"]
        out = []
        if self.conflicts[r, a]:
            out.append(f"reviewer {r} has a conflict of interest with application {a}")
        if (r, a) in self.forbidden:
            out.append(f"reviewer {r} is forbidden for application {a}")
        if self.rules.exclude_government and self.government[r]:
            out.append(f"reviewer {r} is government staff")
        if self.max_load[r] <= 0:
            out.append(f"reviewer {r} has no review capacity (max_load 0)")
        return out


def restrict_top_k(problem: AssignmentProblem, k: int) -> AssignmentProblem:
    """Limit each application's candidates to its k best eligible reviewers by affinity
    (fixed pairs always stay candidates). Shrinks the network; the result is exact for the
    restricted instance, not necessarily for the full one."""
    w = np.where(problem.eligible, problem.affinity, -np.inf)
    n_r = problem.n_reviewers
    if k >= n_r:
        return problem
    top = np.argpartition(-w, k - 1, axis=0)[:k]  # (k, A) reviewer indices
    mask = np.zeros_like(problem.candidates)
    mask[top, np.arange(problem.n_applications)[None, :]] = True
    for r, a in problem.fixed:
        mask[r, a] = True
    return replace(problem, candidates=mask & problem.candidates)


@dataclass(frozen=True)
class Seat:
    """One reviewer on one panel, with the reason for the choice."""

    reviewer: int
    affinity: float
    rank: int  # 1 = best affinity among the application's eligible reviewers (ties share)
    eligible: int  # how many eligible reviewers the application had
    slot: SlotKind  # front-line seat (counts toward the one-third rule) or general seat
    fixed: bool  # fixed by hand

    @property
    def reason(self) -> str:
        how = "fixed by the organiser; " if self.fixed else ""
        return (
            f"{how}affinity {self.affinity:.4g}, rank {self.rank} of {self.eligible} "
            f"eligible reviewers; {self.slot} seat"
        )


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[Pair, ...]  # sorted (reviewer, application)
    total_affinity: float
    panels: dict[int, tuple[Seat, ...]]  # application → seats, best affinity first
    exact: bool
    solver: str  # "min_cost_flow" | "cp_sat" | "greedy"
    solve_seconds: float  # wall time of the whole call
    build_seconds: float = 0.0  # part of it: checking input, building the flow network
    unstaffed: dict[int, int] = field(default_factory=dict)  # application → missing seats
    note: str = ""  # why not exact, when it is not

    @property
    def complete(self) -> bool:
        return not self.unstaffed


# --------------------------------------------------------------------------- preparation


@dataclass
class Prepared:
    load_left: NDArray[np.int64]  # (R,) after fixed pairs
    frontline_open: NDArray[np.int64]  # (A,) front-line seats still required
    general_open: NDArray[np.int64]  # (A,) remaining seats that anyone eligible may take
    pr: NDArray[np.int64]  # candidate pairs (not fixed) for the solvers
    pa: NDArray[np.int64]
    cost: NDArray[np.int64]  # per candidate pair, ≥ 0: round((w_max − w) × SCALE)
    fixed: list[Pair]

    @property
    def open_seats(self) -> NDArray[np.int64]:
        return self.frontline_open + self.general_open


def prepare(problem: AssignmentProblem) -> Prepared:
    """Check the fixed pairs, take them out of the capacities, list the candidate pairs."""
    errors: list[str] = []
    fixed = sorted(problem.fixed)
    for r, a in fixed:
        errors += [f"fixed pair ({r}, {a}): {p}" for p in problem.pair_problems(r, a)]
    if errors:
        raise InvalidFixedPair(errors)
    n_r, n_a = problem.n_reviewers, problem.n_applications
    load_used = np.zeros(n_r, np.int64)
    front_fixed = np.zeros(n_a, np.int64)
    all_fixed = np.zeros(n_a, np.int64)
    for r, a in fixed:
        load_used[r] += 1
        all_fixed[a] += 1
        front_fixed[a] += int(problem.frontline[r])
    load_left = problem.max_load - load_used
    for r in np.flatnonzero(load_left < 0):
        errors.append(
            f"reviewer {r} is fixed on {load_used[r]} panels, max_load {problem.max_load[r]}"
        )
    sizes, need_f = problem.panel_sizes, problem.frontline_needed
    frontline_open = np.maximum(need_f - front_fixed, 0)
    general_open = sizes - all_fixed - frontline_open
    for a in range(n_a):
        if all_fixed[a] > sizes[a]:
            errors.append(f"application {a}: {all_fixed[a]} fixed reviewers, panel size {sizes[a]}")
        elif general_open[a] < 0:
            errors.append(
                f"application {a}: the fixed non-front-line reviewers leave fewer than "
                f"{need_f[a]} seats for front-line reviewers"
            )
        if problem.rules.max_per_group is not None:
            labels = [problem.groups[r] for r, b in fixed if b == a and problem.groups[r] >= 0]
            for g in set(labels):
                if labels.count(g) > problem.rules.max_per_group:
                    errors.append(f"application {a}: more than the limit fixed from group {g}")
    if errors:
        raise InvalidFixedPair(errors)
    mask = problem.eligible & problem.candidates & (load_left > 0)[:, None]
    mask &= (frontline_open + general_open > 0)[None, :]
    for r, a in fixed:
        mask[r, a] = False
    pr, pa = np.nonzero(mask)
    w = problem.affinity[pr, pa]
    w_max = float(w.max()) if w.size else 0.0
    cost = np.rint((w_max - w) * SCALE).astype(np.int64)
    return Prepared(load_left, frontline_open, general_open, pr, pa, cost, fixed)
