"""The retrieval benchmark harness behind ``kechuang bench retrieval``.

It indexes a corpus (``doc_id``, ``text`` per JSON line) or a file of experts
(``expert_id``, ``institution``, ``profile: [{title, …}]``) into a fresh temporary index
with the same ``Engine`` the platform uses, answers the queries (``qid``, ``query``,
tab-separated with a header) one at a time and writes a standard TREC run
(``qid Q0 doc_id rank score tag``, top 100). It reports indexing throughput (the lexical
side, and embedding separately: only vectors actually computed count, cache hits are
reported beside them), query latency and cache use.

Mapping to documents:

- a corpus line is ``Document(id=doc_id, kind="doc", title="", body=text)``: the texts
  are abstracts without titles, so everything is body (the field weights do not matter);
- an expert is ``Document(id=expert_id, kind="expert", passages=<work titles>)``: scored
  by their best-matching work. The institution is left out by default (it says nothing
  about the topic and would cost an uncached embedding); ``with_institution`` puts it in
  the body.

Embeddings come from a ``CachedEmbedder`` on ``cache_dir`` (default
``~/.cache/kechuang/embeddings``), so a text is embedded once per model across runs.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from kechuang.matching.embeddings import (
    CachedEmbedder,
    E5Small,
    Embedder,
    EmbeddingCache,
    Vectors,
    load_embedder,
)
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document, Mode, Query

DEFAULT_CACHE = Path.home() / ".cache" / "kechuang" / "embeddings"
RUN_DEPTH = 100
MODES: tuple[str, ...] = get_args(Mode)


class BenchError(Exception):
    """A clear, user-facing problem with the benchmark's arguments or input files."""


# --- input files ---------------------------------------------------------------------


def read_queries(path: Path) -> list[tuple[str, str]]:
    """``(qid, query)`` pairs from a TSV file with a header naming ``qid`` and ``query``.

    Fields are read with standard CSV quoting: the data files quote a query that contains
    a double quote and double the quotes inside it, as CSV writers do.
    """
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        names = reader.fieldnames or []
        if "qid" not in names or "query" not in names:
            raise BenchError(f"{path}: the header must name the columns qid and query")
        return [(row["qid"], row["query"] or "") for row in reader if row.get("qid")]


def read_corpus(path: Path, source: str | None = None) -> Iterator[Document]:
    """Documents from ``doc_id``/``text`` JSON lines, optionally only one ``source``."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if source is not None and row.get("source") != source:
                continue
            if "doc_id" not in row or "text" not in row:
                raise BenchError(f"{path}:{number}: each line needs doc_id and text")
            yield Document(id=str(row["doc_id"]), kind="doc", title="", body=row["text"] or "")


def read_experts(path: Path, *, with_institution: bool = False) -> Iterator[Document]:
    """Experts from JSON lines: ``expert_id`` and ``profile`` works with a ``title``."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "expert_id" not in row:
                raise BenchError(f"{path}:{number}: each line needs expert_id")
            works = tuple(
                w["title"] for w in row.get("profile") or () if (w.get("title") or "").strip()
            )
            body = (row.get("institution") or "") if with_institution else ""
            yield Document(
                id=str(row["expert_id"]), kind="expert", title="", body=body, passages=works
            )


