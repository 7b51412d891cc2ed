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
import os
import time
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


class _TimeLimit(Exception):
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
class _Prepared:
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


def _prepare(problem: AssignmentProblem) -> _Prepared:
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
    return _Prepared(load_left, frontline_open, general_open, pr, pa, cost, fixed)


# --------------------------------------------------------------------------- exact: flow


class _Network:
    """The min-cost-flow network (see ``_solve_flow`` for why it is exact)."""

    def __init__(self, problem: AssignmentProblem, prep: _Prepared) -> None:
        from ortools.graph.python import min_cost_flow

        n_r, n_a = problem.n_reviewers, problem.n_applications
        self.flow = min_cost_flow.SimpleMinCostFlow()
        source, sink = 0, 1
        rev = 2 + np.arange(n_r)
        f_slot = 2 + n_r + np.arange(n_a)
        g_slot = 2 + n_r + n_a + np.arange(n_a)
        front = problem.frontline[prep.pr]
        n_front = int(front.sum())
        pair_node = 2 + n_r + 2 * n_a + np.arange(n_front)
        fr, fa, fc = prep.pr[front], prep.pa[front], prep.cost[front]
        nr, na, nc = prep.pr[~front], prep.pa[~front], prep.cost[~front]
        ones = np.ones
        tails = [np.zeros(n_r, np.int64), rev[nr], rev[fr], pair_node, pair_node, f_slot, g_slot]
        heads = [rev, g_slot[na], pair_node, f_slot[fa], g_slot[fa], ones(n_a, np.int64)]
        heads.append(ones(n_a, np.int64))
        caps = [prep.load_left, ones(len(nr)), ones(n_front), ones(n_front), ones(n_front)]
        caps += [prep.frontline_open, prep.general_open]
        costs = [np.zeros(n_r), nc, fc, np.zeros(n_front), np.zeros(n_front)]
        costs += [np.zeros(n_a), np.zeros(n_a)]
        arcs = self.flow.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails).astype(np.int32),
            np.concatenate(heads).astype(np.int32),
            np.concatenate(caps).astype(np.int64),
            np.concatenate(costs).astype(np.int64),
        )
        arcs = np.asarray(arcs, dtype=np.int32)
        # arcs carrying one pair each, in the order (non-front-line pairs, front-line pairs)
        self.pair_arcs = arcs[n_r : n_r + len(nr) + n_front]
        self.pair_r = np.concatenate([nr, fr])
        self.pair_a = np.concatenate([na, fa])
        start = n_r + len(nr) + 3 * n_front
        self.f_arcs = arcs[start : start + n_a]
        self.g_arcs = arcs[start + n_a : start + 2 * n_a]
        self.seats = int(prep.open_seats.sum())
        self.flow.set_node_supply(source, self.seats)
        self.flow.set_node_supply(sink, -self.seats)


def _solve_flow(
    problem: AssignmentProblem, prep: _Prepared, deadline: float, timings: dict[str, float]
) -> list[Pair]:
    """Exact optimum by min-cost flow.

    Network: source →(cap max_load left) reviewer r →(cap 1, cost −w) pair (r, a) → F_a
    (front-line slot, only if r is front-line) or G_a (general slot) → sink, with
    F_a → sink cap f_a = front-line seats still required and G_a → sink cap k_a − fixed − f_a.
    A non-front-line reviewer's pair node could only forward to G_a, so it is merged into
    one arc r → G_a (cap 1, same cost). Supply at source = demand at sink = Σ open seats.

    Why it is exact:
    (1) every integral feasible flow is a valid assignment: the sink arcs' capacities sum to
        the demand, so all are saturated and each panel gets exactly k_a − fixed reviewers;
        the unit capacity into (r, a) stops a reviewer filling two seats of one panel; the
        source arc caps each reviewer's load; only allowed pairs have arcs; F_a is saturated
        by front-line reviewers only, so each panel has ≥ f_a front-line reviewers.
    (2) every valid assignment is a feasible flow of the same cost: route f_a of its
        (≥ f_a) front-line reviewers through F_a and all others through G_a.
    (3) the constraint matrix of a network flow is totally unimodular, so with integral
        capacities and supplies the min-cost flow has an integral optimum, which OR-Tools'
        cost-scaling algorithm returns. Hence min cost = max total (scaled) affinity over
        exactly the valid assignments. Costs are shifted to w_max − w ≥ 0; since the total
        flow is fixed this changes every solution's cost by the same constant.
    """
    t0 = time.perf_counter()
    net = _Network(problem, prep)
    timings["network"] = time.perf_counter() - t0
    if time.perf_counter() > deadline:
        raise _TimeLimit("building the flow network took longer than the time limit")
    status = net.flow.solve()
    if status != net.flow.OPTIMAL:
        raise _infeasible(problem, prep, net)
    chosen = np.asarray(net.flow.flows(net.pair_arcs)) > 0
    return [(int(r), int(a)) for r, a in zip(net.pair_r[chosen], net.pair_a[chosen], strict=True)]


