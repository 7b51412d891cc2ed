"""Affinity of experts for review items: how well each expert knows each item's subject.

``affinity_matrix(experts, items)`` is what the assignment maximises (rows = experts,
columns = items, like ``review.assignment``). Two ways behind the one function:

- the matching engine (``kechuang.matching``), when it is available: each item is asked
  as a "more like this" document against the expert index, and an expert scores as the
  engine scores them — by their best-matching work (passage). The affinity is the hit's
  dense cosine similarity when the engine embeds (it is absolute, so it compares across
  items and experts; the fused score is min–max normalised per query and does not — on
  the gold standard the dense side ranks papers per reviewer with loss 0.207, the
  per-query fused score 0.281, see docs/benchmarks.md), else its raw BM25 score. An expert
  the engine does not return among its candidates (``CANDIDATES``), or who is not in
  the public index at all, gets 0;
- otherwise keyword overlap: the jieba tokens (the engine's own analyser, with its
  synonyms and stopwords) of the item's title and text against the tokens of the
  expert's keywords and work titles, as the Ochiai coefficient |I ∩ E| / √(|I|·|E|)
  (0 when either side is empty). It is symmetric in size, so a long text does not
  drown a short keyword list.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from kechuang.matching.analysis import Analyzer

log = logging.getLogger(__name__)

CANDIDATES = 500


class Reviewable(Protocol):
    pk: Any
    title: str
    text: str


def _analyzer() -> Analyzer:
    return Analyzer.default()


def expert_terms(expert: Any) -> set[str]:
    """The expert's keywords and work titles, analysed."""
    works = " ".join(w.title for w in expert.works.all())
    return set(_analyzer().words(f"{expert.keywords} {works}"))


def item_terms(item: Reviewable) -> set[str]:
    return set(_analyzer().words(f"{item.title} {item.text}"))


def overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def keyword_affinity(experts: Sequence[Any], items: Sequence[Reviewable]) -> NDArray[np.float64]:
    e_terms = [expert_terms(e) for e in experts]
    i_terms = [item_terms(i) for i in items]
    out = np.zeros((len(experts), len(items)), dtype=np.float64)
    for r, et in enumerate(e_terms):
        for a, it in enumerate(i_terms):
            out[r, a] = overlap(et, it)
    return out


def _component(hit: Any) -> float:
    """Dense cosine if the engine embeds, else raw BM25, else the fused score: the first
    two are comparable across queries (items), the fused score is not."""
    for value in (hit.dense_score, hit.lexical_score, hit.score):
        if value is not None:
            return float(value)
    return 0.0


def engine_affinity(
    experts: Sequence[Any], items: Sequence[Reviewable]
) -> NDArray[np.float64] | None:
    """The engine's scores, or None when the engine is unavailable."""
    from kechuang.matching import indexing
    from kechuang.matching.types import Document

    row = {f"expert:{e.pk}": r for r, e in enumerate(experts)}
    out = np.zeros((len(experts), len(items)), dtype=np.float64)
    try:
        engine = indexing.get_engine()
        for a, item in enumerate(items):
            doc = Document(
                id=f"review_item:{item.pk}", kind="review_item", title=item.title, body=item.text
            )
            for hit in engine.similar(doc, kinds=("expert",), limit=CANDIDATES):
                r = row.get(hit.id)
                if r is not None:
                    out[r, a] = max(0.0, _component(hit))
    except indexing.SearchUnavailable:
        return None
    except indexing.ENGINE_ERRORS as exc:
        indexing.engine_failed(exc)
        log.warning("matching engine failed; review affinity falls back to keywords: %s", exc)
        return None
    return out


def affinity_matrix(experts: Sequence[Any], items: Sequence[Reviewable]) -> NDArray[np.float64]:
    """(len(experts), len(items)) affinities ≥ 0: the engine's, else keyword overlap.
    Pass experts with ``works`` prefetched."""
    if not experts or not items:
        return np.zeros((len(experts), len(items)), dtype=np.float64)
    found = engine_affinity(experts, items)
    return found if found is not None else keyword_affinity(experts, items)


def shared_terms(expert: Any, item: Reviewable, *, limit: int = 5) -> list[str]:
    """Terms the expert's profile and the item share (for the reason of an assignment)."""
    return sorted(expert_terms(expert) & item_terms(item))[:limit]
