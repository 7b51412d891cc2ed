"""The local index's lexical side: a tantivy index of pre-tokenised units.

Text fields use a whitespace analyser (the engine tokenises); filters are raw terms and
integer ranges; ``key`` (unit key) and ``doc`` (document row) are fast fields. Every
tantivy failure, including a Rust panic, becomes ``IndexCorrupted``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import tantivy

from kechuang.matching.backends.base import (
    LEXICAL_FIELDS,
    TERM_FILTERS,
    Filters,
    IndexCorrupted,
)

_TOKENIZER = "kc_ws"


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", stored=False, indexed=True, fast=True)
    builder.add_integer_field("doc", stored=False, indexed=True, fast=True)
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    for name in LEXICAL_FIELDS:
        builder.add_text_field(name, tokenizer_name=_TOKENIZER, index_option="freq")
    for name in TERM_FILTERS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("trl", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    return builder.build()


class LexicalIndex:
    """The tantivy index under ``directory``; one writer while a write session is open."""

    def __init__(self, directory: Path, *, writer_heap: int) -> None:
        self.directory = directory
        self.writer_heap = writer_heap
        self.schema = _schema()
        self._writer: Any = None  # tantivy.IndexWriter while a write is pending
        with self._corruption():
            self._index = tantivy.Index(self.schema, path=str(directory), reuse=True)
        self._index.register_tokenizer(
            _TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )

    @contextlib.contextmanager
    def _corruption(self) -> Iterator[None]:
        """Any failure of tantivy's (a Rust panic is not an ``Exception``) means broken files."""
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self.directory}: {exc}") from exc
            raise

    def reload(self) -> int:
        """Pick up the latest commit; the number of units it holds."""
        with self._corruption():
            self._index.reload()
            return int(self._index.searcher().num_docs)

    # --- writing -----------------------------------------------------------------

    def begin(self) -> None:
        if self._writer is None:
            self._writer = self._index.writer(self.writer_heap, 1)

    def delete_row(self, row: int) -> None:
        self._writer.delete_documents_by_term("doc", row)

    def add_unit(
        self,
        *,
        key: int,
        row: int,
        kind: str,
        fields: Mapping[str, str],
        terms: Mapping[str, Sequence[str]],
        trl: int | None,
        published: int | None,
    ) -> None:
        tdoc = tantivy.Document()
        tdoc.add_integer("key", key)
        tdoc.add_integer("doc", row)
        tdoc.add_text("kind", kind)
        for name, text in fields.items():
            if text:
                tdoc.add_text(name, text)
        for name, values in terms.items():
            for value in values:
                tdoc.add_text(name, value)
        if trl is not None:
            tdoc.add_integer("trl", trl)
        if published is not None:
            tdoc.add_integer("published", published)
        self._writer.add_document(tdoc)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None

    def rollback(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.rollback()
            self._writer = None

    def reload_after_commit(self) -> None:
        self._index.reload()

    # --- reading -----------------------------------------------------------------

    def filter_clauses(self, filters: Filters) -> list[tuple[Any, Any]]:
        """Must-clauses (scoring nothing) for the kinds, terms and ranges of ``filters``."""
        schema = self.schema
        clauses: list[tuple[Any, Any]] = []

        def any_of(field: str, values: Sequence[str]) -> Any:
            if len(values) == 1:
                return tantivy.Query.term_query(schema, field, values[0], index_option="basic")
            return tantivy.Query.term_set_query(schema, field, list(values))

        if filters.kinds:
            clauses.append((tantivy.Occur.Must, any_of("kind", filters.kinds)))
        for name, values in filters.terms.items():
            clauses.append((tantivy.Occur.Must, any_of(name, values)))
        for field, low, high in (
            ("trl", filters.trl_min, filters.trl_max),
            ("published", filters.published_from, filters.published_to),
        ):
            if low is not None or high is not None:
                clauses.append(
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.range_query(
                            schema, field, tantivy.FieldType.Integer, low, high
                        ),
                    )
                )
        return [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in clauses]

    def text_query(self, clauses: Sequence[tuple[str, str, float]], filters: Filters) -> Any:
        """Boosted term clauses (any may match), restricted by ``filters``."""
        should = [
            (
                tantivy.Occur.Should,
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(self.schema, field, token, index_option="freq"),
                    boost,
                ),
            )
            for field, token, boost in clauses
        ]
        text_query = tantivy.Query.boolean_query(should)
        filter_clauses = self.filter_clauses(filters)
        if not filter_clauses:
            return text_query
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, text_query), *filter_clauses])

    def scored_keys(self, query: Any, limit: int) -> list[tuple[float, int]]:
        """``(score, unit key)`` of the best ``limit`` units."""
        with self._corruption():
            searcher = self._index.searcher()
            result = searcher.search(query, limit, count=False)
            addresses = [address for _, address in result.hits]
            keys: list[Any] = searcher.fast_field_values("key", addresses) if addresses else []
        return [(float(score), int(key)) for (score, _), key in zip(result.hits, keys, strict=True)]

    def keys_of(self, query: Any, limit: int) -> list[int]:
        return [key for _, key in self.scored_keys(query, limit)]

    @staticmethod
    def filter_query(clauses: list[tuple[Any, Any]]) -> Any:
        return tantivy.Query.boolean_query(clauses)

    def count(self, clauses: list[tuple[Any, Any]]) -> int:
        """How many units pass the filter ``clauses``."""
        with self._corruption():
            result = self._index.searcher().search(self.filter_query(clauses), 1, count=True)
        return int(result.count)  # type: ignore[attr-defined]

    def keys_where(self, clauses: list[tuple[Any, Any]], keys: list[int]) -> list[int]:
        """Which of ``keys`` pass the filter ``clauses``."""
        if not keys:
            return []
        members = tantivy.Query.term_set_query(self.schema, "key", keys)
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, members), *clauses])
        return self.keys_of(query, len(keys))

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())
