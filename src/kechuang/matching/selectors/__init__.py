"""Reads of the matching app, one module per responsibility:

- ``searching``: what matches a query (the engine, or the database when it is
  unavailable), relevance, and re-checking hits against what is public now;
- ``recommending``: a record's matches and similar items, minus dismissals and the
  source's own organisations.

Other apps import from ``kechuang.matching.selectors``; the names are re-exported here.
"""

from kechuang.matching.selectors.queue import awaiting_index
from kechuang.matching.selectors.recommending import (
    Recommendations,
    access_source,
    dismissed_targets,
    not_own,
    own_organizations,
    recommendations,
    similar_hits,
    source_document,
)
from kechuang.matching.selectors.searching import (
    MAX_CANDIDATES,
    MAX_QUERY_CHARS,
    RECOMMENDS,
    Result,
    SearchPage,
    SearchParams,
    clean_params,
    database_search,
    recommendable,
    relevant,
    resolve_hits,
    search,
    search_ids,
)

__all__ = [
    "MAX_CANDIDATES",
    "MAX_QUERY_CHARS",
    "RECOMMENDS",
    "Recommendations",
    "Result",
    "SearchPage",
    "SearchParams",
    "access_source",
    "awaiting_index",
    "clean_params",
    "database_search",
    "dismissed_targets",
    "not_own",
    "own_organizations",
    "recommendable",
    "recommendations",
    "relevant",
    "resolve_hits",
    "search",
    "search_ids",
    "similar_hits",
    "source_document",
]
