"""Latency, throughput, disk and memory of the ``local`` backend at 100k and 1M items.

Embedding a million texts is impossible on this machine (e5-small: about 5 abstracts a
second on two cores, so 1M texts would take more than two days), so the large indexes are
built from the real texts of ``../shared/data`` repeated with perturbations, and their
vectors are *derived* from the cached real embeddings:

- base items (28,882): every abstract of ``cn_scilit/corpus_kwdeleted.jsonl`` (14,170,
  kind ``achievement``, body), the 2,000 CSL papers of ``csl/csl_papers.jsonl`` (kind
  ``need``: title, keywords, abstract as body) and the 12,712 NSFC experts of
  ``nsfc_expert/experts.jsonl`` (kind ``expert``, one passage per grant title);
- copy ``r`` of base item ``b`` (r = 0, 1, 2, … until N items): for r ≥ 1 the sentences of
  the body are shuffled, then every character of title, keywords, body and passages is
  dropped with probability 0.05 (``random.Random(f"{b}-{r}")``); every text unit ends with
  an id suffix ``#kc<unit>x<r>`` (one unique token per unit, like a model number);
- the vector of a unit is the cached e5-small passage vector of its base text (the abstract
  for ``achievement`` and ``need``, the grant title for a work) plus Gaussian noise
  (σ = 0.015 per dimension, ``numpy`` seeded by unit and copy; cosine to the original
  ≈ 0.96) for r ≥ 1, renormalised. The embedder derives it from the id suffix.

Queries are real: a seeded sample of the t1, t2, t3 and NSFC query files (their e5-small
query vectors are in the cache), answered one at a time, hybrid (and bm25, dense).
Search latency excludes embedding the query (the vector comes from the cache); the time to
embed a query with e5-small in this process is measured separately and reported beside it.

    nice .venv/bin/python bench/latency.py --items 100000 --dir /tmp/kc-bench/lat-100k
    nice .venv/bin/python bench/latency.py --items 1000000 --dir /tmp/kc-bench/lat-1m

The build runs in this process; the queries in a fresh subprocess, so its resident memory
(RSS) before opening and after querying the index is what a reader process pays.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.matching.analysis import Analyzer
from kechuang.matching.embeddings import EmbeddingCache, Vectors
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document, Query

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_CACHE = Path.home() / ".cache" / "kechuang" / "embeddings"
MODEL, DIM = "e5-small", 384
DROP = 0.05
SIGMA = 0.015
_MARK = re.compile(r"#kc(\d+)x(\d+)\s*$")
_SENTENCE = re.compile(r"(?<=[。；;！？!?])")


@dataclass(frozen=True)
class BaseItem:
    kind: str
    title: str
    keywords: str
    body: str
    passages: tuple[str, ...]
    units: tuple[int, ...]  # rows of the base vector matrix: own unit (if any), passages


def rss_mb() -> float:
    """Current resident set size of this process (MB), from /proc."""
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load() -> dict[str, float]:
    """The machine's load averages (1, 5, 15 min): the machine is shared, so every number
    is reported beside the load it was measured under."""
    one, five, fifteen = os.getloadavg()
    return {"load_1m": round(one, 2), "load_5m": round(five, 2), "load_15m": round(fifteen, 2)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_base(
    data: Path, cache_dir: Path, *, cached_only: bool = False
) -> tuple[list[BaseItem], Vectors]:
    """The base items and the matrix of their units' cached passage vectors.

    ``cached_only``: leave out the abstracts whose vector is not cached yet (instead of
    stopping), so a run can start while the cache is still being filled.
    """
    texts: list[str] = []  # the cached passage text of each unit row
    items: list[BaseItem] = []
    cache = EmbeddingCache(cache_dir, MODEL, DIM)

    def unit(text: str) -> int:
        texts.append(text)
        return len(texts) - 1

    with (data / "cn_scilit/corpus_kwdeleted.jsonl").open(encoding="utf-8") as f:
        abstracts = [json.loads(line)["text"] for line in f]
    if cached_only:
        found = cache.get_many([EmbeddingCache.key(t, query=False) for t in abstracts])
        abstracts = [t for t in abstracts if EmbeddingCache.key(t, query=False) in found]
    for text in abstracts:
        items.append(BaseItem("achievement", "", "", text, (), (unit(text),)))
    with (data / "csl/csl_papers.jsonl").open(encoding="utf-8") as f:
        for line in f:
            paper = json.loads(line)
            keywords = "；".join(paper.get("keywords") or [])
            abstract = paper["abstract"]  # == its corpus.jsonl text, cached as a passage
            items.append(
                BaseItem("need", paper["title"], keywords, abstract, (), (unit(abstract),))
            )
    with (data / "nsfc_expert/experts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            titles = tuple(w["title"] for w in json.loads(line)["profile"] if w.get("title"))
            items.append(BaseItem("expert", "", "", "", titles, tuple(unit(t) for t in titles)))
    keys = [EmbeddingCache.key(t, query=False) for t in texts]
    found = cache.get_many(keys)
    missing = sum(1 for k in keys if k not in found)
    if missing:
        raise SystemExit(f"{missing} base texts are not in the embedding cache {cache.path}")
    matrix = np.stack([found[k] for k in keys]).astype(np.float32)
    return items, matrix


def perturb(text: str, rng: random.Random, *, shuffle: bool) -> str:
    if shuffle:
        sentences = [s for s in _SENTENCE.split(text) if s]
        rng.shuffle(sentences)
        text = "".join(sentences)
    return "".join(c for c in text if rng.random() >= DROP)


def documents(items: Sequence[BaseItem], n: int) -> Iterator[Document]:
    """``n`` documents: copy 0 of every base item, then perturbed copies 1, 2, …"""
    produced = 0
    copy = 0
    while True:
        for b, item in enumerate(items):
            if produced >= n:
                return
            rng = random.Random(f"{b}-{copy}")

            def vary(
                text: str, shuffle: bool = False, rng: random.Random = rng, copy: int = copy
            ) -> str:
                return perturb(text, rng, shuffle=shuffle) if copy and text else text

            own = item.units[0] if item.kind != "expert" else None
            passages = tuple(
                f"{vary(p)} #kc{u}x{copy}"
                for p, u in zip(item.passages, item.units if own is None else (), strict=True)
            )
            body = vary(item.body, shuffle=True)
            if own is not None:
                body = f"{body} #kc{own}x{copy}"
            yield Document(
                id=f"{item.kind}:{b}-{copy}",
                kind=item.kind,
                title=vary(item.title),
                keywords=vary(item.keywords),
                body=body,
                passages=passages,
            )
            produced += 1
        copy += 1


class DerivedEmbedder:
    """Passage vectors derived from cached real ones (see the module docstring); query
    vectors straight from the cache."""

    name = MODEL
    dim = DIM

    def __init__(self, base: Vectors, cache: EmbeddingCache) -> None:
        self.base = base
        self.cache = cache

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if query:
            keys = [EmbeddingCache.key(t, query=True) for t in texts]
            found = self.cache.get_many(keys)
            return np.stack([found[k] for k in keys])
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            match = _MARK.search(text)
            if match is None:
                raise ValueError(f"no #kc suffix in {text[-40:]!r}")
            unit, copy = int(match.group(1)), int(match.group(2))
            vector = self.base[unit]
            if copy:
                noise = np.random.default_rng(unit * 1_000_003 + copy).normal(0, SIGMA, DIM)
                vector = vector + noise.astype(np.float32)
                vector = vector / np.linalg.norm(vector)
            out[i] = vector
        return out


def query_texts(data: Path, n: int, seed: int = 7) -> list[str]:
    files = [
        data / "cn_scilit/t1_kw2paper_queries.tsv",
        data / "cn_scilit/t2_title2abstract_queries.tsv",
        data / "cn_scilit/t3_topical_queries.tsv",
        data / "nsfc_expert/queries.tsv",
    ]
    rng = random.Random(seed)
    chosen: list[str] = []
    for path in files:
        with path.open(encoding="utf-8") as f:
            rows = [row["query"] for row in csv.DictReader(f, delimiter="\t")]
        chosen += rng.sample(rows, min(len(rows), -(-n // len(files))))
    rng.shuffle(chosen)
    return chosen[:n]


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    values = np.asarray(samples) * 1000
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2),
        "mean_ms": round(float(values.mean()), 2),
    }


def build(args: argparse.Namespace) -> dict[str, Any]:
    items, base = load_base(args.data, args.cache_dir, cached_only=args.cached_only)
    cache = EmbeddingCache(args.cache_dir, MODEL, DIM)
    result: dict[str, Any] = {"items": args.items, "base_items": len(items), "load_start": load()}
    if args.lexical_sample:
        # BM25 side alone (no embedder): analysis + tantivy, on the first N items
        path = args.dir.with_name(args.dir.name + "-lexical")
        shutil.rmtree(path, ignore_errors=True)
        started = time.perf_counter()
        with Engine(path, embedder=None) as engine:
            engine.upsert(documents(items, args.lexical_sample), commit=False, batch_size=1000)
            engine.commit()
        seconds = time.perf_counter() - started
        result["lexical_only"] = {
            "items": args.lexical_sample,
            "seconds": round(seconds, 1),
            "items_per_s": round(args.lexical_sample / seconds, 1),
            "bytes": dir_bytes(path),
        }
        shutil.rmtree(path, ignore_errors=True)
        print(json.dumps(result["lexical_only"]), flush=True)
    shutil.rmtree(args.dir, ignore_errors=True)
    gc.collect()
    rss_before = rss_mb()
    embedder = DerivedEmbedder(base, cache)
    started = time.perf_counter()
    done = 0
    engine = Engine(args.dir, embedder=embedder, config=EngineConfig())
    batch: list[Document] = []
    for doc in documents(items, args.items):
        batch.append(doc)
        if len(batch) >= 10_000:
            done += engine.upsert(batch, commit=False, batch_size=1000)
            batch = []
            rate = done / (time.perf_counter() - started)
            print(f"built {done}/{args.items} ({rate:.0f} items/s)", flush=True)
    done += engine.upsert(batch, commit=False, batch_size=1000)
    write_seconds = time.perf_counter() - started
    engine.commit()
    related_seconds = 0.0
    if engine.borrows_related:  # second pass, as a reindex: every item borrows related terms
        second = time.perf_counter()
        batch, renewed = [], 0
        for doc in documents(items, args.items):
            batch.append(doc)
            if len(batch) >= 10_000:
                renewed += engine.upsert(batch, commit=False, batch_size=1000, reuse_vectors=True)
                batch = []
                print(f"related terms {renewed}/{args.items}", flush=True)
        engine.upsert(batch, commit=False, batch_size=1000, reuse_vectors=True)
        engine.commit()
        related_seconds = time.perf_counter() - second
    seconds = time.perf_counter() - started
    info = engine.info()
    rss_after = rss_mb()
    engine.close()
    result["build"] = {
        "seconds": round(seconds, 1),
        "commit_seconds": round(seconds - write_seconds - related_seconds, 1),
        "related_terms_seconds": round(related_seconds, 1),
        "items_per_s": round(done / seconds, 1),
        "units": info["units"],
        "vectors": info["vectors"],
        "bytes": info["bytes"],
        "bytes_total": dir_bytes(args.dir),
        "writer_rss_mb_before": round(rss_before, 1),
        "writer_rss_mb_after": round(rss_after, 1),
        "writer_peak_rss_mb": round(peak_rss_mb(), 1),
        "load_end": load(),
    }
    print(json.dumps(result["build"]), flush=True)
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run in a fresh process: open the index, answer queries one at a time."""
    cache = EmbeddingCache(args.cache_dir, MODEL, DIM)
    texts = query_texts(args.data, args.queries)
    if args.cached_only:
        found = cache.get_many([EmbeddingCache.key(t, query=True) for t in texts])
        texts = [t for t in texts if EmbeddingCache.key(t, query=True) in found]
    embedder = DerivedEmbedder(np.zeros((0, DIM), dtype=np.float32), cache)
    embedder.embed(texts, query=True)  # all cached: fail now, not while timing
    Analyzer.default().words("预热分词词典")  # jieba's dictionary is not index memory
    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    # vectors from the disk cache; the query-vector LRU stays empty for measure_embedding
    engine = Engine(args.dir, embedder=embedder, config=EngineConfig(query_cache_size=0))
    open_seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "queries": len(texts),
        "open_seconds": round(open_seconds, 2),
        "load_before_queries": load(),
    }
    for mode in args.modes:
        for text in texts[:20]:  # warm up
            engine.search(Query(text=text, mode=mode, limit=10))
        samples = []
        for text in texts:
            t0 = time.perf_counter()
            engine.search(Query(text=text, mode=mode, limit=10))
            samples.append(time.perf_counter() - t0)
        out[mode] = percentiles(samples)
        print(mode, json.dumps(out[mode]), flush=True)
    out["reader_rss_mb_before_open"] = round(rss_before, 1)
    out["reader_rss_mb_after_queries"] = round(rss_mb(), 1)
    out["reader_rss_mb_delta"] = round(rss_mb() - rss_before, 1)
    out["load_after_queries"] = load()
    engine.close()
    if args.embed_sample:
        out.update(measure_embedding(args, texts))
    return out


