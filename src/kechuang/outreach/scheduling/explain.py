"""Why a request was left out of a schedule, in codes the pages translate.

- ``no_common_slot``: the two parties share no available slot;
- ``tables_full``: every common slot has all its tables taken;
- ``party_busy``: in every common slot one party (or both) already meets someone else
  (some slots may also be full) — the schedule preferred those meetings.
"""

from __future__ import annotations

from collections import Counter

from kechuang.outreach.scheduling.problem import MeetingProblem, Placement

REASONS = ("no_common_slot", "tables_full", "party_busy")


def explain(problem: MeetingProblem, placements: tuple[Placement, ...]) -> dict[int, str]:
    """A reason code for every request that is not placed."""
    placed = {p.request for p in placements}
    used = Counter(p.slot for p in placements)
    out: dict[int, str] = {}
    for i in range(len(problem.requests)):
        if i in placed:
            continue
        common = problem.common_slots(i)
        if not common:
            out[i] = "no_common_slot"
        elif all(used[s] >= problem.n_tables for s in common):
            out[i] = "tables_full"
        else:
            out[i] = "party_busy"
    return out


def details(problem: MeetingProblem, placements: tuple[Placement, ...], i: int) -> list[str]:
    """Per common slot of request ``i``: what stood in the way (for the organiser)."""
    used = Counter(p.slot for p in placements)
    who: dict[tuple[int, int], int] = {}
    for p in placements:
        r = problem.requests[p.request]
        who[(r.a, p.slot)] = p.request
        who[(r.b, p.slot)] = p.request
    r = problem.requests[i]
    lines = []
    for s in problem.common_slots(i):
        parts = []
        for person in (r.a, r.b):
            other = who.get((person, s))
            if other is not None and other != i:
                parts.append(f"participant {person} meets request {other}")
        if used[s] >= problem.n_tables:
            parts.append("all tables taken")
        lines.append(f"slot {s}: " + ("; ".join(parts) or "free"))
    return lines
