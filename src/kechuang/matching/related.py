"""Related terms: the words a document's nearest neighbours use and it does not.

A short need or an abstract often leaves out the very words a searcher types (t1 in
docs/benchmarks.md: the author keywords are deleted from the paper, and BM25 can only
match what is left). Documents on the same topic use those words. So, when a document is
indexed, its ``related_neighbours`` nearest documents (by their passage vectors, among the
documents already indexed) lend it their distinctive words: each word a neighbour uses
and the document does not scores ``Σ cosine(document, neighbour) × idf(word)`` over the
neighbours; the best ``related_terms`` go into the document's ``related`` lexical field,
which the lexical side searches with ``related_boost`` (lower than the document's own
words). This is document expansion by nearest neighbours (cluster-based retrieval, Kurland
& Lee 2004; Tao et al. 2006). The idf is jieba's general-language table
(``jieba.analyse``), so a word's weight does not depend on what else is indexed.

The index holds only public documents, so borrowed words come only from public text. A
document indexed into an empty index borrows nothing; ``kechuang reindex`` (and the
benchmark harness) index everything twice so every document borrows from all the others.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from kechuang.matching.backends.base import Filters, Vector
from kechuang.matching.types import Document

if TYPE_CHECKING:
    from kechuang.matching.engine import Engine


@cache
def idf() -> Callable[[str], float]:
    """jieba's idf table (270,000 words); unknown words get its median idf."""
    import jieba.analyse

    table = jieba.analyse.default_tfidf
    known, median = table.idf_freq, table.median_idf
    return lambda word: known.get(word, median)


#: The key under which a document's borrowed words are stored with it (``Document.attrs``),
#: so explanations can tell a match through them from a shared word.
RELATED_ATTR = "related_terms"

#: Neighbours' analysed words kept per ``RelatedTerms`` (one ``Engine.upsert`` call).
WORDS_KEPT = 50_000


class RelatedTerms:
    """Borrowed words for the documents of one ``Engine.upsert`` call, reading neighbours
    from the engine's committed index (a neighbour's words are analysed once per call, up
    to ``WORDS_KEPT`` neighbours)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._words: dict[str, frozenset[str]] = {}

    def words(self, doc: Document) -> frozenset[str]:
        text = "\n".join(p for p in (doc.title, doc.keywords, doc.body) if p)
        limit = self.engine.config.max_doc_chars
        return frozenset(w for w in self.engine.analyzer.words(text, max_chars=limit) if len(w) > 1)

    def terms(self, doc_id: str, vector: Vector, own: frozenset[str]) -> list[str]:
        """The words to borrow for ``doc_id`` (its passage ``vector``, its own analysed
        words ``own``, which are never borrowed)."""
        config = self.engine.config
        wanted = config.related_neighbours
        if wanted <= 0 or config.related_terms <= 0:
            return []
        neighbours: dict[str, float] = {}
        for hit in self.engine.backend.dense(vector, Filters(), (wanted + 1) * 2):
            if hit.doc_id != doc_id and hit.doc_id not in neighbours:
                neighbours[hit.doc_id] = hit.score
        chosen = sorted(neighbours.items(), key=lambda item: -item[1])[:wanted]
        missing = [doc_id for doc_id, _ in chosen if doc_id not in self._words]
        if len(self._words) + len(missing) > WORDS_KEPT:
            self._words.clear()
            missing = [doc_id for doc_id, _ in chosen]
        for doc_id, found in self.engine.backend.fetch(missing).items():
            self._words[doc_id] = self.words(found)
        weight_of = idf()
        weights: dict[str, float] = {}
        for doc_id, similarity in chosen:
            for word in self._words.get(doc_id, frozenset()) - own:
                weights[word] = weights.get(word, 0.0) + similarity * weight_of(word)
        best = heapq.nlargest(config.related_terms, weights.items(), key=lambda item: item[1])
        return [word for word, _ in best]
