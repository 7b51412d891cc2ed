"""Text similarity of proposals, problems and projects: one function, used everywhere here.

``text_similarity`` is the Jaccard index of the two texts' sets of character bigrams, as
the matching engine's analyser produces them (overlapping CJK bigrams, Latin and digit
runs whole, full-width folded). It needs no index and no model, so it works on any two
texts at request time, which is what duplicate checks need: the engine's ``similar_items``
only compares indexed catalog records.

Thresholds, measured on a labelled set of 12 proposal pairs
(``tests/challenges/similarity_pairs.py``, checked by ``test_similarity.py``): a proposal
re-sent to another call with light edits (title or figures changed, a sentence added or
dropped) scores 0.76–0.92; two proposals on the same problem written independently score
0.02–0.06; proposals on different problems 0.00–0.03. 0.5 separates the re-sent pairs
from the rest with a wide margin on both sides. The set has no paraphrased re-sends (the
same ideas reworded): bigram Jaccard measures shared wording, so the threshold makes no
claim about them.

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
