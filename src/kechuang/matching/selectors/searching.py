"""Reads of the matching app: search (what matches a query), and re-checking hits.

Every result is re-checked against the database before it is returned: the engine's
hits are only candidates, and a record that is not public (anymore) is dropped even if
the index still holds it. When the engine is unavailable (off, missing, corrupted),
search answers from the database's keyword search and says so (``degraded``).

Each result carries its calibrated ``relevance`` (``calibration.py``): what people see
instead of the engine's numbers. Recommendations and duplicate hints show nothing below
``calibration.RECOMMEND_FROM`` (an empty panel rather than padding), and never an item of
the source's own organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import ValidationFailed
from kechuang.matching import calibration, indexing, registry
from kechuang.matching.calibration import Context, Relevance
from kechuang.matching.indexing import SearchUnavailable
from kechuang.matching.types import Hit, Mode, Query

MAX_QUERY_CHARS = 500
# Candidates a search looks at: facets count within them, pages are cut from them.
MAX_CANDIDATES = 200

# What each kind of record is matched with (the registry's, extended by apps).
RECOMMENDS = registry.RECOMMENDS


@dataclass
class Result:
    """One search or recommendation result: the record and why it matched."""

    kind: str
    obj: Any
    hit: Hit | None
    url: str
    title: str
    # what the hit answered: a typed query (search) or a record (similar: recommendations,
    # duplicate hints); the two are calibrated separately
    context: Context = "search"

    @property
    def doc_id(self) -> str:
        return indexing.doc_id(self.kind, self.obj.pk)

    @property
    def label(self) -> Any:
        return indexing.sources()[self.kind].label

    @property
    def snippet(self) -> SafeString:
        # The engine escapes the text and adds only <mark> tags.
        return mark_safe(self.hit.snippet) if self.hit else mark_safe("")

    @property
    def similarity(self) -> float | None:
        """Cosine similarity (0–1) when dense vectors are on, else None (for integrators
        and staff; people see ``relevance``)."""
        if self.hit is None or self.hit.dense_score is None:
            return None
        return max(0.0, min(1.0, float(self.hit.dense_score)))

    @property
    def relevance(self) -> Relevance | None:
        """How often a result this similar was relevant (benchmark-calibrated), with its
        label; None without a similarity (no embeddings, or found by words only)."""
        if self.hit is None:
            return None
        return calibration.relevance(
            self.hit.dense_score,
            context=self.context,
            through_passage=self.hit.best_passage is not None,
        )


@dataclass
class SearchPage:
    results: list[Result]
    count: int  # results within the candidates (capped at MAX_CANDIDATES)
    facets: dict[str, int]  # kind → results of that kind, whatever kind is selected
    page: int
    page_size: int
    degraded: bool = False  # answered by the database, without ranking or reasons
    capped: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


@dataclass(frozen=True)
class SearchParams:
    q: str
    kinds: tuple[str, ...] = ()
    region: str = ""
    industry: str = ""
    discipline: str = ""
    cooperation_mode: str = ""
    trl_min: int | None = None
    mode: Mode = "hybrid"
    page: int = 1
    page_size: int = 20
    extra: dict[str, Any] = field(default_factory=dict)

    def engine_filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        if self.region:
            filters["region"] = self.region
        if self.industry:
            filters["industry"] = self.industry
        if self.discipline:
            filters["discipline"] = self.discipline
        if self.cooperation_mode:
            filters["mode"] = self.cooperation_mode
        if self.trl_min:
            filters["trl_min"] = self.trl_min
        return filters


def clean_params(
    *,
    q: str,
    kinds: Sequence[str] = (),
    region: str = "",
    industry: str = "",
    discipline: str = "",
    cooperation_mode: str = "",
    trl_min: int | None = None,
    mode: str = "hybrid",
    page: int = 1,
    page_size: int = 20,
) -> SearchParams:
    """Validate search input once for the page and the API; ``ValidationFailed`` lists all."""
    from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

    errors: dict[str, list[str]] = {}
    q = (q or "").strip()
    if not q:
        errors["q"] = [_("请输入要搜索的内容。")]
    elif len(q) > MAX_QUERY_CHARS:
        errors["q"] = [_("搜索内容不超过 %(n)d 个字。") % {"n": MAX_QUERY_CHARS}]
    elif not any(ch.isalnum() for ch in q):
        errors["q"] = [_("搜索内容中没有可检索的文字。")]
    unknown_kinds = [k for k in kinds if k not in indexing.sources()]
    if unknown_kinds:
        errors["kinds"] = [_("未知的类型：%(kinds)s。") % {"kinds": "、".join(unknown_kinds)}]
    checks = (
        ("region", region, Region),
        ("industry", industry, Industry),
        ("discipline", discipline, Discipline),
        ("cooperation_mode", cooperation_mode, CooperationMode),
    )
    for name, value, model in checks:
        value = (value or "").strip()
        if value and (len(value) > 20 or not model.objects.filter(pk=value).exists()):
            errors[name] = [_("未知的代码：%(code)s。") % {"code": value[:20]}]
    if trl_min is not None and not 1 <= trl_min <= 9:
        errors["trl_min"] = [_("技术就绪度须在 1–9 级之间。")]
    if mode not in ("bm25", "dense", "hybrid"):
        errors["mode"] = [_("不是允许的取值：bm25、dense、hybrid。")]
    if page < 1:
        errors["page"] = [_("不能小于 1。")]
    if not 1 <= page_size <= 100:
        errors["page_size"] = [_("每页条数须在 1–100 之间。")]
    if errors:
        raise ValidationFailed(fields=errors)
    return SearchParams(
        q=q,
        kinds=tuple(dict.fromkeys(kinds)),
        region=region.strip(),
        industry=industry.strip(),
        discipline=discipline.strip(),
        cooperation_mode=cooperation_mode.strip(),
        trl_min=trl_min,
        mode=mode,  # type: ignore[arg-type]
        page=page,
        page_size=page_size,
    )


# ---------------------------------------------------------------- relevance


def relevant(hits: Sequence[Hit]) -> list[Hit]:
    """The hits worth showing: the dense side returns *every* document as a candidate,
    so a hit counts only if it shares a real term with the query (two or more characters;
    single characters such as 多 or 控 are noise) or is semantically close: cosine at least
    ``KECHUANG_SEARCH_MIN_SIMILARITY``, or among the three best within 0.01 of the best
    (short queries have compressed similarities)."""
    floor = float(settings.KECHUANG_SEARCH_MIN_SIMILARITY)
    best = sorted((h.dense_score for h in hits if h.dense_score is not None), reverse=True)
    top = best[0] if best else None
    near = max(top - 0.01, best[min(2, len(best) - 1)]) if top is not None else None  # ≤ 3
    kept = []
    for hit in hits:
        if hit.dense_score is None:
            ok = hit.lexical_score is not None  # found by its words
        elif hit.lexical_score is not None and any(len(t) >= 2 for t in hit.shared_terms):
            ok = True
        else:
            ok = hit.dense_score >= floor or (near is not None and hit.dense_score >= near)
        if ok:
            kept.append(hit)
    return kept


# ---------------------------------------------------------------- re-checking hits


@gatekeeper("match")
def resolve_hits(
    hits: Sequence[Hit], *, keep: Any = None, context: Context = "search"
) -> list[Result]:
    """The hits whose records are public now, in the engine's order (one query per kind)."""
    wanted: dict[str, list[int]] = {}
    for hit in hits:
        parsed = indexing.parse_doc_id(hit.id)
        if parsed:
            wanted.setdefault(parsed[0], []).append(parsed[1])
    sources = indexing.sources()
    found: dict[str, Any] = {}
    for kind, ids in wanted.items():
        for obj in sources[kind].queryset().filter(pk__in=ids):
            found[indexing.doc_id(kind, obj.pk)] = obj
    results = []
    for hit in hits:
        obj = found.get(hit.id)
        if obj is None:
            continue
        source = sources[hit.kind if hit.kind in sources else hit.id.partition(":")[0]]
        if keep is not None and not keep(source.kind, obj):
            continue
        results.append(
            Result(
                kind=source.kind,
                obj=obj,
                hit=hit,
                url=source.url(obj),
                title=source.title(obj),
                context=context,
            )
        )
    return results