def parse_config(pairs: Iterable[str], base: EngineConfig | None = None) -> EngineConfig:
    """``EngineConfig`` with ``KEY=VALUE`` overrides, converted to each field's type."""
    config = base or EngineConfig()
    fields = {f.name: f for f in dataclasses.fields(EngineConfig)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in fields or key == "backend":
            known = ", ".join(sorted(k for k in fields if k != "backend"))
            raise BenchError(f"--config {pair!r}: expected KEY=VALUE with KEY one of {known}")
        current = getattr(config, key)
        try:
            if isinstance(current, bool):
                value: Any = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(current, int):
                value = int(raw)
            elif isinstance(current, float):
                value = float(raw)
            else:
                value = raw.strip()
        except ValueError as exc:
            raise BenchError(f"--config {pair!r}: {exc}") from None
        changes[key] = value
    return dataclasses.replace(config, **changes)


# --- embedding with honest accounting --------------------------------------------------


class TimedEmbedder:
    """Counts the texts an embedder is asked for and the time it takes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seconds = 0.0
        self.texts = 0

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        started = time.perf_counter()
        try:
            return self.inner.embed(texts, query=query)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


class _LazyE5:
    """e5-small loaded only when the cache misses (a fully cached run needs no model)."""

    name = E5Small.name
    dim = E5Small.dim

    def __init__(self) -> None:
        self._model: E5Small | None = None

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if self._model is None:
            self._model = E5Small()
        return self._model.embed(texts, query=query)


@dataclass
class EmbedChain:
    """What the engine calls (``outer``: every call, cache hits included), the cache layer
    and the timed model inside it (cache misses only)."""

    outer: TimedEmbedder
    cached: CachedEmbedder
    model: TimedEmbedder


def cached_embedder(
    cache_dir: Path, model: Embedder | None = None, spec: str = "e5-small"
) -> EmbedChain:
    """``spec`` (or ``model``) behind the on-disk cache in ``cache_dir``, instrumented."""
    if model is None:
        model = _LazyE5() if spec == "e5-small" else load_embedder(spec)
        if model is None:
            raise BenchError("an embedding model is needed for the dense and hybrid modes")
    timed = TimedEmbedder(model)
    cached = CachedEmbedder(timed, EmbeddingCache(cache_dir, model.name, model.dim))
    return EmbedChain(outer=TimedEmbedder(cached), cached=cached, model=timed)


# --- running -------------------------------------------------------------------------


@dataclass
class RunStats:
    mode: str
    items: int = 0
    units: int = 0
    queries: int = 0
    index_seconds: float = 0.0  # the whole build: analysis, embedding, tantivy, usearch
    embed_seconds: float = 0.0  # embedding calls while indexing, cache lookups included
    vectors: int = 0  # passage vectors the build asked for
    vectors_computed: int = 0  # … of which the model computed (cache misses)
    compute_seconds: float = 0.0  # … and the model's time for them
    query_vectors_computed: int = 0
    latencies: list[float] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def lexical_seconds(self) -> float:
        """The build without embedding: analysis, tantivy and the usearch insertions."""
        return max(self.index_seconds - self.embed_seconds, 1e-9)

    def summary(self) -> dict[str, Any]:
        lat = np.asarray(self.latencies or [0.0]) * 1000
        return {
            "mode": self.mode,
            "items": self.items,
            "units": self.units,
            "queries": self.queries,
            "index_seconds": round(self.index_seconds, 2),
            "index_items_per_s_without_embedding": round(self.items / self.lexical_seconds, 1),
            "embedding": {
                "vectors": self.vectors,
                "cache_hits": self.vectors - self.vectors_computed,
                "computed": self.vectors_computed,
                "computed_per_s": (
                    round(self.vectors_computed / self.compute_seconds, 2)
                    if self.vectors_computed
                    else None
                ),
                "query_vectors_computed": self.query_vectors_computed,
            },
            "latency_ms": {
                "p50": round(float(np.percentile(lat, 50)), 2),
                "p95": round(float(np.percentile(lat, 95)), 2),
                "max": round(float(lat.max()), 2),
            },
        }


def build_index(
    path: Path,
    docs: Iterable[Document],
    *,
    chain: EmbedChain | None,
    config: EngineConfig,
    stats: RunStats,
) -> Engine:
    """A fresh engine at ``path`` holding ``docs`` (one commit at the end)."""
    before = (
        (chain.outer.seconds, chain.outer.texts, chain.cached.computed, chain.model.seconds)
        if chain
        else (0.0, 0, 0, 0.0)
    )
    engine = Engine(path, embedder=chain.outer if chain else None, config=config)
    started = time.perf_counter()
    docs = list(docs)
    stats.items = engine.upsert(docs, commit=False, batch_size=512)
    engine.commit()
    if engine.borrows_related:  # second pass: every document borrows from all the others
        engine.upsert(docs, commit=False, batch_size=512, reuse_vectors=True)
        engine.commit()
    stats.index_seconds = time.perf_counter() - started
    if chain:
        stats.embed_seconds = chain.outer.seconds - before[0]
        stats.vectors = chain.outer.texts - before[1]
        stats.vectors_computed = chain.cached.computed - before[2]
        stats.compute_seconds = chain.model.seconds - before[3]
    stats.info = engine.info()
    stats.units = int(stats.info.get("units", 0))
    return engine


def answer(
    engine: Engine,
    queries: Sequence[tuple[str, str]],
    *,
    mode: str,
    depth: int = RUN_DEPTH,
    stats: RunStats | None = None,
    kinds: tuple[str, ...] = (),
) -> dict[str, list[tuple[str, float]]]:
    """Ranked ``(doc_id, score)`` per query id, one query at a time."""
    results: dict[str, list[tuple[str, float]]] = {}
    for qid, text in queries:
        started = time.perf_counter()
        hits = engine.search(Query(text=text, mode=mode, limit=depth, kinds=kinds))  # type: ignore[arg-type]
        if stats is not None:
            stats.latencies.append(time.perf_counter() - started)
        results[qid] = [(hit.id, hit.score) for hit in hits]
    if stats is not None:
        stats.queries += len(queries)
    return results


def write_run(path: Path, results: dict[str, list[tuple[str, float]]], tag: str) -> int:
    """A TREC run file; returns the number of lines written."""
    lines = []
    for qid, ranked in results.items():
        for rank, (doc_id, score) in enumerate(ranked[:RUN_DEPTH], start=1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.writelines(lines)
    return len(lines)


def run_retrieval(
    *,
    queries_path: Path,
    run_path: Path,
    corpus_path: Path | None = None,
    experts_path: Path | None = None,
    mode: str = "hybrid",
    backend: str = "local",
    source: str | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    config: EngineConfig | None = None,
    tag: str | None = None,
    embedder: Embedder | None = None,
    with_institution: bool = False,
    work_dir: Path | None = None,
) -> RunStats:
    """Index, answer, write the run; returns the measurements.

    ``embedder`` replaces e5-small (tests pass a tiny fake); it is still wrapped in the
    cache on ``cache_dir``.
    """
    if mode not in MODES:
        raise BenchError(f"--mode must be one of {', '.join(MODES)}")
    if backend not in ("local", "milvus"):
        raise BenchError(f"unknown backend {backend!r}: use --backend local or milvus")
    chosen: Literal["local", "milvus"] = "milvus" if backend == "milvus" else "local"
    if (corpus_path is None) == (experts_path is None):
        raise BenchError("give exactly one of --corpus and --experts")
    queries = read_queries(queries_path)
    if experts_path is not None:
        docs: Iterable[Document] = read_experts(experts_path, with_institution=with_institution)
    else:
        assert corpus_path is not None
        docs = read_corpus(corpus_path, source)
    chain = cached_embedder(cache_dir, embedder) if mode != "bm25" else None
    stats = RunStats(mode=mode)
    with tempfile.TemporaryDirectory(prefix="kc-bench-", dir=work_dir) as tmp:
        engine = build_index(
            Path(tmp) / "index",
            docs,
            chain=chain,
            # milvus: milvus-lite inside the temporary index unless --config milvus_uri=…
            config=dataclasses.replace(config or EngineConfig(), backend=chosen),
            stats=stats,
        )
        try:
            computed = chain.cached.computed if chain else 0
            results = answer(engine, queries, mode=mode, stats=stats)
            stats.query_vectors_computed = (chain.cached.computed if chain else 0) - computed
        finally:
            engine.close()
    write_run(run_path, results, tag or f"kechuang-{mode}")
    return stats


def format_summary(stats: RunStats) -> list[str]:
    """Human-readable lines for the CLI."""
    s = stats.summary()
    emb = s["embedding"]
    lines = [
        f"模式 mode: {s['mode']}",
        f"索引 indexed: {s['items']} 条 items, {s['units']} 个单元 units, {s['index_seconds']} s",
        f"词法索引吞吐 lexical indexing (build minus embedding): "
        f"{s['index_items_per_s_without_embedding']} items/s",
    ]
    if s["mode"] != "bm25":
        rate = emb["computed_per_s"]
        lines.append(
            f"向量 embedding: {emb['vectors']} 个 vectors, 缓存命中 cache hits "
            f"{emb['cache_hits']}, 实际计算 computed {emb['computed']}"
            + (f" ({rate} vectors/s)" if rate else " (all from the cache)")
            + f"; 查询向量实际计算 query vectors computed {emb['query_vectors_computed']}"
        )
    lat = s["latency_ms"]
    lines.append(
        f"查询 queries: {s['queries']}, 延迟 latency p50 {lat['p50']} ms, "
        f"p95 {lat['p95']} ms, max {lat['max']} ms"
    )
    return lines
