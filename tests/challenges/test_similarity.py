"""The 0.5 duplicate threshold on a labelled set of proposal pairs (similarity_pairs.py)."""

from __future__ import annotations

from kechuang.challenges.similarity import DUPLICATE_PROPOSAL, text_similarity
from tests.challenges.similarity_pairs import RESENT, SAME_TOPIC, UNRELATED


def scores(pairs: list[tuple[str, str]]) -> list[float]:
    return [text_similarity(a, b) for a, b in pairs]


def test_the_threshold_separates_resent_proposals_from_the_rest() -> None:
    resent, same_topic, unrelated = scores(RESENT), scores(SAME_TOPIC), scores(UNRELATED)

    assert resent == [0.762, 0.766, 0.923, 0.764]
    assert same_topic == [0.04, 0.042, 0.058, 0.021]
    assert unrelated == [0.02, 0.0, 0.02, 0.031]
    assert all(s >= DUPLICATE_PROPOSAL for s in resent)
    assert all(s < DUPLICATE_PROPOSAL for s in same_topic + unrelated)


def test_similarity_is_symmetric_and_one_for_the_same_text() -> None:
    a, b = RESENT[0]
    assert text_similarity(a, b) == text_similarity(b, a)
    assert text_similarity(a, a) == 1.0
    assert text_similarity(a, "") == 0.0
