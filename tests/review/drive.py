"""Driving a review through /api/v1/reviews, as the API tests of a challenge's life cycle
do: seat a panel and assign it, then score every round. Each response is checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kechuang.catalog.models import ExpertProfile
from tests.api.conftest import Api, ok, token_for
from tests.review.conftest import user_of


def as_expert(expert: ExpertProfile) -> Api:
    return Api(token_for(user_of(expert)))


@dataclass
class Assigned:
    conflicts: list[dict[str, Any]]  # what conflict detection found
    solved: list[dict[str, Any]]  # the solver's answer, one entry per panel


def seat_and_assign(
    runner: Api,
    *,
    process: int,
    panel: int,
    experts: Sequence[ExpertProfile],
    accepting: Sequence[ExpertProfile] | None = None,
) -> Assigned:
    """Invite ``experts`` to ``panel``, detect conflicts, start the assignment and solve it;
    then the ``accepting`` experts (all invited ones unless given) accept."""
    members = {
        e.pk: ok(runner.post(f"/reviews/panels/{panel}/members", {"expert": e.pk}), 201)
        for e in experts
    }
    conflicts = ok(runner.post(f"/reviews/processes/{process}/conflicts/detection"))
    ok(runner.post(f"/reviews/processes/{process}/transitions", {"action": "start_assignment"}))
    solved = ok(runner.post(f"/reviews/processes/{process}/assignment"))
    for e in experts if accepting is None else accepting:
        ok(as_expert(e).post(f"/reviews/members/{members[e.pk]['id']}/response", {"accept": True}))
    return Assigned(conflicts=conflicts, solved=solved)


def score_rounds(
    runner: Api,
    *,
    process: int,
    experts: Sequence[ExpertProfile],
    values: Mapping[int, dict[str, int]],
) -> dict[int, list[dict[str, Any]]]:
    """Open round 1; in each round (the keys of ``values``, in order) every expert scores
    each of their assignments with that round's values; open the next round in between
    and close the rounds after the last. Returns the scores submitted, per round."""
    scores: dict[int, list[dict[str, Any]]] = {}
    transitions = f"/reviews/processes/{process}/transitions"
    ok(runner.post(transitions, {"action": "open_round_1"}))
    for n, round_no in enumerate(sorted(values)):
        if n:
            ok(runner.post(transitions, {"action": f"open_round_{round_no}"}))
        scores[round_no] = []
        for e in experts:
            reviewer = as_expert(e)
            for seat in ok(reviewer.get("/reviews/assignments/mine"))["items"]:
                body = {"round": round_no, "values": values[round_no]}
                scores[round_no].append(
                    ok(reviewer.post(f"/reviews/assignments/{seat['id']}/scores", body), 201)
                )
    ok(runner.post(transitions, {"action": "close_rounds"}))
    return scores
