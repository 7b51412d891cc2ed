"""The entry point ``solve``: CP-SAT warm-started with the greedy schedule, the greedy
schedule itself when CP-SAT finds nothing better in time."""

from __future__ import annotations

import time

from kechuang.outreach.scheduling.explain import explain
from kechuang.outreach.scheduling.greedy import assign_tables, first_fit, greedy_order
from kechuang.outreach.scheduling.model import add_hint, build_model
from kechuang.outreach.scheduling.problem import (
    SCALE,
    MeetingProblem,
    Schedule,
    Status,
    trivial_bound,
)


def greedy(problem: MeetingProblem) -> Schedule:
    """The greedy schedule (heaviest first, first free slot), with the trivial bound."""
    return _heuristic(problem, own_picks=False)


def own_picks(problem: MeetingProblem) -> Schedule:
    """Baseline: participants pick the first free slot, requests in the order made."""
    return _heuristic(problem, own_picks=True)


def _heuristic(problem: MeetingProblem, *, own_picks: bool) -> Schedule:
    t0 = time.perf_counter()
    order = list(range(len(problem.requests))) if own_picks else greedy_order(problem)
    placements = assign_tables(first_fit(problem, order))
    objective = sum(problem.requests[p.request].weight for p in placements)
    status: Status = "own_picks" if own_picks else "greedy"
    return Schedule(
        placements,
        objective,
        trivial_bound(problem),
        status,
        status,
        time.perf_counter() - t0,
        unscheduled=explain(problem, placements),
    )


def solve(
    problem: MeetingProblem,
    *,
    time_limit_s: float = 20,
    workers: int = 2,
    gap_limit: float = 0.005,
) -> Schedule:
    """The schedule with the largest total weight that CP-SAT finds within the time limit.

    CP-SAT starts from the greedy schedule (a hint for every variable) and reports its
    best objective and its proven bound: ``status`` is ``optimal`` when the two meet,
    ``feasible`` when the limit stopped it first (``gap`` says how far it may be off),
    ``greedy_fallback`` when CP-SAT found no schedule better than greedy in time (or none
    at all). ``workers`` is CP-SAT's number of search workers (2: the machine's cores);
    CP-SAT stops early once its relative gap is at most ``gap_limit`` (0: prove optimality).
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    if not problem.requests or problem.n_slots == 0 or problem.n_tables == 0:
        return Schedule((), 0.0, 0.0, "empty", "none", 0.0, unscheduled=explain(problem, ()))
    start = first_fit(problem, greedy_order(problem))
    greedy_objective = sum(problem.requests[i].weight for i, _ in start)
    greedy_scaled = sum(problem.scaled_weight(i) for i, _ in start)
    built = build_model(problem)
    add_hint(built, start)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s - (time.perf_counter() - t0), 0.01)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.relative_gap_limit = max(gap_limit, 0.0)
    code = solver.solve(built.model)
    elapsed = time.perf_counter() - t0
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = assign_tables(start)
        return Schedule(
            placements,
            greedy_objective,
            trivial_bound(problem),
            "greedy_fallback",
            "greedy",
            elapsed,
            note=f"CP-SAT found no schedule within {time_limit_s:g} s "
            f"({solver.status_name(code)}); greedy used",
            unscheduled=explain(problem, placements),
        )
    pairs = [key for key, v in built.x.items() if solver.boolean_value(v)]
    objective = sum(problem.requests[i].weight for i, _ in pairs)
    bound = solver.best_objective_bound / SCALE
    # with a gap limit CP-SAT answers OPTIMAL once the gap is small enough: only a bound
    # that meets the objective (in the integers it optimised) proves optimality
    proven = code == cp_model.OPTIMAL and solver.best_objective_bound - solver.objective_value < 1
    status: Status = "optimal" if proven else "feasible"
    gap = 1 - objective / bound if bound > 0 else 0.0
    note = "" if proven else f"stopped by the time or gap limit at a gap of {100 * gap:.2f} %"
    # CP-SAT may stop on a worse incumbent than its hint (compare the integers it optimised)
    if sum(problem.scaled_weight(i) for i, _ in pairs) < greedy_scaled:
        pairs, objective, status = start, greedy_objective, "greedy_fallback"
        note = "CP-SAT's best schedule was worse than greedy within the time limit; greedy used"
    if status == "optimal":
        bound = max(bound, objective)
    placements = assign_tables(pairs)
    return Schedule(
        placements,
        objective,
        bound,
        status,
        "cp_sat",
        elapsed,
        note=note,
        unscheduled=explain(problem, placements),
    )


def validate(problem: MeetingProblem, schedule: Schedule) -> list[str]:
    """Every rule the schedule breaks (empty = valid); also for hand-edited schedules."""
    out: list[str] = []
    seen_request: set[int] = set()
    seat: set[tuple[int, int]] = set()
    table: set[tuple[int, int]] = set()
    for p in schedule.placements:
        if not 0 <= p.request < len(problem.requests):
            out.append(f"request {p.request} out of range")
            continue
        r = problem.requests[p.request]
        if p.request in seen_request:
            out.append(f"request {p.request} met twice")
        seen_request.add(p.request)
        if p.slot not in problem.availability[r.a] or p.slot not in problem.availability[r.b]:
            out.append(f"request {p.request}: a party is not available in slot {p.slot}")
        if not 0 <= p.table < problem.n_tables:
            out.append(f"request {p.request}: table {p.table} out of range")
        if (p.slot, p.table) in table:
            out.append(f"slot {p.slot}, table {p.table} used twice")
        table.add((p.slot, p.table))
        for person in (r.a, r.b):
            if (person, p.slot) in seat:
                out.append(f"participant {person} has two meetings in slot {p.slot}")
            seat.add((person, p.slot))
    return out
