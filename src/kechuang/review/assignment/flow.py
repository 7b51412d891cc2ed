"""The exact solver for the flow rules: a min-cost flow (OR-Tools), and the reasons
when no assignment exists."""

from __future__ import annotations

import time

import numpy as np

from kechuang.review.assignment.problem import (
    AssignmentProblem,
    InfeasibleAssignment,
    Pair,
    Prepared,
    TimeLimitReached,
)


class _Network:
    """The min-cost-flow network (see ``solve_flow`` for why it is exact)."""

    def __init__(self, problem: AssignmentProblem, prep: Prepared) -> None:
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


def solve_flow(
    problem: AssignmentProblem, prep: Prepared, deadline: float, timings: dict[str, float]
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
        raise TimeLimitReached("building the flow network took longer than the time limit")
    status = net.flow.solve()
    if status != net.flow.OPTIMAL:
        raise infeasible(problem, prep, net)
    chosen = np.asarray(net.flow.flows(net.pair_arcs)) > 0
    return [(int(r), int(a)) for r, a in zip(net.pair_r[chosen], net.pair_a[chosen], strict=True)]


def infeasible(
    problem: AssignmentProblem, prep: Prepared, net: _Network | None
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
