"""The data that crosses the matching engine's boundary.

The platform turns its records into ``Document``s (``<app>/search.py``), the engine indexes
them and answers ``Query``s with ``Hit``s that carry their own explanation. Benchmarks use
the same types, so what is measured is what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["bm25", "dense", "hybrid"]


@dataclass(frozen=True)
class Document:
    """One searchable item.

    ``id`` is unique across kinds (``"need:12"``, ``"expert:7"``). ``passages`` are parts
    scored on their own — an expert's works — and the document scores as its best part
    (never as a blurred average); when empty, the document is one unit made of title,
    keywords and body, with field weights title > keywords > body.
    ``attrs`` are filterable values: ``region`` (GB/T 2260 code), ``industry``,
    ``disciplines`` (list), ``modes`` (cooperation modes, list), ``trl`` (int),
    ``org_path`` (the owning organisation's tree path), ``published`` (ISO date).
    """

    id: str
    kind: str
    title: str
    keywords: str = ""
    body: str = ""
    passages: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    text: str
    kinds: tuple[str, ...] = ()  # empty: every kind
    filters: dict[str, Any] = field(default_factory=dict)  # same keys as Document.attrs
    limit: int = 10
    offset: int = 0
    mode: Mode = "hybrid"
    exclude_ids: frozenset[str] = frozenset()


@dataclass
class Hit:
    """A result with the reasons a person can check."""

    id: str
    kind: str
    score: float
    lexical_score: float | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    dense_rank: int | None = None
    shared_terms: list[str] = field(default_factory=list)
    # the shared terms per field where they were found: title, keywords, body, passage
    shared_terms_by_field: dict[str, list[str]] = field(default_factory=dict)
    # query words this document does not contain but borrows from similar ones (related.py)
    related_terms: list[str] = field(default_factory=list)
    best_passage: str | None = None  # the work or passage that matched best
    snippet: str = ""  # highlighted with <mark>…</mark>, HTML-escaped otherwise
