"""Preparing documents for the index: analysis, embedding and related terms per unit.

``Engine.upsert`` hands its batches here; what comes back is written by the backend.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kechuang.common import metrics
from kechuang.matching.backends.base import PreparedDoc, Unit
from kechuang.matching.related import RELATED_ATTR, RelatedTerms
from kechuang.matching.types import Document

if TYPE_CHECKING:
    from kechuang.matching.engine import Engine


def prepare_documents(
    engine: Engine,
    docs: Sequence[Document],
    *,
    reuse_vectors: bool = False,
    related: RelatedTerms | None = None,
) -> list[PreparedDoc]:
    """Analyse and embed documents into the units the backend stores: one unit for
    title/keywords/body, one per passage; with ``related``, the main unit borrows the
    words of its neighbours (``related.py``)."""
    docs = list(docs)
    analyzer = engine.analyzer
    limit = engine.config.max_doc_chars
    texts: list[str] = []
    slots: list[tuple[int, int]] = []  # (doc position, unit position) per text
    units_per_doc: list[list[dict[str, Any]]] = []
    for position, doc in enumerate(docs):
        units: list[dict[str, Any]] = []
        own = engine.embed_text(doc)
        if own:
            fields = {}
            for part, text in (
                ("title", doc.title),
                ("keywords", doc.keywords),
                ("body", doc.body),
            ):
                fields[f"{part}_w"] = " ".join(analyzer.words(text, max_chars=limit))
                fields[f"{part}_b"] = " ".join(analyzer.bigrams(text, max_chars=limit))
            units.append({"index": 0, "fields": fields})
            texts.append(own)
            slots.append((position, len(units) - 1))
        for i, passage in enumerate(doc.passages):
            if not passage or not passage.strip():
                continue
            units.append(
                {
                    "index": i + 1,
                    "fields": {
                        "passage_w": " ".join(analyzer.words(passage, max_chars=limit)),
                        "passage_b": " ".join(analyzer.bigrams(passage, max_chars=limit)),
                    },
                }
            )
            texts.append(passage[:limit])
            slots.append((position, len(units) - 1))
        units_per_doc.append(units)
    if engine.embedder is not None and texts:
        if reuse_vectors:  # the stored vectors of the same texts: no embedding
            keys = [(docs[p].id, units_per_doc[p][u]["index"]) for p, u in slots]
            stored = engine.backend.unit_vectors(keys)
            for (position, unit), vector in zip(slots, stored, strict=True):
                if vector is not None:
                    units_per_doc[position][unit]["vector"] = vector
            todo = [j for j, (p, u) in enumerate(slots) if "vector" not in units_per_doc[p][u]]
        else:
            todo = list(range(len(texts)))
        batch = engine.config.embed_batch
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            started = time.monotonic()
            vectors = engine.embedder.embed([texts[j] for j in chunk], query=False)
            metrics.EMBEDDING_SECONDS.inc(time.monotonic() - started)
            metrics.EMBEDDED_ITEMS.inc(len(chunk))
            for vector, j in zip(vectors, chunk, strict=True):
                position, unit = slots[j]
                units_per_doc[position][unit]["vector"] = vector
        if related is not None:
            for position, (doc, units) in enumerate(zip(docs, units_per_doc, strict=True)):
                main = units[0] if units and units[0]["index"] == 0 else None
                if main is None or main.get("vector") is None:
                    continue
                fields = main["fields"]
                own_words = frozenset(
                    " ".join(fields[f"{part}_w"] for part in ("title", "keywords", "body")).split()
                )
                borrowed = related.terms(doc.id, main["vector"], own_words)
                terms = " ".join(borrowed)
                fields["related_w"] = terms
                fields["related_b"] = " ".join(analyzer.bigrams(terms))
                if borrowed:  # stored with the document, for explanations (never a filter)
                    attrs = {**doc.attrs, RELATED_ATTR: borrowed}
                    docs[position] = dataclasses.replace(doc, attrs=attrs)
    return [
        PreparedDoc(
            doc=doc,
            units=tuple(
                Unit(index=u["index"], fields=u["fields"], vector=u.get("vector")) for u in units
            ),
        )
        for doc, units in zip(docs, units_per_doc, strict=True)
    ]