def _infeasible(
    problem: AssignmentProblem, prep: _Prepared, net: _Network | None
) -> InfeasibleAssignment:
    """Explain, per application, why its panel cannot be filled."""
    reasons: dict[int, list[str]] = {}
    general: list[str] = []
    elig = np.zeros((problem.n_reviewers, problem.n_applications), bool)
    elig[prep.pr, prep.pa] = True
    front = problem.frontline
    gov = problem.government if problem.rules.exclude_government else np.zeros_like(front)
    for a in range(problem.n_applications):
        open_a, f_a = int(prep.open_seats[a]), int(prep.frontline_open[a])
        n_el, n_fr = int(elig[:, a].sum()), int((elig[:, a] & front).sum())
        if n_el < open_a:
            why = (
                f"too few eligible reviewers: {n_el} for {open_a} open seats "
                f"({int(problem.conflicts[:, a].sum())} with conflicts, "
                f"{int(gov.sum())} government staff, "
                f"{sum(1 for _, b in problem.forbidden if b == a)} forbidden)"
            )
            reasons.setdefault(a, []).append(why)
        if n_fr < f_a:
            why = f"too few eligible front-line reviewers: {n_fr} for {f_a} front-line seats"
            reasons.setdefault(a, []).append(why)
    seats = int(prep.open_seats.sum())
    capacity = int(np.minimum(prep.load_left, elig.sum(axis=1)).sum())
    if capacity < seats:
        general.append(f"total reviewer load {capacity} is below the {seats} seats to fill")
    if net is not None:
        net.flow.solve_max_flow_with_min_cost()
        f_short = prep.frontline_open - np.asarray(net.flow.flows(net.f_arcs))
        g_short = prep.general_open - np.asarray(net.flow.flows(net.g_arcs))
        for a in np.flatnonzero((f_short > 0) | (g_short > 0)):
            if int(a) in reasons:
                continue
            kind = "front-line " if f_short[a] > 0 else ""
            n_el = int(elig[:, a].sum())
            reasons[int(a)] = [
                f"reviewer load too low: its {n_el} eligible {kind}reviewers are at their "
                f"max_load on other panels ({int(f_short[a] + g_short[a])} seats unfilled)"
            ]
    return InfeasibleAssignment(reasons, general)


# --------------------------------------------------------------------------- exact: CP-SAT


