"""Rank and score fusion."""

from __future__ import annotations

import pytest

from kechuang.matching import fusion

SIDES = {"lexical": {"a": 3.0, "b": 2.0}, "dense": {"b": 0.9, "c": 0.8}}


def test_ranks_are_one_based_and_break_ties_by_id() -> None:
    assert fusion.ranks({"b": 1.0, "a": 1.0, "c": 2.0}) == {"c": 1, "a": 2, "b": 3}


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = fusion.rrf(SIDES, {"lexical": 1.0, "dense": 2.0}, k=60)

    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 2 / 61, "c": 2 / 62})
    assert [doc for doc, _ in fusion.ordered(fused)] == ["b", "c", "a"]


def test_weighted_minmax_gives_zero_to_the_worst_candidate_and_to_absent_sides() -> None:
    fused = fusion.weighted(SIDES, {"lexical": 0.4, "dense": 0.6}, "minmax")

    assert fused == pytest.approx({"a": 0.4, "b": 0.6, "c": 0.0})


def test_weighted_max_divides_by_the_top_score() -> None:
    fused = fusion.weighted(SIDES, {"lexical": 0.5, "dense": 0.5}, "max")

    assert fused == pytest.approx({"a": 0.5, "b": 0.5 * 2 / 3 + 0.5, "c": 0.5 * 0.8 / 0.9})


def test_normalisation_edge_cases() -> None:
    assert fusion.normalise_scores({}, "minmax") == {}
    assert fusion.normalise_scores({"a": 2.0, "b": 2.0}, "minmax") == {"a": 1.0, "b": 1.0}
    assert fusion.normalise_scores({"a": 0.0}, "max") == {"a": 0.0}
    assert fusion.normalise_scores({"a": 5.0}, "none") == {"a": 5.0}
    assert fusion.normalise_scores({"a": 3.0, "b": 3.0}, "zscore") == {"a": 1.0, "b": 1.0}


def test_zscore_measures_distance_from_the_weakest_candidate_in_standard_deviations() -> None:
    assert fusion.normalise_scores({"a": 3.0, "b": 1.0}, "zscore") == {"a": 2.0, "b": 0.0}


def test_ordered_is_best_first_then_by_id() -> None:
    assert fusion.ordered({"b": 1.0, "a": 1.0, "c": 3.0}) == [("c", 3.0), ("a", 1.0), ("b", 1.0)]