def recommendable(results: Sequence[Result]) -> list[Result]:
    """The results worth recommending: calibrated relevance at least
    ``calibration.RECOMMEND_FROM``. Where the engine embeds, a result without a similarity
    (found by its words only, outside the dense candidates) is not recommended either;
    without embeddings there is nothing to calibrate and ``relevant`` has decided."""
    embeds = any(r.hit is not None and r.hit.dense_score is not None for r in results)
    kept = []
    for result in results:
        found = result.relevance
        if (found is None and not embeds) or (found is not None and found.recommendable):
            kept.append(result)
    return kept


# ---------------------------------------------------------------- search


@gatekeeper("match")
def search(params: SearchParams) -> SearchPage:
    """One page of results across kinds, with counts by kind (public records only)."""
    try:
        return _engine_search(params)
    except SearchUnavailable:
        return database_search(params)


def _engine_search(params: SearchParams) -> SearchPage:
    engine = indexing.get_engine()
    query = Query(
        text=params.q,
        kinds=(),  # facets count every kind; the kind filter is applied below
        filters=params.engine_filters(),
        limit=MAX_CANDIDATES,
        mode=params.mode,
    )
    try:
        hits = engine.search(query)
    except indexing.ENGINE_ERRORS as exc:
        raise indexing.engine_failed(exc) from exc
    results = resolve_hits(relevant(hits))
    facets = {kind: 0 for kind in indexing.sources()}
    for result in results:
        facets[result.kind] += 1
    if params.kinds:
        results = [r for r in results if r.kind in params.kinds]
    start = (params.page - 1) * params.page_size
    return SearchPage(
        results=results[start : start + params.page_size],
        count=len(results),
        facets=facets,
        page=params.page,
        page_size=params.page_size,
        capped=len(hits) >= MAX_CANDIDATES,
    )