class _CountingE5:
    """e5-small for queries (the real model), counting the texts it embeds."""

    name = MODEL
    dim = DIM

    def __init__(self) -> None:
        from kechuang.matching.embeddings import E5Small

        self.model = E5Small()
        self.texts = 0

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        self.texts += len(texts)
        return self.model.embed(texts, query=query)


def measure_embedding(args: argparse.Namespace, texts: Sequence[str]) -> dict[str, Any]:
    """Query embedding alone, hybrid search end to end (embedding the query with e5-small)
    without and with the engine's query-vector cache, and passage embedding throughput."""
    out: dict[str, Any] = {}
    e5 = _CountingE5()
    e5.embed(["预热"], query=True)
    sample = list(dict.fromkeys(texts))[: args.embed_sample]
    samples = []
    for text in sample:
        t0 = time.perf_counter()
        e5.embed([text], query=True)
        samples.append(time.perf_counter() - t0)
    out["query_embedding"] = percentiles(samples)
    print("query embedding", json.dumps(out["query_embedding"]), flush=True)
    for label, size in (("hybrid_e2e_no_query_cache", 0), ("hybrid_e2e_query_cache", 4096)):
        engine = Engine(args.dir, embedder=e5, config=EngineConfig(query_cache_size=size))
        rounds = []
        for _ in range(2):  # the second round repeats every query
            before, samples = e5.texts, []
            for text in sample:
                t0 = time.perf_counter()
                engine.search(Query(text=text, mode="hybrid", limit=10))
                samples.append(time.perf_counter() - t0)
            rounds.append({**percentiles(samples), "queries_embedded": e5.texts - before})
        engine.close()
        out[label] = {"first_round": rounds[0], "repeated": rounds[1]}
        print(label, json.dumps(out[label]), flush=True)
    passages = [item for item in _passage_sample(args.data, args.embed_passages)]
    if passages:
        t0 = time.perf_counter()
        for start in range(0, len(passages), 32):
            e5.model.embed(passages[start : start + 32], query=False)
        seconds = time.perf_counter() - t0
        out["passage_embedding"] = {
            "passages": len(passages),
            "seconds": round(seconds, 1),
            "per_s": round(len(passages) / seconds, 2),
            "load": load(),
        }
        print("passage embedding", json.dumps(out["passage_embedding"]), flush=True)
    return out


