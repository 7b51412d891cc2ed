"""Reads of the matching app: recommendations and similar items.

A record's matches are the engine's nearest documents of the kinds it is matched with
(``RECOMMENDS``), re-checked like search hits (``searching.resolve_hits``), minus what
the viewer dismissed, the pairs declined in an engagement (``registry.excluded_pairs``),
the records of the source's own organisations, and what falls below
``calibration.RECOMMEND_FROM``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.matching import indexing
from kechuang.matching.indexing import SearchUnavailable
from kechuang.matching.models import Dismissal
from kechuang.matching.registry import excluded_pairs
from kechuang.matching.selectors.searching import (
    RECOMMENDS,
    Result,
    recommendable,
    relevant,
    resolve_hits,
)
from kechuang.matching.types import Document

# ---------------------------------------------------------------- recommendations


def source_document(kind: str, obj: Any) -> Document:
    """The document of a record whatever its status (a draft's owner sees matches too)."""
    return indexing.sources()[kind].document(obj)


@gatekeeper("match")
def access_source(user: Any, source: str) -> Any:
    """The record behind a source id, if ``user`` may see it (else ``NotFound``)."""
    parsed = indexing.parse_doc_id(source)
    if parsed is None:
        raise NotFound()
    kind, pk = parsed
    return indexing.sources()[kind].access(user, pk)


def dismissed_targets(user: Any, source: str) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Dismissal.objects.filter(user=user, source=source).values_list("target", flat=True))


def _target_filter(target: str) -> Any:
    recommend = indexing.sources()[target].recommend
    if recommend is None:
        return None
    return lambda kind, obj: recommend(obj)


def own_organizations(kind: str, objs: Sequence[Any]) -> list[set[int]]:
    """The organisations each record belongs to: an organisation itself, a need's or an
    achievement's publisher, an expert's unit and memberships (each kind's ``owners``)."""
    return indexing.sources()[kind].owners(objs)


def not_own(kind: str, obj: Any, results: Sequence[Result]) -> list[Result]:
    """``results`` without the records of ``obj``'s own organisations: an expert is never
    recommended for their own organisation's need, nor an organisation its own items."""
    mine = own_organizations(kind, [obj])[0]
    if not mine or not results:
        return list(results)
    by_kind: dict[str, list[Result]] = {}
    for result in results:
        by_kind.setdefault(result.kind, []).append(result)
    theirs: dict[str, set[int]] = {}
    for target, group in by_kind.items():
        for result, orgs in zip(
            group, own_organizations(target, [r.obj for r in group]), strict=True
        ):
            theirs[result.doc_id] = orgs
    return [r for r in results if not (theirs[r.doc_id] & mine)]


@dataclass
class Recommendations:
    results: list[Result]
    degraded: bool = False


@gatekeeper("match")
def recommendations(
    user: Any, kind: str, obj: Any, target: str, *, limit: int = 5
) -> Recommendations:
    """Public ``target`` records matched to ``obj`` (which the caller has already let
    ``user`` see), minus what ``user`` dismissed for it."""
    if target not in RECOMMENDS.get(kind, ()):
        raise ValidationFailed(fields={"target": [_("不支持的推荐类型。")]})
    source = indexing.doc_id(kind, obj.pk)
    # what the viewer dismissed, and pairs declined in an engagement (for everyone)
    excluded = dismissed_targets(user, source) | excluded_pairs(source) | {source}
    keep = _target_filter(target)
    # the own organisation's records and those below the cut-off are dropped after the engine
    overfetch = limit * 4 + 5
    try:
        engine = indexing.get_engine()
        hits = engine.similar(
            source_document(kind, obj), kinds=(target,), limit=overfetch, exclude_ids=excluded
        )
    except SearchUnavailable:
        return Recommendations(results=[], degraded=True)
    except indexing.ENGINE_ERRORS as exc:
        indexing.engine_failed(exc)
        return Recommendations(results=[], degraded=True)
    results = [
        r
        for r in resolve_hits(relevant(hits), keep=keep, context="similar")
        if r.doc_id not in excluded
    ]
    results = recommendable(not_own(kind, obj, results))
    return Recommendations(results=results[:limit])


@gatekeeper("match")
def similar_hits(
    document: Document,
    *,
    kinds: tuple[str, ...] = (),
    limit: int = 5,
    exclude_ids: frozenset[str] = frozenset(),
) -> list[Result]:
    """Public records most like ``document`` (which need not be indexed: a draft), as
    relevant as a recommendation must be (``recommendable``)."""
    try:
        engine = indexing.get_engine()
        hits = engine.similar(
            document, kinds=kinds, limit=limit + 5, exclude_ids=exclude_ids | {document.id}
        )
    except SearchUnavailable:
        return []
    except indexing.ENGINE_ERRORS as exc:
        indexing.engine_failed(exc)
        return []
    return recommendable(resolve_hits(relevant(hits), context="similar"))[:limit]