def _solve_cpsat(
    problem: AssignmentProblem, prep: _Prepared, time_limit_s: float
) -> tuple[list[Pair], bool]:
    """Same rules as an integer programme (for rules a flow cannot express, e.g.
    ``max_per_group``). Returns (pairs, proven_optimal)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(prep.pr))]
    by_r: dict[int, list[int]] = {}
    by_a: dict[int, list[int]] = {}
    for i, (r, a) in enumerate(zip(prep.pr.tolist(), prep.pa.tolist(), strict=True)):
        by_r.setdefault(r, []).append(i)
        by_a.setdefault(a, []).append(i)
    for r, idx in by_r.items():
        model.add(sum(x[i] for i in idx) <= int(prep.load_left[r]))
    limit = problem.rules.max_per_group
    for a in range(problem.n_applications):
        idx = by_a.get(a, [])
        model.add(sum(x[i] for i in idx) == int(prep.open_seats[a]))
        front = [x[i] for i in idx if problem.frontline[prep.pr[i]]]
        model.add(sum(front) >= int(prep.frontline_open[a]))
        if limit is not None:
            groups: dict[int, list[int]] = {}
            for i in idx:
                g = int(problem.groups[prep.pr[i]])
                if g >= 0:
                    groups.setdefault(g, []).append(i)
            for g, members in groups.items():
                already = sum(1 for r, b in prep.fixed if b == a and problem.groups[r] == g)
                model.add(sum(x[i] for i in members) <= limit - already)
    model.minimize(sum(int(c) * v for c, v in zip(prep.cost.tolist(), x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    solver.parameters.num_workers = max(1, min(8, os.cpu_count() or 1))
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        err = _infeasible(problem, prep, None)
        if not err.reasons and not err.general:
            err = InfeasibleAssignment(
                {}, [f"the limit of {limit} reviewers per organisation cannot be met"]
            )
        raise err
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise _TimeLimit(f"CP-SAT found no solution within {time_limit_s:.3g} s")
    pairs = [
        (int(prep.pr[i]), int(prep.pa[i])) for i in range(len(x)) if solver.boolean_value(x[i])
    ]
    return pairs, status == cp_model.OPTIMAL


# --------------------------------------------------------------------------- public API


def _result(
    problem: AssignmentProblem,
    pairs: Iterable[Pair],
    *,
    exact: bool,
    solver: str,
    solve_seconds: float,
    build_seconds: float = 0.0,
    note: str = "",
) -> Assignment:
    """Assemble an ``Assignment`` and explain every seat."""
    all_pairs = tuple(sorted(set(pairs) | problem.fixed))
    by_app: dict[int, list[int]] = {}
    for r, a in all_pairs:
        by_app.setdefault(a, []).append(r)
    panels: dict[int, tuple[Seat, ...]] = {}
    elig = problem.eligible
    for a, members in sorted(by_app.items()):
        col = problem.affinity[elig[:, a], a]
        members.sort(key=lambda r: (-problem.affinity[r, a], r))
        front_left = int(problem.frontline_needed[a])
        seats = []
        for r in members:
            w = float(problem.affinity[r, a])
            slot: SlotKind = "general"
            if problem.frontline[r] and front_left > 0:
                slot, front_left = "frontline", front_left - 1
            rank = int((col > w).sum()) + 1
            seats.append(Seat(r, w, rank, int(col.size), slot, (r, a) in problem.fixed))
        panels[a] = tuple(seats)
    unstaffed = {
        a: int(k) - len(by_app.get(a, []))
        for a, k in enumerate(problem.panel_sizes.tolist())
        if len(by_app.get(a, [])) < k
    }
    total = float(sum(problem.affinity[r, a] for r, a in all_pairs))
    return Assignment(
        all_pairs, total, panels, exact, solver, solve_seconds, build_seconds, unstaffed, note
    )


def solve(
    problem: AssignmentProblem, *, time_limit_s: float = 30, solver: SolverName = "auto"
) -> Assignment:
    """The assignment with the maximum total affinity that satisfies every rule.

    ``auto`` uses min-cost flow unless a rule needs CP-SAT (``max_per_group``). If the exact
    solve runs out of time, returns the greedy assignment (or CP-SAT's best incumbent if it
    is better) with ``exact=False`` and the reason in ``note``. OR-Tools' min-cost flow has
    no time limit of its own and holds the GIL, so for it the limit is checked after the
    network is built (it is polynomial; see docs/benchmarks.md, "Reviewer assignment", for sizes).
    Raises ``InvalidFixedPair`` or ``InfeasibleAssignment`` (with per-application reasons).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    if solver == "auto":
        solver = "cp_sat" if problem.rules.max_per_group is not None else "min_cost_flow"
    if solver == "min_cost_flow" and problem.rules.max_per_group is not None:
        raise ValueError("max_per_group cannot be expressed as a flow; use solver='cp_sat'")
    prep = _prepare(problem)
    timings = {"prepare": time.perf_counter() - t0}
    try:
        if solver == "min_cost_flow":
            pairs = _solve_flow(problem, prep, deadline, timings)
            optimal = True
        else:
            pairs, optimal = _solve_cpsat(problem, prep, deadline - time.perf_counter())
    except _TimeLimit as exc:
        fallback = greedy(problem)
        return replace(
            fallback,
            solve_seconds=time.perf_counter() - t0,
            note=f"exact solve ({solver}) exceeded {time_limit_s:g} s: {exc}; greedy used",
        )
    elapsed = time.perf_counter() - t0
    result = _result(
        problem,
        pairs,
        exact=optimal,
        solver=solver,
        solve_seconds=elapsed,
        build_seconds=sum(timings.values()),
    )
    if not optimal:
        fallback = greedy(problem)
        if fallback.complete and fallback.total_affinity > result.total_affinity:
            result = replace(fallback, solve_seconds=time.perf_counter() - t0)
        note = f"CP-SAT did not prove optimality within {time_limit_s:g} s; best of CP-SAT/greedy"
        result = replace(result, exact=False, note=note)
    return result