def _passage_sample(data: Path, n: int) -> list[str]:
    """The first ``n`` abstracts of corpus_kwdeleted (typical item texts)."""
    out = []
    with (data / "cn_scilit/corpus_kwdeleted.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if len(out) >= n:
                break
            out.append(json.loads(line)["text"])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, required=True, help="index directory (replaced)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--modes", nargs="+", default=["hybrid", "bm25", "dense"])
    parser.add_argument("--lexical-sample", type=int, default=0, help="also time a BM25-only build")
    parser.add_argument(
        "--embed-sample", type=int, default=50, help="queries embedded with e5-small (0: none)"
    )
    parser.add_argument(
        "--embed-passages", type=int, default=64, help="abstracts embedded for throughput"
    )
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="use only the base abstracts and queries whose vectors are cached already",
    )
    parser.add_argument("--measure-only", action="store_true", help="(internal) query phase")
    parser.add_argument("--keep", action="store_true", help="keep the index directory")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    if args.measure_only:
        print("RESULT " + json.dumps(measure(args)), flush=True)
        return 0
    result = build(args)
    command = [
        sys.executable,
        __file__,
        "--measure-only",
        "--dir",
        str(args.dir),
        "--data",
        str(args.data),
        "--cache-dir",
        str(args.cache_dir),
        "--queries",
        str(args.queries),
        "--embed-sample",
        str(args.embed_sample),
        "--embed-passages",
        str(args.embed_passages),
        "--modes",
        *args.modes,
        *(["--cached-only"] if args.cached_only else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    sys.stderr.write(done.stderr)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    result["search"] = json.loads(lines[-1][len("RESULT ") :])
    per_million = 1_000_000 / args.items
    result["per_million_items"] = {
        "disk_mb": round(result["build"]["bytes_total"] / 1e6 * per_million, 1),
        "reader_rss_mb": round(result["search"]["reader_rss_mb_delta"] * per_million, 1),
    }
    if not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
