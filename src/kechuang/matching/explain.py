"""Explanations of search hits: the terms a hit shares with the query (by field), its
component scores and ranks, the passage that matched best, and a ``<mark>``-highlighted
snippet. Used by ``Engine.search`` and ``Engine.similar``.

Only terms a person can check are explained and highlighted (``explainable``): words of
two or more characters, or terms of the dictionary; never a lone character, digit or
number (温, 0, 2023), unless the query is that one word."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kechuang.matching import fusion
from kechuang.matching.analysis import Analyzer
from kechuang.matching.backends.base import Backend, Vector
from kechuang.matching.config import EngineConfig
from kechuang.matching.related import RELATED_ATTR
from kechuang.matching.types import Hit

if TYPE_CHECKING:
    from kechuang.matching.engine import Engine

_NUMBER = re.compile(r"[0-9.+#_\-]+")


def is_term(analyzer: Analyzer, token: str) -> bool:
    """A word worth showing as shared: a dictionary term, or two or more characters that
    are not just a number."""
    if analyzer.is_known(token):
        return True
    return len(token) >= 2 and not _NUMBER.fullmatch(token)


def explainable(analyzer: Analyzer, words: Sequence[str]) -> list[str]:
    """The query words that may be explained and highlighted, most useful first: terms of
    the dictionary, then the others, each in the query's order (``similar`` asks with a
    record's most frequent words first). A query of one word keeps it, whatever it is."""
    distinct = list(dict.fromkeys(words))
    kept = [t for t in distinct if is_term(analyzer, t)]
    if not kept and len(distinct) == 1:
        kept = distinct
    return sorted(kept, key=lambda t: not analyzer.is_known(t))


def without_parts(terms: Sequence[str]) -> list[str]:
    """``terms`` without those inside another one shown (电池 beside 锂离子电池)."""
    return [t for t in terms if not any(t != other and t in other for other in terms)]


@dataclass
class Side:
    """One side's per-document scores, with the unit that scored best."""

    scores: dict[str, float] = field(default_factory=dict)
    best_unit: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    # after feedback: the query's own vector and the first pass's cosines to it, so the
    # similarity shown is still "how close is this to what was asked"
    query_vector: Vector | None = None
    query_scores: dict[str, float] = field(default_factory=dict)


def hits(
    engine: Engine,
    page: Sequence[tuple[str, float]],
    lexical: Side,
    dense: Side,
    *,
    query_words: Sequence[str],
) -> list[Hit]:
    if not page:
        return []
    docs = engine.backend.fetch([doc_id for doc_id, _ in page])
    lexical_ranks = fusion.ranks(lexical.scores)
    dense_ranks = fusion.ranks(dense.scores)
    similarity = query_similarity(engine.backend, [doc_id for doc_id, _ in page], dense)
    wanted = explainable(engine.analyzer, query_words)
    hits = []
    for doc_id, score in page:
        doc = docs.get(doc_id)
        if doc is None:  # removed between search and fetch
            continue
        unit = best_unit(engine.config, doc_id, lexical, dense)
        passage = doc.passages[unit - 1] if 0 < unit <= len(doc.passages) else None
        by_field: dict[str, list[str]] = {}
        for name, text in (
            ("title", doc.title),
            ("keywords", doc.keywords),
            ("body", doc.body),
            ("passage", passage or ""),
        ):
            if text:
                present = {token for token, _, _ in engine.analyzer.find(text, wanted)}
                found = [t for t in wanted if t in present]
                if found:
                    by_field[name] = found
        shared = without_parts([t for t in wanted if any(t in v for v in by_field.values())])
        borrowed = set(doc.attrs.get(RELATED_ATTR) or ())
        related = [t for t in wanted if t in borrowed and t not in shared]
        snippet_source = passage or next(
            (text for name, text in (("body", doc.body), ("title", doc.title)) if name in by_field),
            doc.body or doc.title or doc.keywords,
        )
        hits.append(
            Hit(
                id=doc_id,
                kind=doc.kind,
                score=float(score),
                lexical_score=lexical.scores.get(doc_id),
                dense_score=similarity.get(doc_id),
                lexical_rank=lexical_ranks.get(doc_id),
                dense_rank=dense_ranks.get(doc_id),
                shared_terms=shared,
                shared_terms_by_field=by_field,
                related_terms=related,
                best_passage=passage,
                snippet=engine.snippet(snippet_source, wanted),
            )
        )
    return hits


def query_similarity(backend: Backend, ids: Sequence[str], dense: Side) -> dict[str, float]:
    """The dense score to show: the cosine to the query as asked, also after feedback
    ranked the dense side by the expanded vector (the platform filters and explains
    results by this similarity)."""
    if dense.query_vector is None:
        return dense.scores
    shown = {d: dense.query_scores[d] for d in ids if d in dense.query_scores}
    missing = [(d, dense.best_unit[d]) for d in ids if d not in shown and d in dense.scores]
    if missing:
        query = np.asarray(dense.query_vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        for (doc_id, _), vector in zip(missing, backend.unit_vectors(missing), strict=True):
            if vector is not None:
                unit = np.asarray(vector, dtype=np.float32)
                shown[doc_id] = float(unit @ query / max(float(np.linalg.norm(unit)), 1e-12))
    return shown


def best_unit(config: EngineConfig, doc_id: str, lexical: Side, dense: Side) -> int:
    lex_unit = lexical.best_unit.get(doc_id)
    dense_unit = dense.best_unit.get(doc_id)
    if lex_unit is None or dense_unit is None or lex_unit == dense_unit:
        return next((u for u in (dense_unit, lex_unit) if u is not None), 0)
    lex = fusion.normalise_scores(lexical.scores, "max").get(doc_id, 0.0)
    den = fusion.normalise_scores(dense.scores, "max").get(doc_id, 0.0)
    if lex * config.lexical_weight >= den * config.dense_weight:
        return lex_unit
    return dense_unit


def snippet(
    analyzer: Analyzer, text: str, terms: Iterable[str], *, width: int, max_chars: int
) -> str:
    """Up to ``width`` characters of ``text`` around the densest run of ``terms``.

    Matched words (synonyms included) are wrapped in ``<mark>``; everything else is
    HTML-escaped.
    """
    text = (text or "")[:max_chars]
    spans = [(s, e) for _, s, e in analyzer.find(text, terms)]
    if spans:
        best_start, best_count = spans[0][0], 0
        for start, _ in spans:
            window_start = max(0, start - width // 6)
            count = sum(1 for s, e in spans if s >= window_start and e <= window_start + width)
            if count > best_count:
                best_start, best_count = window_start, count
    else:
        best_start = 0
    start = best_start
    end = min(len(text), start + width)
    if end - start < width:
        start = max(0, end - width)
    pieces = []
    cursor = start
    for s, e in spans:
        if s < start or e > end or s < cursor:
            continue
        pieces.append(html.escape(text[cursor:s]))
        pieces.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    pieces.append(html.escape(text[cursor:end]))
    out = "".join(pieces).strip()
    if start > 0:
        out = "…" + out
    if end < len(text):
        out += "…"
    return out
