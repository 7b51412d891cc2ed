"""What every search backend offers the ``Engine``, and the errors they raise.

The engine analyses text, embeds it, fuses and explains; a backend stores prepared units
and answers one side at a time. A ``Document`` becomes one unit for its title, keywords
and body (``unit == 0``, skipped when all three are empty) and one unit per passage
(``unit == i + 1`` for ``passages[i]``).

Filter semantics live here, once, for every backend: ``filter_terms`` expands a
document's attributes into the terms a filter value is compared with (a region code is
indexed as all its prefixes, so a province filter is one term), ``Filters.matches``
checks them in Python (for the dense side's candidates) and backends translate the same
terms into their own query language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from kechuang.matching.types import Document

Vector = npt.NDArray[np.float32]

#: Lexical fields: words (``_w``) and character bigrams (``_b``) of each part;
#: ``related`` holds the words borrowed from a document's neighbours (``related.py``).
TEXT_PARTS = ("title", "keywords", "body", "passage", "related")
LEXICAL_FIELDS = tuple(f"{part}_{kind}" for part in TEXT_PARTS for kind in ("w", "b"))
#: Multi-valued filter fields: the attribute terms of ``filter_terms``.
TERM_FILTERS = ("region", "industry", "discipline", "mode", "org")


class MatchingError(Exception):
    """Base of the matching engine's errors."""

    code = "matching_error"


class IndexCorrupted(MatchingError):
    """An index file is missing, truncated or inconsistent: rebuild it from the database."""

    code = "index_corrupted"


class EmbedderMismatch(MatchingError):
    """The index was built with another embedding model (or none): run ``kechuang reindex``."""

    code = "embedder_mismatch"


class IndexBusy(MatchingError):
    """Another process holds the write lock for longer than the configured wait."""

    code = "index_busy"


class UnknownFilter(MatchingError, ValueError):
    """A filter key the engine does not know (a programming error, not user input)."""

    code = "unknown_filter"


# --- filter terms ------------------------------------------------------------------


def _region_key(code: str) -> str:
    """GB/T 2260 code without trailing zero pairs: 330000 → 33, 330100 → 3301."""
    code = str(code).strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_terms(code: str) -> list[str]:
    key = _region_key(code)
    return [key[:n] for n in (2, 4, 6) if len(key) >= n] or ([key] if key else [])


def industry_terms(code: str) -> list[str]:
    """GB/T 4754: section letter, then division (2 digits), group, class."""
    code = str(code).strip().upper()
    if not code:
        return []
    return [code[:n] for n in (1, 3, 4, 5) if len(code) >= n]


def discipline_terms(code: str) -> list[str]:
    """GB/T 13745: 3-digit first level, 5-digit second level, 7-digit third level."""
    code = str(code).strip()
    return [code[:n] for n in (3, 5, 7) if len(code) >= n] or ([code] if code else [])


def org_terms(path: str) -> list[str]:
    """``/1/4/17/`` → ``/1/``, ``/1/4/``, ``/1/4/17/``."""
    parts = [p for p in str(path).split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v is not None and v != ""]
    return [value]


def date_number(value: Any) -> int | None:
    """``2026-03-05`` (or a date/datetime) → 20260305; None when absent or unreadable."""
    if value is None or value == "":
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    digits = text[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else None


def filter_terms(attrs: Mapping[str, Any]) -> dict[str, list[str]]:
    """The terms a document is indexed under, per filter field."""
    terms: dict[str, list[str]] = {name: [] for name in TERM_FILTERS}
    for code in _as_list(attrs.get("region")):
        terms["region"].extend(region_terms(code))
    for code in _as_list(attrs.get("industry")) + _as_list(attrs.get("industries")):
        terms["industry"].extend(industry_terms(code))
    for code in _as_list(attrs.get("disciplines")) + _as_list(attrs.get("discipline")):
        terms["discipline"].extend(discipline_terms(code))
    for code in _as_list(attrs.get("modes")) + _as_list(attrs.get("mode")):
        terms["mode"].append(str(code).strip())
    for path in _as_list(attrs.get("org_path")):
        terms["org"].extend(org_terms(path))
    return {name: sorted(set(values)) for name, values in terms.items()}


def trl_value(attrs: Mapping[str, Any]) -> int | None:
    value = attrs.get("trl")
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Filters:
    """Parsed ``Query.filters`` and ``Query.kinds``; every present condition must hold.

    Keys: ``region`` (code or codes: any, prefix semantics — 330000 matches all of
    Zhejiang), ``industry`` (section ``C`` or division ``C38`` …), ``disciplines`` /
    ``discipline``, ``modes`` / ``mode`` (any of), ``org_path`` (subtree), ``trl``
    (minimum) or ``trl_min`` / ``trl_max``, ``published_from`` / ``published_to`` (ISO
    dates, inclusive). Unknown filter values simply match nothing.
    """

    kinds: tuple[str, ...] = ()
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field → any of
    trl_min: int | None = None
    trl_max: int | None = None
    published_from: int | None = None
    published_to: int | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.kinds
            or self.terms
            or self.trl_min is not None
            or self.trl_max is not None
            or self.published_from is not None
            or self.published_to is not None
        )

    def matches(self, kind: str, attrs: Mapping[str, Any]) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.terms:
            doc_terms = filter_terms(attrs)
            for name, wanted in self.terms.items():
                if not set(wanted) & set(doc_terms.get(name, ())):
                    return False
        if self.trl_min is not None or self.trl_max is not None:
            trl = trl_value(attrs)
            if trl is None:
                return False
            if self.trl_min is not None and trl < self.trl_min:
                return False
            if self.trl_max is not None and trl > self.trl_max:
                return False
        if self.published_from is not None or self.published_to is not None:
            published = date_number(attrs.get("published"))
            if published is None:
                return False
            if self.published_from is not None and published < self.published_from:
                return False
            if self.published_to is not None and published > self.published_to:
                return False
        return True


