"""Score several query-time configurations on one index per task (tuning sweeps).

Builds the task's index once (hybrid, vectors from the embedding cache) with the same
``build_index`` as ``kechuang bench retrieval``, then answers every query once per
configuration and scores the run like ``bench/score.py``. Only query-time settings may
differ between the configurations (fusion, weights, normalisation, feedback, candidates,
boosts, bigram weight): the index is built with the first one.

    .venv/bin/python bench/sweep.py t3 "normalisation=zscore" \\
        "normalisation=zscore feedback_docs=1 feedback_weight=5" --mode hybrid dense

Tasks: t1 (kwdeleted corpus), t2, t3 (CSL documents), nsfc (experts). Each configuration
is one string of ``KEY=VALUE`` pairs (``""`` = the ``EngineConfig`` defaults).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from kechuang.matching.bench import (
    DEFAULT_CACHE,
    RunStats,
    answer,
    build_index,
    cached_embedder,
    parse_config,
    read_corpus,
    read_experts,
    read_queries,
)
from kechuang.matching.embeddings import E5Small, EmbeddingCache
from kechuang.matching.types import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def task_files(name: str, data: Path) -> tuple[Iterable[Document], Path, Path, set[str] | None]:
    """(documents, queries, qrels, documents to evaluate over or None)."""
    scilit = data / "cn_scilit"
    if name == "t1":
        corpus = scilit / "corpus_kwdeleted.jsonl"
        return (
            read_corpus(corpus),
            scilit / "t1_kw2paper_queries.tsv",
            scilit / "t1_kw2paper_qrels.tsv",
            None,
        )
    if name == "t2":
        corpus = scilit / "corpus.jsonl"
        return (
            read_corpus(corpus),
            scilit / "t2_title2abstract_queries.tsv",
            scilit / "t2_title2abstract_qrels.tsv",
            None,
        )
    if name == "t3":
        corpus = scilit / "corpus.jsonl"
        only = score.read_doc_ids(corpus, "CSL-benchmark")
        return (
            read_corpus(corpus, "CSL-benchmark"),
            scilit / "t3_topical_queries.tsv",
            scilit / "t3_topical_qrels.tsv",
            only,
        )
    if name == "nsfc":
        nsfc = data / "nsfc_expert"
        return read_experts(nsfc / "experts.jsonl"), nsfc / "queries.tsv", nsfc / "qrels.tsv", None
    raise SystemExit(f"unknown task {name!r}: t1, t2, t3 or nsfc")


def cached_subset(docs: Iterable[Document], cache_dir: Path) -> list[Document]:
    """The corpus documents whose passage vector is in the cache (experts: all)."""
    docs = list(docs)
    cache = EmbeddingCache(cache_dir, E5Small.name, E5Small.dim)
    keys = [EmbeddingCache.key(d.body, query=False) for d in docs]
    found = cache.get_many(keys)
    return [d for d, key in zip(docs, keys, strict=True) if d.passages or key in found]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("configs", nargs="*", default=[""], help='e.g. "normalisation=zscore"')
    parser.add_argument("--mode", nargs="+", default=["hybrid"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path, help="append one JSON line per result here")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="index only the documents whose vectors are cached (a subset: scores are higher "
        "than on the whole corpus and only comparable with each other)",
    )
    args = parser.parse_args(argv)
    docs, queries_path, qrels_path, only = task_files(args.task, args.data)
    queries = read_queries(queries_path)
    if args.cached_only:
        docs = cached_subset(docs, args.cache_dir)
    qrels = score.read_qrels(qrels_path)
    configs = args.configs or [""]
    base = parse_config(configs[0].split())
    chain = cached_embedder(args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="kc-sweep-") as tmp:
        stats = RunStats(mode="hybrid")
        engine = build_index(Path(tmp) / "index", docs, chain=chain, config=base, stats=stats)
        subset = " (cached subset)" if args.cached_only else ""
        built = f"{stats.items} items, {stats.index_seconds:.0f} s"
        print(f"# {args.task}{subset}: {built}", flush=True)
        try:
            for text in configs:
                engine.config = dataclasses.replace(parse_config(text.split()), backend="local")
                for mode in args.mode:
                    started = time.perf_counter()
                    run = answer(engine, queries, mode=mode)
                    result = score.score(run, qrels, only)
                    line = {
                        "task": args.task + ("-cached-subset" if args.cached_only else ""),
                        "mode": mode,
                        "config": text,
                        "ndcg@10": round(result["ndcg@10"], 4),
                        "mrr@10": round(result["mrr@10"], 4),
                        "r@100": round(result["r@100"], 4),
                        "seconds": round(time.perf_counter() - started, 1),
                    }
                    print(
                        f"{args.task} {mode:6s} nDCG@10 {line['ndcg@10']:.4f} "
                        f"MRR@10 {line['mrr@10']:.4f} R@100 {line['r@100']:.4f}  {text}",
                        flush=True,
                    )
                    if args.json:
                        with args.json.open("a", encoding="utf-8") as f:
                            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        finally:
            engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
