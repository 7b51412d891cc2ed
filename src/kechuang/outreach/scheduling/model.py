"""Building the CP-SAT model: one boolean per (request, common slot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kechuang.outreach.scheduling.problem import MeetingProblem


@dataclass
class BuiltModel:
    model: Any  # cp_model.CpModel
    x: dict[tuple[int, int], Any]  # (request, slot) -> BoolVar


def build_model(problem: MeetingProblem) -> BuiltModel:
    """The rules of ``problem`` as a CP-SAT model maximising the scaled weight.

    Variables exist only for slots both parties are available in, so availability needs
    no constraint of its own.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], Any] = {}
    per_request: dict[int, list[Any]] = {}
    per_person_slot: dict[tuple[int, int], list[Any]] = {}
    per_slot: dict[int, list[Any]] = {}
    terms = []
    for i, r in enumerate(problem.requests):
        weight = problem.scaled_weight(i)
        for s in problem.common_slots(i):
            v = model.new_bool_var(f"m{i}s{s}")
            x[(i, s)] = v
            per_request.setdefault(i, []).append(v)
            per_person_slot.setdefault((r.a, s), []).append(v)
            per_person_slot.setdefault((r.b, s), []).append(v)
            per_slot.setdefault(s, []).append(v)
            terms.append(weight * v)
    for vs in per_request.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for vs in per_person_slot.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for vs in per_slot.values():
        if len(vs) > problem.n_tables:
            model.add(sum(vs) <= problem.n_tables)
    model.maximize(sum(terms))
    return BuiltModel(model, x)


def add_hint(built: BuiltModel, pairs: list[tuple[int, int]]) -> None:
    """Warm start: the greedy schedule as a hint for every variable."""
    chosen = set(pairs)
    for key, v in built.x.items():
        built.model.add_hint(v, key in chosen)
