"""The public entry points: ``solve`` (exact, with a greedy fallback at the time limit),
``greedy``, ``validate`` and re-solving after declines."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from kechuang.review.assignment.cpsat import solve_cpsat
from kechuang.review.assignment.flow import solve_flow
from kechuang.review.assignment.problem import (
    Assignment,
    AssignmentProblem,
    Pair,
    Seat,
    SlotKind,
    SolverName,
    TimeLimitReached,
    prepare,
)


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
    prep = prepare(problem)
    timings = {"prepare": time.perf_counter() - t0}
    try:
        if solver == "min_cost_flow":
            pairs = solve_flow(problem, prep, deadline, timings)
            optimal = True
        else:
            pairs, optimal = solve_cpsat(problem, prep, deadline - time.perf_counter())
    except TimeLimitReached as exc:
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
    prep = prepare(problem)
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