def greedy(problem: AssignmentProblem) -> Assignment:
    """Baseline: pairs in descending affinity, each taken if every rule still allows it.
    May leave panels short (``unstaffed``); never breaks a rule."""
    t0 = time.perf_counter()
    prep = _prepare(problem)
    # plain lists: this loop touches every candidate pair once
    load = prep.load_left.tolist()
    front_open = prep.frontline_open.tolist()
    general_open = prep.general_open.tolist()
    is_front = problem.frontline.tolist()
    groups = problem.groups.tolist()
    limit = problem.rules.max_per_group
    group_count: dict[tuple[int, int], int] = {}
    for r, a in prep.fixed:
        group_count[(groups[r], a)] = group_count.get((groups[r], a), 0) + 1
    w = problem.affinity[prep.pr, prep.pa]
    order = np.lexsort((prep.pa, prep.pr, -w))
    chosen: list[Pair] = []
    for r, a in zip(prep.pr[order].tolist(), prep.pa[order].tolist(), strict=True):
        if load[r] == 0:
            continue
        key = (groups[r], a)
        if limit is not None and groups[r] >= 0 and group_count.get(key, 0) >= limit:
            continue
        if is_front[r] and front_open[a] > 0:
            front_open[a] -= 1
        elif general_open[a] > 0:
            general_open[a] -= 1
        else:
            continue
        load[r] -= 1
        group_count[key] = group_count.get(key, 0) + 1
        chosen.append((r, a))
    elapsed = time.perf_counter() - t0
    return _result(problem, chosen, exact=False, solver="greedy", solve_seconds=elapsed)


def validate(problem: AssignmentProblem, assignment: Assignment | Iterable[Pair]) -> list[str]:
    """Every rule the assignment breaks (empty list = valid). Use it on hand edits too."""
    raw = assignment.pairs if isinstance(assignment, Assignment) else tuple(assignment)
    pairs = [(int(r), int(a)) for r, a in raw]
    out: list[str] = []
    seen: set[Pair] = set()
    load: dict[int, int] = {}
    panel: dict[int, list[int]] = {}
    for r, a in pairs:
        if (r, a) in seen:
            out.append(f"pair ({r}, {a}) is listed twice")
            continue
        seen.add((r, a))
        problems = problem.pair_problems(r, a)
        out += problems
        if problems and "out of range" in problems[0]:
            continue
        load[r] = load.get(r, 0) + 1
        panel.setdefault(a, []).append(r)
    for r, n in sorted(load.items()):
        if n > problem.max_load[r]:
            out.append(f"reviewer {r} sits on {n} panels, max_load {problem.max_load[r]}")
    for a in range(problem.n_applications):
        members = panel.get(a, [])
        k, f = int(problem.panel_sizes[a]), int(problem.frontline_needed[a])
        if len(members) != k:
            out.append(f"application {a}: panel has {len(members)} reviewers, needs {k}")
        n_front = sum(1 for r in members if problem.frontline[r])
        if n_front < f:
            out.append(f"application {a}: {n_front} front-line reviewers, needs at least {f}")
        limit = problem.rules.max_per_group
        if limit is not None:
            labels = [int(problem.groups[r]) for r in members if problem.groups[r] >= 0]
            for g in sorted(set(labels)):
                if labels.count(g) > limit:
                    out.append(f"application {a}: {labels.count(g)} reviewers of group {g}")
    for r, a in sorted(problem.fixed - seen):
        out.append(f"fixed pair ({r}, {a}) is missing")
    return out


def with_declines(
    problem: AssignmentProblem, assignment: Assignment, declined: Iterable[Pair]
) -> AssignmentProblem:
    """The problem for re-solving: every non-declined pair fixed, declined pairs forbidden."""
    gone = {(int(r), int(a)) for r, a in declined}
    unknown = gone - set(assignment.pairs)
    if unknown:
        raise ValueError(f"declined pairs not in the assignment: {sorted(unknown)}")
    keep = frozenset(assignment.pairs) - gone
    return replace(problem, fixed=keep, forbidden=problem.forbidden | gone)


def resolve_with(
    problem: AssignmentProblem,
    assignment: Assignment,
    declined: Iterable[Pair],
    *,
    time_limit_s: float = 30,
) -> Assignment:
    """Replace decliners: keep the accepted pairs, forbid the declined ones, re-solve."""
    return solve(with_declines(problem, assignment, declined), time_limit_s=time_limit_s)
