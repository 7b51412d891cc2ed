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

People never see these numbers: where they come from the engine's cosine, each is shown as
its calibrated relevance (``kechuang.matching.calibration``: a record against experts,
read by the table of what matched, a work or the profile), the same label on the
candidate list, the assignment tab and in the reasons of an assignment. Keyword overlap
is not calibrated and shows no label.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from kechuang.matching import calibration
from kechuang.matching.analysis import Analyzer
from kechuang.matching.calibration import Relevance
from kechuang.matching.explain import explainable, without_parts

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


@dataclass(frozen=True)
class Affinities:
    """An (experts × items) affinity matrix and whether it holds the engine's cosines
    (which have a calibrated relevance) or keyword overlap (which has none)."""

    matrix: NDArray[np.float64]
    calibrated: bool
    # where the expert matched through one of their works (else their own profile text)
    through_work: NDArray[np.bool_] | None = None

    def relevance(self, r: int, a: int) -> Relevance | None:
        if not self.calibrated:
            return None
        work = bool(self.through_work[r, a]) if self.through_work is not None else False
        found = calibration.relevance(
            float(self.matrix[r, a]), context="similar", through_passage=work
        )
        assert found is not None
        return found


def describe(relevance: Relevance) -> str:
    """相关度高（约 78%）: for the reasons written with an assignment."""
    labels = {
        calibration.HIGH: _("相关度高"),
        calibration.MEDIUM: _("相关度中"),
        calibration.LOW: _("相关度低"),
    }
    return _("%(label)s（约 %(p)d%%）") % {"label": labels[relevance.label], "p": relevance.percent}


def engine_affinity(
    experts: Sequence[Any], items: Sequence[Reviewable]
) -> NDArray[np.float64] | None:
    """The engine's scores, or None when the engine is unavailable."""
    found = _engine_affinities(experts, items)
    return found.matrix if found is not None else None


def _engine_affinities(experts: Sequence[Any], items: Sequence[Reviewable]) -> Affinities | None:
    from kechuang.matching import indexing
    from kechuang.matching.types import Document

    row = {f"expert:{e.pk}": r for r, e in enumerate(experts)}
    out = np.zeros((len(experts), len(items)), dtype=np.float64)
    through = np.zeros((len(experts), len(items)), dtype=bool)
    cosines = False
    try:
        engine = indexing.get_engine()
        for a, item in enumerate(items):
            doc = Document(
                id=f"review_item:{item.pk}", kind="review_item", title=item.title, body=item.text
            )
            for hit in engine.similar(doc, kinds=("expert",), limit=CANDIDATES):
                cosines = cosines or hit.dense_score is not None
                r = row.get(hit.id)
                if r is not None:
                    out[r, a] = max(0.0, _component(hit))
                    through[r, a] = hit.best_passage is not None
    except indexing.SearchUnavailable:
        return None
    except indexing.ENGINE_ERRORS as exc:
        indexing.engine_failed(exc)
        log.warning("matching engine failed; review affinity falls back to keywords: %s", exc)
        return None
    return Affinities(out, calibrated=cosines, through_work=through)


def affinities(experts: Sequence[Any], items: Sequence[Reviewable]) -> Affinities:
    """(len(experts), len(items)) affinities ≥ 0: the engine's, else keyword overlap.
    Pass experts with ``works`` prefetched."""
    if not experts or not items:
        return Affinities(np.zeros((len(experts), len(items)), dtype=np.float64), False)
    found = _engine_affinities(experts, items)
    if found is not None:
        return found
    return Affinities(keyword_affinity(experts, items), calibrated=False)


def affinity_matrix(experts: Sequence[Any], items: Sequence[Reviewable]) -> NDArray[np.float64]:
    """The matrix of ``affinities`` (what the assignment maximises)."""
    return affinities(experts, items).matrix


def shared_terms(expert: Any, item: Reviewable, *, limit: int = 5) -> list[str]:
    """Terms the expert's profile and the item share (for the reason of an assignment):
    words a person can check (``matching.explain.explainable``), the item's order."""
    analyzer = _analyzer()
    mine = expert_terms(expert)
    words = analyzer.words(f"{item.title} {item.text}")
    shared = [t for t in explainable(analyzer, words) if t in mine]
    return without_parts(shared)[:limit]