_TERM_KEYS = {
    "region": ("region", lambda v: [_region_key(v)]),
    "industry": ("industry", lambda v: [str(v).strip().upper()]),
    "industries": ("industry", lambda v: [str(v).strip().upper()]),
    "discipline": ("discipline", lambda v: [str(v).strip()]),
    "disciplines": ("discipline", lambda v: [str(v).strip()]),
    "mode": ("mode", lambda v: [str(v).strip()]),
    "modes": ("mode", lambda v: [str(v).strip()]),
    "org_path": ("org", lambda v: org_terms(v)[-1:] or [str(v)]),
}


def _bound(value: Any, *, unreadable: int) -> int | None:
    """An integer bound; an unreadable one becomes ``unreadable`` so it matches nothing."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return unreadable


def parse_filters(filters: Mapping[str, Any], kinds: Iterable[str] = ()) -> Filters:
    """``Query.filters`` → ``Filters``; raises ``UnknownFilter`` for an unknown key."""
    terms: dict[str, list[str]] = {}
    trl_min = trl_max = published_from = published_to = None
    for key, value in filters.items():
        if key in _TERM_KEYS:
            name, convert = _TERM_KEYS[key]
            values = [t for v in _as_list(value) for t in convert(v) if t]
            if values:
                terms.setdefault(name, []).extend(values)
        elif key in ("trl", "trl_min"):
            trl_min = _bound(value, unreadable=10**9)
        elif key == "trl_max":
            trl_max = _bound(value, unreadable=-1)
        elif key == "published_from":
            published_from = date_number(value) if value else None
            if value and published_from is None:
                published_from = 10**9
        elif key == "published_to":
            published_to = date_number(value) if value else None
            if value and published_to is None:
                published_to = -1
        else:
            raise UnknownFilter(f"unknown filter: {key!r}")
    return Filters(
        kinds=tuple(dict.fromkeys(k for k in kinds if k)),
        terms={name: tuple(dict.fromkeys(values)) for name, values in terms.items()},
        trl_min=trl_min,
        trl_max=trl_max,
        published_from=published_from,
        published_to=published_to,
    )


# --- what crosses the engine/backend boundary --------------------------------------


@dataclass(frozen=True)
class Unit:
    """One scored part of a document: ``index`` 0 is title/keywords/body, i ≥ 1 passage i-1."""

    index: int
    fields: dict[str, str]  # LEXICAL_FIELDS name → space-joined analysed tokens
    vector: Vector | None = None


@dataclass(frozen=True)
class PreparedDoc:
    doc: Document
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class UnitHit:
    doc_id: str
    kind: str
    unit: int
    score: float


class Backend(Protocol):
    """Storage and one-sided search. Implementations: ``local`` (tantivy + usearch) and
    ``milvus`` (pymilvus: Milvus standalone/cluster, or milvus-lite)."""

    name: str

    def write(self, docs: Sequence[PreparedDoc], *, commit: bool = True) -> int:
        """Insert or replace (by id) documents with all their units; returns how many."""
        ...

    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int:
        """Remove documents and all their units; returns how many existed."""
        ...

    def commit(self) -> None:
        """Make pending writes durable and visible to other readers."""
        ...

    def rollback(self) -> None:
        """Drop pending writes and release the write lock."""
        ...

    def lexical(
        self, clauses: Sequence[tuple[str, str, float]], filters: Filters, limit: int
    ) -> list[UnitHit]:
        """BM25 over ``(field, token, boost)`` SHOULD clauses; best units first."""
        ...

    def dense(self, vector: Vector, filters: Filters, limit: int) -> list[UnitHit]:
        """Nearest units by cosine similarity (score = 1 - distance); best first."""
        ...

    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        """The stored documents (for explanations and ``similar``)."""
        ...

    def unit_vectors(self, units: Sequence[tuple[str, int]]) -> list[Vector | None]:
        """The stored vectors of ``(doc_id, unit)`` pairs, in order; ``None`` where there
        is none (no such unit, or an index without vectors)."""
        ...

    def count(self) -> int: ...

    def unit_count(self) -> int: ...

    def info(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
