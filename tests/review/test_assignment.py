"""The reviewer-assignment core: hand-checkable cases, then property tests (hypothesis)
against greedy, CP-SAT and brute force."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.review import assignment as asg
from kechuang.review.assignment import (
    AssignmentProblem,
    InfeasibleAssignment,
    InvalidFixedPair,
    PanelRules,
    greedy,
    resolve_with,
    restrict_top_k,
    solve,
    solvers,
    validate,
)

NO_FRONTLINE = Fraction(0)


def rules(k: int, load: int, share: Fraction = Fraction(1, 3), **kw: object) -> PanelRules:
    return PanelRules(panel_size=k, max_load=load, frontline_share=share, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- small cases


def test_exact_beats_greedy_on_crafted_instance() -> None:
    # greedy grabs (0, 0) = 0.9 and is left with (1, 1) = 0.1; the optimum crosses over.
    p = AssignmentProblem.build([[0.9, 0.8], [0.85, 0.1]], rules=rules(1, 1, NO_FRONTLINE))
    exact, base = solve(p), greedy(p)
    assert exact.pairs == ((0, 1), (1, 0))
    assert exact.total_affinity == pytest.approx(1.65)
    assert exact.exact is True
    assert exact.solver == "min_cost_flow"
    assert base.pairs == ((0, 0), (1, 1))
    assert base.total_affinity == pytest.approx(1.0)
    assert base.exact is False
    assert validate(p, exact) == []
    assert validate(p, base) == []


def test_frontline_rule_bites() -> None:
    # panel of 3 needs ceil(3/3) = 1 front-line reviewer; only reviewer 3 is front-line.
    w = [[0.9], [0.8], [0.7], [0.1]]
    p = AssignmentProblem.build(w, rules=rules(3, 1), frontline=[0, 0, 0, 1])
    result = solve(p)
    assert result.pairs == ((0, 0), (1, 0), (3, 0))
    assert result.total_affinity == pytest.approx(1.8)
    assert [(s.reviewer, s.slot, s.rank, s.eligible) for s in result.panels[0]] == [
        (0, "general", 1, 4),
        (1, "general", 2, 4),
        (3, "frontline", 4, 4),
    ]
    assert result.panels[0][2].reason == (
        "affinity 0.1, rank 4 of 4 eligible reviewers; frontline seat"
    )
    # without the rule the three best are taken, and validate flags that under the rule
    assert validate(p, [(0, 0), (1, 0), (2, 0)]) == [
        "application 0: 0 front-line reviewers, needs at least 1"
    ]


def test_frontline_minimum_is_ceil_of_a_third() -> None:
    assert [PanelRules().frontline_min(k) for k in (1, 2, 3, 4, 5, 6, 7)] == [1, 1, 1, 2, 2, 2, 3]


def test_government_staff_excluded() -> None:
    w = [[1.0], [0.5], [0.4]]
    p = AssignmentProblem.build(w, rules=rules(2, 1, NO_FRONTLINE), government=[1, 0, 0])
    assert solve(p).pairs == ((1, 0), (2, 0))
    assert greedy(p).pairs == ((1, 0), (2, 0))
    assert validate(p, [(0, 0), (1, 0)]) == ["reviewer 0 is government staff"]
    with pytest.raises(InvalidFixedPair) as err:
        solve(AssignmentProblem.build(w, rules=p.rules, government=[1, 0, 0], fixed=[(0, 0)]))
    assert err.value.problems == ["fixed pair (0, 0): reviewer 0 is government staff"]
    # the rule can be switched off per call
    off = AssignmentProblem.build(
        w, rules=rules(2, 1, NO_FRONTLINE, exclude_government=False), government=[1, 0, 0]
    )
    assert solve(off).pairs == ((0, 0), (1, 0))


def test_conflicts_respected_and_hand_assignment_refused() -> None:
    w = [[0.9, 0.2], [0.8, 0.7], [0.1, 0.6]]
    conflicts = [[1, 0], [0, 0], [0, 0]]
    p = AssignmentProblem.build(w, rules=rules(1, 1, NO_FRONTLINE), conflicts=conflicts)
    result = solve(p)
    assert result.pairs == ((1, 0), (2, 1))
    assert result.total_affinity == pytest.approx(1.4)
    # an organiser moving reviewer 0 onto application 0 by hand is refused
    assert validate(p, [(0, 0), (1, 1)]) == [
        "reviewer 0 has a conflict of interest with application 0"
    ]


def test_infeasible_reports_every_application_with_its_reason() -> None:
    # app 0: only reviewers 0, 1 lack a conflict but it needs 3; app 1: no front-line
    # reviewer is eligible (the only one, reviewer 4, has a conflict).
    w = np.full((5, 2), 0.5)
    conflicts = [[0, 0], [0, 0], [1, 0], [1, 0], [1, 1]]
    p = AssignmentProblem.build(
        w, rules=rules(3, 2), conflicts=conflicts, frontline=[0, 0, 0, 0, 1]
    )
    with pytest.raises(InfeasibleAssignment) as err:
        solve(p)
    assert err.value.code == "assignment_infeasible"
    assert err.value.reasons == {
        0: [
            "too few eligible reviewers: 2 for 3 open seats "
            "(3 with conflicts, 0 government staff, 0 forbidden)",
            "too few eligible front-line reviewers: 0 for 1 front-line seats",
        ],
        1: ["too few eligible front-line reviewers: 0 for 1 front-line seats"],
    }


def test_infeasible_because_load_too_low() -> None:
    # each application alone is fine (2 eligible for 2 seats), together they need 4 seats
    # from two reviewers who may sit on one panel each.
    p = AssignmentProblem.build(np.ones((2, 2)), rules=rules(2, 1, NO_FRONTLINE))
    with pytest.raises(InfeasibleAssignment) as err:
        solve(p)
    assert err.value.general == ["total reviewer load 2 is below the 4 seats to fill"]
    assert len(err.value.reasons) >= 1
    for why in err.value.reasons.values():
        assert why[0].startswith("reviewer load too low: its 2 eligible reviewers")
    # greedy never breaks a rule: it staffs one panel and reports the other short
    base = greedy(p)
    assert sorted(base.unstaffed.values()) == [2]
    assert base.complete is False


def test_fixed_pairs_kept() -> None:
    w = [[0.9, 0.8], [0.85, 0.1]]
    p = AssignmentProblem.build(w, rules=rules(1, 1, NO_FRONTLINE), fixed=[(1, 1)])
    result = solve(p)
    assert result.pairs == ((0, 0), (1, 1))
    assert result.panels[1][0].fixed is True
    assert result.panels[1][0].reason.startswith("fixed by the organiser; ")
    assert validate(p, [(0, 1), (1, 0)]) == ["fixed pair (1, 1) is missing"]


def test_fixed_pairs_that_break_rules_are_refused() -> None:
    w = np.full((4, 1), 0.5)
    # two non-front-line reviewers fixed on a panel of 3 leave room for 1 front-line: fine;
    # three leave none: refused.
    ok = AssignmentProblem.build(
        w, rules=rules(3, 1), frontline=[0, 0, 0, 1], fixed=[(0, 0), (1, 0)]
    )
    assert solve(ok).pairs == ((0, 0), (1, 0), (3, 0))
    bad = replace_fixed(ok, [(0, 0), (1, 0), (2, 0)])
    with pytest.raises(InvalidFixedPair) as err:
        solve(bad)
    assert err.value.problems == [
        "application 0: the fixed non-front-line reviewers leave fewer than 1 seats for "
        "front-line reviewers"
    ]
    conflicted = AssignmentProblem.build(
        w, rules=rules(3, 1), frontline=[0, 0, 0, 1], conflicts=[[1], [0], [0], [0]], fixed=[(0, 0)]
    )
    with pytest.raises(InvalidFixedPair) as err:
        greedy(conflicted)
    assert err.value.problems == [
        "fixed pair (0, 0): reviewer 0 has a conflict of interest with application 0"
    ]


def replace_fixed(p: AssignmentProblem, fixed: list[tuple[int, int]]) -> AssignmentProblem:
    from dataclasses import replace

    return replace(p, fixed=frozenset(fixed))


def test_decliner_replaced_keeping_accepted_pairs() -> None:
    w = [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.9], [0.1, 0.8]]
    p = AssignmentProblem.build(w, rules=rules(2, 1, NO_FRONTLINE))
    first = solve(p)
    assert first.pairs == ((0, 0), (1, 0), (3, 1), (4, 1))
    again = resolve_with(p, first, declined=[(1, 0)])
    assert again.pairs == ((0, 0), (2, 0), (3, 1), (4, 1))
    assert again.exact is True
    assert validate(asg.with_declines(p, first, [(1, 0)]), again) == []
    # declining again when nobody is left: clear error; the earlier result is untouched
    with pytest.raises(InfeasibleAssignment) as err:
        resolve_with(asg.with_declines(p, first, [(1, 0)]), again, declined=[(2, 0)])
    assert err.value.reasons == {
        0: [
            "too few eligible reviewers: 0 for 1 open seats "
            "(0 with conflicts, 0 government staff, 2 forbidden)"
        ]
    }
    assert again.pairs == ((0, 0), (2, 0), (3, 1), (4, 1))
    with pytest.raises(ValueError, match="not in the assignment"):
        resolve_with(p, first, declined=[(2, 1)])


def test_cpsat_handles_group_limit() -> None:
    # reviewers 0, 1 are from the same organisation; at most one of them per panel.
    w = [[0.9], [0.8], [0.3]]
    r = rules(2, 1, NO_FRONTLINE, max_per_group=1)
    p = AssignmentProblem.build(w, rules=r, groups=[7, 7, -1])
    result = solve(p)
    assert result.solver == "cp_sat"
    assert result.exact is True
    assert result.pairs == ((0, 0), (2, 0))
    assert greedy(p).pairs == ((0, 0), (2, 0))
    assert validate(p, [(0, 0), (1, 0)]) == ["application 0: 2 reviewers of group 7"]
    with pytest.raises(ValueError, match="use solver='cp_sat'"):
        solve(p, solver="min_cost_flow")


def test_time_limit_falls_back_to_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_slow(*args: object) -> None:
        raise asg.TimeLimitReached("building the flow network took longer than the time limit")

    monkeypatch.setattr(solvers, "solve_flow", too_slow)
    p = AssignmentProblem.build([[0.9, 0.8], [0.85, 0.1]], rules=rules(1, 1, NO_FRONTLINE))
    result = solve(p, time_limit_s=0.5)
    assert result.exact is False
    assert result.solver == "greedy"
    assert result.pairs == ((0, 0), (1, 1))
    assert result.note == (
        "exact solve (min_cost_flow) exceeded 0.5 s: building the flow network took longer "
        "than the time limit; greedy used"
    )


def test_top_k_restricts_candidates_but_keeps_fixed() -> None:
    w = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    p = AssignmentProblem.build(w, rules=rules(1, 2, NO_FRONTLINE), fixed=[(2, 0)])
    small = restrict_top_k(p, 2)
    assert small.candidates.tolist() == [[1, 0], [1, 0], [1, 1], [0, 1]]
    assert solve(small).pairs == ((2, 0), (2, 1))


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="reviewers × applications"):
        AssignmentProblem.build([0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        AssignmentProblem.build([[float("nan")]])
    with pytest.raises(ValueError, match="length 2"):
        AssignmentProblem.build([[0.1], [0.2]], frontline=[1])
    p = AssignmentProblem.build([[0.5]], rules=rules(1, 1, NO_FRONTLINE))
    assert validate(p, [(0, 0), (0, 0), (3, 0)]) == [
        "pair (0, 0) is listed twice",
        "pair (3, 0) is out of range",
    ]


# --------------------------------------------------------------------------- properties


def brute_force(p: AssignmentProblem) -> float | None:
    """Best total affinity over every valid assignment (None if there is none)."""
    per_app = []
    for a in range(p.n_applications):
        options = [
            combo
            for combo in itertools.combinations(range(p.n_reviewers), int(p.panel_sizes[a]))
            if not validate_panel(p, a, combo)
        ]
        per_app.append(options)
    best: float | None = None
    for choice in itertools.product(*per_app):
        pairs = [(r, a) for a, combo in enumerate(choice) for r in combo]
        if validate(p, pairs):
            continue
        total = float(sum(p.affinity[r, a] for r, a in pairs))
        best = total if best is None or total > best else best
    return best


def validate_panel(p: AssignmentProblem, a: int, combo: tuple[int, ...]) -> bool:
    """True if this panel alone already breaks a rule (prunes the brute force)."""
    if any(p.pair_problems(r, a) for r in combo):
        return True
    if sum(bool(p.frontline[r]) for r in combo) < p.frontline_needed[a]:
        return True
    return any(r not in combo for r, b in p.fixed if b == a)


@st.composite
def problems(
    draw: st.DrawFn, max_r: int = 8, max_a: int = 4, max_k: int = 3, with_fixed: bool = False
) -> AssignmentProblem:
    n_r = draw(st.integers(1, max_r))
    n_a = draw(st.integers(1, max_a))
    k = draw(st.integers(1, min(max_k, n_r)))
    load = draw(st.integers(1, 3))
    share = draw(st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2)]))
    grid = st.integers(0, 20)
    w = np.array(draw(st.lists(grid, min_size=n_r * n_a, max_size=n_r * n_a))) / 20
    bits = st.lists(st.booleans(), min_size=n_r, max_size=n_r)
    conflict_rate = draw(st.sampled_from([0.0, 0.15, 0.3]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    group_limit = draw(st.sampled_from([None, None, 1]))
    n_fixed = draw(st.integers(0, 2)) if with_fixed else 0
    fixed = {(int(rng.integers(n_r)), int(rng.integers(n_a))) for _ in range(n_fixed)}
    return AssignmentProblem.build(
        w.reshape(n_r, n_a),
        rules=rules(k, load, share, max_per_group=group_limit),
        conflicts=rng.random((n_r, n_a)) < conflict_rate,
        frontline=draw(bits),
        government=rng.random(n_r) < 0.15,
        groups=rng.integers(-1, 3, n_r),
        fixed=fixed,
    )


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(problems(max_r=12, max_a=6, max_k=4))
def test_solve_always_valid_and_never_worse_than_greedy(p: AssignmentProblem) -> None:
    base = greedy(p)
    # greedy may leave panels short (and so short of front-line seats), never breaks
    # another rule
    short = tuple(f"application {a}: " for a in base.unstaffed)
    assert [v for v in validate(p, base) if not v.startswith(short)] == []
    try:
        result = solve(p)
    except InfeasibleAssignment as err:
        assert not base.complete  # greedy staffing every panel would prove feasibility
        assert err.reasons or err.general
        return
    assert validate(p, result) == []
    assert result.complete
    if base.complete:
        assert result.total_affinity >= base.total_affinity - 1e-9


@PROPS
@given(problems(max_r=6, max_a=3, max_k=3, with_fixed=True))
def test_solve_matches_brute_force_and_cpsat(p: AssignmentProblem) -> None:
    best = brute_force(p)
    tolerance = 1e-6 * int(p.panel_sizes.sum())
    try:
        result = solve(p)
    except (InfeasibleAssignment, InvalidFixedPair) as err:
        assert best is None
        with pytest.raises(type(err)):
            solve(p, solver="cp_sat")
        return
    assert best is not None
    assert result.exact is True
    assert result.total_affinity == pytest.approx(best, abs=tolerance)
    other = solve(p, solver="cp_sat")
    assert other.total_affinity == pytest.approx(best, abs=tolerance)
    assert validate(p, other) == []


@PROPS
@given(problems(max_r=10, max_a=4, max_k=3), st.data())
def test_resolve_keeps_accepted_and_drops_declined(
    p: AssignmentProblem, data: st.DataObject
) -> None:
    try:
        first = solve(p)
    except InfeasibleAssignment:
        return
    declined = data.draw(st.lists(st.sampled_from(first.pairs), unique=True, max_size=3))
    follow_up = asg.with_declines(p, first, declined)
    try:
        again = resolve_with(p, first, declined)
    except InfeasibleAssignment:
        return
    assert validate(follow_up, again) == []
    assert set(first.pairs) - set(declined) <= set(again.pairs)
    assert not set(declined) & set(again.pairs)
