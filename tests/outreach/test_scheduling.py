"""The meeting scheduler: rules never broken, optimum on small cases checked by brute
force, explanations, and the fallbacks."""

from __future__ import annotations

import itertools
import random

import pytest

from kechuang.outreach.scheduling import (
    MeetingProblem,
    Request,
    SchedulingError,
    details,
    greedy,
    own_picks,
    solve,
    validate,
)


def _random_problem(seed: int, n: int = 6, slots: int = 3, tables: int = 2) -> MeetingProblem:
    rng = random.Random(seed)
    avail = tuple(frozenset(s for s in range(slots) if rng.random() < 0.7) for _ in range(n))
    pairs = rng.sample(list(itertools.combinations(range(n), 2)), 7)
    reqs = tuple(Request(a, b, rng.randint(2, 6) + rng.random()) for a, b in pairs)
    return MeetingProblem(n, slots, tables, avail, reqs)


def _brute_force(problem: MeetingProblem) -> float:
    """Best objective over every choice of (slot or none) per request."""
    options = [[None, *problem.common_slots(i)] for i in range(len(problem.requests))]
    best = 0.0
    for choice in itertools.product(*options):
        seat: set[tuple[int, int]] = set()
        per_slot: dict[int, int] = {}
        ok, total = True, 0.0
        for i, s in enumerate(choice):
            if s is None:
                continue
            r = problem.requests[i]
            if (r.a, s) in seat or (r.b, s) in seat:
                ok = False
                break
            seat |= {(r.a, s), (r.b, s)}
            per_slot[s] = per_slot.get(s, 0) + 1
            if per_slot[s] > problem.n_tables:
                ok = False
                break
            total += r.weight
        if ok:
            best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_cp_sat_finds_the_brute_force_optimum(seed: int) -> None:
    problem = _random_problem(seed)
    result = solve(problem, time_limit_s=10, gap_limit=0)
    assert validate(problem, result) == []
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_brute_force(problem), abs=1e-6)
    assert result.gap == pytest.approx(0, abs=1e-3)
    for schedule in (greedy(problem), own_picks(problem)):
        assert validate(problem, schedule) == []
        assert schedule.objective <= result.objective + 1e-9


def test_greedy_is_beaten_where_heaviest_first_blocks_two_meetings() -> None:
    # one slot each for 0-1 and 0-2 … the heavy 0-1 takes slot 0, which 0-2 and 1-3
    # both need; the optimum leaves 0-1 to slot 1.
    problem = MeetingProblem(
        4,
        2,
        1,
        (frozenset({0, 1}), frozenset({0, 1}), frozenset({0}), frozenset({1})),
        (Request(0, 1, 5.0), Request(0, 2, 4.0), Request(1, 3, 4.0)),
    )
    g = greedy(problem)
    s = solve(problem, time_limit_s=5, gap_limit=0)
    assert g.objective == 9.0 and s.objective == 9.0  # both orders fit two of three
    assert s.status == "optimal"


def test_explanations_say_why_a_request_is_left_out() -> None:
    problem = MeetingProblem(
        5,
        2,
        1,
        (frozenset({0}), frozenset({0}), frozenset({1}), frozenset({0, 1}), frozenset({0})),
        (Request(0, 1, 6.0), Request(0, 2, 5.0), Request(3, 4, 1.0)),
    )
    result = solve(problem, time_limit_s=5, gap_limit=0)
    assert {p.request for p in result.placements} == {0}
    assert result.unscheduled == {1: "no_common_slot", 2: "tables_full"}
    assert details(problem, result.placements, 2) == ["slot 0: all tables taken"]


def test_a_person_meets_once_per_slot_and_tables_are_numbered() -> None:
    problem = MeetingProblem(
        3,
        1,
        5,
        (frozenset({0}),) * 3,
        (Request(0, 1, 3.0), Request(0, 2, 2.0), Request(1, 2, 2.5)),
    )
    result = solve(problem, time_limit_s=5, gap_limit=0)
    assert len(result.placements) == 1 and result.placements[0].request == 0
    assert result.unscheduled == {1: "party_busy", 2: "party_busy"}
    picks = own_picks(problem)
    assert [p.table for p in picks.placements] == [0]


def test_validate_reports_every_broken_rule() -> None:
    problem = _random_problem(1)
    result = solve(problem, time_limit_s=5)
    from dataclasses import replace

    from kechuang.outreach.scheduling import Placement

    p = result.placements[0]
    twice = replace(result, placements=(*result.placements, Placement(p.request, p.slot, 9)))
    broken = validate(problem, twice)
    assert any("met twice" in b for b in broken)
    assert any("table 9 out of range" in b for b in broken)


@pytest.mark.parametrize(
    ("avail", "reqs", "msg"),
    [
        ((frozenset({0}),), (), "availability has 1 rows"),
        ((frozenset({0}), frozenset({3})), (), "slots out of range"),
        ((frozenset(), frozenset()), (Request(0, 0, 1),), "cannot meet themselves"),
        ((frozenset(), frozenset()), (Request(0, 1, 1), Request(1, 0, 1)), "requested twice"),
        ((frozenset(), frozenset()), (Request(0, 1, -1),), "negative weight"),
    ],
)
def test_malformed_problems_are_refused(avail: tuple, reqs: tuple, msg: str) -> None:
    with pytest.raises(SchedulingError, match=msg):
        MeetingProblem(2, 2, 1, avail, reqs)


def test_nothing_to_schedule_is_an_empty_schedule() -> None:
    problem = MeetingProblem(2, 0, 1, (frozenset(), frozenset()), (Request(0, 1, 2),))
    result = solve(problem)
    assert result.status == "empty" and result.placements == ()
    assert result.unscheduled == {0: "no_common_slot"}


def test_time_limit_too_short_falls_back_to_greedy() -> None:
    from bench.meeting_schedule import generate

    problem = generate(participants=120, requests=600, slots=8, tables=20, seed=3)
    result = solve(problem, time_limit_s=0.001)
    assert validate(problem, result) == []
    assert result.status in {"greedy_fallback", "feasible"}
    assert result.objective >= greedy(problem).objective - 1e-9