def database_search(params: SearchParams) -> SearchPage:
    """The fallback: each kind's keyword search in the database, newest first, no reasons."""
    lists: dict[str, Any] = {
        kind: source.keyword_search(params) for kind, source in indexing.sources().items()
    }
    sources = indexing.sources()
    facets = {kind: (qs.count() if qs is not None else 0) for kind, qs in lists.items()}
    selected = [
        k for k in sources if (not params.kinds or k in params.kinds) and lists[k] is not None
    ]
    count = sum(facets[k] for k in selected)
    start = (params.page - 1) * params.page_size
    end = start + params.page_size
    results: list[Result] = []
    offset = 0
    for kind in selected:
        n = facets[kind]
        lo, hi = max(start - offset, 0), min(end - offset, n)
        if lo < hi:
            source = sources[kind]
            for obj in lists[kind][lo:hi]:
                results.append(
                    Result(
                        kind=kind, obj=obj, hit=None, url=source.url(obj), title=source.title(obj)
                    )
                )
        offset += n
    return SearchPage(
        results=results,
        count=count,
        facets=facets,
        page=params.page,
        page_size=params.page_size,
        degraded=True,
    )


def search_ids(
    kind: str, q: str, filters: dict[str, Any], *, limit: int = MAX_CANDIDATES
) -> list[int] | None:
    """Record ids of ``kind`` matching ``q``, best first, for the list pages' ``q``;
    None when the engine is unavailable (the caller keeps its database search)."""
    try:
        engine = indexing.get_engine()
        hits = engine.search(
            Query(text=q[:MAX_QUERY_CHARS], kinds=(kind,), filters=filters, limit=limit)
        )
    except SearchUnavailable:
        return None
    except indexing.ENGINE_ERRORS as exc:
        indexing.engine_failed(exc)
        return None
    ids = []
    for hit in relevant(hits):
        parsed = indexing.parse_doc_id(hit.id)
        if parsed and parsed[0] == kind:
            ids.append(parsed[1])
    return ids
