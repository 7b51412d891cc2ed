"""The exact solver when a rule is not a flow rule (``max_per_group``): CP-SAT."""

from __future__ import annotations

import os

from kechuang.review.assignment.flow import infeasible
from kechuang.review.assignment.problem import (
    AssignmentProblem,
    InfeasibleAssignment,
    Pair,
    Prepared,
    TimeLimitReached,
)


def solve_cpsat(
    problem: AssignmentProblem, prep: Prepared, time_limit_s: float
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
        err = infeasible(problem, prep, None)
        if not err.reasons and not err.general:
            err = InfeasibleAssignment(
                {}, [f"the limit of {limit} reviewers per organisation cannot be met"]
            )
        raise err
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimeLimitReached(f"CP-SAT found no solution within {time_limit_s:.3g} s")
    pairs = [
        (int(prep.pr[i]), int(prep.pa[i])) for i in range(len(x)) if solver.boolean_value(x[i])
    ]
    return pairs, status == cp_model.OPTIMAL
