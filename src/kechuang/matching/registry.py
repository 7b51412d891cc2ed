"""The registry of search sources: what each app puts in the index, registered by the app.

Each app with searchable records declares them in its ``search.py`` (a ``SearchSource``
per kind) and registers them from its ``AppConfig.ready()``. ``matching`` asks this
registry — to rebuild, to keep only public hits, to link and title them — and never
imports the apps above it (docs/architecture.md, "Search without import circles").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise

from kechuang.matching.types import Document


@dataclass(frozen=True)
class SearchSource:
    """One kind of indexed record, declared by the app that owns it (``<app>/search.py``)."""

    kind: str
    label: Promise
    model: type[Model]
    queryset: Callable[[], QuerySet[Any]]  # the public rows, prefetched for ``document``
    document: Callable[[Any], Document]
    is_public: Callable[[Any], bool]  # the same rule as ``queryset``, on one loaded row
    url: Callable[[Any], str]  # the record's page
    title: Callable[[Any], str]
    # the kind's gatekeeper (its ``access.py``): the record ``user`` may see, else NotFound
    access: Callable[[Any, int], Any]
    # the organisations each record belongs to (a record is never recommended to its own)
    owners: Callable[[Sequence[Any]], list[set[int]]]
    # the database's keyword search when the engine is unavailable, for ``SearchParams``;
    # None when the kind cannot answer those filters (it then shows no results)
    keyword_search: Callable[[Any], QuerySet[Any] | None]
    # every row (public or not) inside an organisation subtree, by path prefix
    under: Callable[[str], QuerySet[Any]]
    order: int = 100  # display order among the kinds (facets, sections)
    # which public rows may be recommended (organisations: enterprises only); None: all
    recommend: Callable[[Any], bool] | None = None
    # models whose rows are parts of a record: (model, the record's pk) — an expert's works
    parts: tuple[tuple[type[Model], Callable[[Any], int]], ...] = ()
    # the record's API address (the search API's ``api_url``), for kinds outside the catalog
    api_url: Callable[[Any], str] | None = None


_registered: dict[str, SearchSource] = {}
_sorted: dict[str, SearchSource] | None = None

# What each kind of record is matched with (source kind → target kinds, in panel order);
# an app adds its own pairs with ``recommend`` from its ``AppConfig.ready()``.
RECOMMENDS: dict[str, tuple[str, ...]] = {
    "need": ("expert", "achievement"),
    "achievement": ("need", "organization"),
    "expert": ("need",),
}


def recommend(kind: str, *targets: str) -> None:
    """Match records of ``kind`` with ``targets`` too (appended, each pair once)."""
    RECOMMENDS[kind] = tuple(dict.fromkeys((*RECOMMENDS.get(kind, ()), *targets)))


def register(*found: SearchSource) -> None:
    """Add (or replace, by kind) search sources; called from an ``AppConfig.ready()``."""
    global _sorted
    for source in found:
        _registered[source.kind] = source
    _sorted = None


def sources() -> dict[str, SearchSource]:
    """Every indexed kind, in display order: needs, achievements, experts, organisations."""
    global _sorted
    if _sorted is None:
        ranked = sorted(_registered.values(), key=lambda s: s.order)
        _sorted = {source.kind: source for source in ranked}
    return _sorted


def doc_id(kind: str, pk: Any) -> str:
    return f"{kind}:{pk}"


def parse_doc_id(value: str) -> tuple[str, int] | None:
    """``"need:12"`` → ``("need", 12)``; None for anything else."""
    kind, _, pk = str(value).partition(":")
    if kind not in sources() or not pk.isdigit() or len(pk) > 18:
        return None
    return kind, int(pk)


# Pairs a higher app knows must not be recommended (a declined engagement: ``need:12`` ✗
# ``expert:7``), for everyone; registered from that app's ``AppConfig.ready()``.
_pair_exclusions: list[Callable[[str], set[str]]] = []


def register_pair_exclusion(excluded: Callable[[str], set[str]]) -> None:
    """``excluded(doc_id)`` answers the documents never to recommend with ``doc_id``."""
    if excluded not in _pair_exclusions:
        _pair_exclusions.append(excluded)


def excluded_pairs(doc_id: str) -> set[str]:
    out: set[str] = set()
    for excluded in _pair_exclusions:
        out |= excluded(doc_id)
    return out
