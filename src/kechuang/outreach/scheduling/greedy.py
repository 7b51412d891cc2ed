"""Heuristic schedules: the greedy fallback (heaviest requests first) and the baseline of
participants' own picks (requests in the order they were made, each taking the first free
slot). Both never break a rule, and both return slot choices only; ``assign_tables``
numbers the tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kechuang.outreach.scheduling.problem import MeetingProblem, Placement


def assign_tables(pairs: Iterable[tuple[int, int]]) -> tuple[Placement, ...]:
    """(request, slot) pairs → placements, tables 0, 1, … in each slot by request order."""
    used: dict[int, int] = {}
    out = []
    for request, slot in sorted(pairs, key=lambda p: (p[1], p[0])):
        table = used.get(slot, 0)
        used[slot] = table + 1
        out.append(Placement(request, slot, table))
    return tuple(out)


def first_fit(problem: MeetingProblem, order: Sequence[int]) -> list[tuple[int, int]]:
    """Place the requests in ``order``, each in the first slot where both parties are free
    and a table is left. Returns (request, slot) pairs."""
    busy = [set[int]() for _ in range(problem.n_participants)]
    tables_left = [problem.n_tables] * problem.n_slots
    chosen = []
    for i in order:
        r = problem.requests[i]
        for s in problem.common_slots(i):
            if tables_left[s] > 0 and s not in busy[r.a] and s not in busy[r.b]:
                busy[r.a].add(s)
                busy[r.b].add(s)
                tables_left[s] -= 1
                chosen.append((i, s))
                break
    return chosen


def greedy_order(problem: MeetingProblem) -> list[int]:
    """Heaviest first; among equals, the request with fewer common slots first (it has
    fewer chances later), then by index."""
    return sorted(
        range(len(problem.requests)),
        key=lambda i: (-problem.requests[i].weight, len(problem.common_slots(i)), i),
    )
