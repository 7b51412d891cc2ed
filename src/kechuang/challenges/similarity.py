"""Text similarity of proposals, problems and projects: one function, used everywhere here.

``text_similarity`` is the Jaccard index of the two texts' sets of character bigrams, as
the matching engine's analyser produces them (overlapping CJK bigrams, Latin and digit
runs whole, full-width folded). It needs no index and no model, so it works on any two
texts at request time, which is what duplicate checks need: the engine's ``similar_items``
only compares indexed catalog records.

Thresholds (chosen on the texts in tests/challenges: a proposal re-sent with a changed
title and a sentence added scores 0.6–0.9; two proposals on the same topic written
independently score 0.1–0.3):

* ``DUPLICATE_PROPOSAL``: 0.5, the same proposal sent to several calls;
* ``DUPLICATE_ACROSS_REGIONS``: 0.5, near-duplicate problems or projects nationally.
"""

from __future__ import annotations

from kechuang.matching.analysis import Analyzer

DUPLICATE_PROPOSAL = 0.5
DUPLICATE_ACROSS_REGIONS = 0.5


def bigram_set(text: str) -> frozenset[str]:
    return frozenset(Analyzer.default().bigrams(text or ""))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def text_similarity(a: str, b: str) -> float:
    """Similarity of two texts in [0, 1], rounded to three decimals."""
    return round(jaccard(bigram_set(a), bigram_set(b)), 3)
