"""Fill the on-disk embedding cache with every text the retrieval benchmarks embed.

Embedding is the slow part of the benchmarks (a few passages a second on two cores), so it
is done once per model and text, here, and every later run reads the cache. Texts are
embedded exactly as the benchmark harness embeds them: corpus documents and expert works
as passages, queries as queries.

    .venv/bin/python bench/embed_cache.py [--cache-dir DIR] [--data ../shared/data] [--only NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kechuang.matching.embeddings import CachedEmbedder, E5Small, EmbeddingCache

DEFAULT_CACHE = Path.home() / ".cache" / "kechuang" / "embeddings"


def queries(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [row["query"] for row in csv.DictReader(f, delimiter="\t")]


def corpus(path: Path, source: str | None = None) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if source is None or doc.get("source") == source:
                texts.append(doc["text"])
    return texts


def expert_works(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [work["title"] for line in f for work in json.loads(line)["profile"]]


def goldstandard(data: Path) -> list[str]:
    texts = []
    with (data / "goldstandard/papers.jsonl").open(encoding="utf-8") as f:
        for line in f:
            paper = json.loads(line)
            texts.append(f"{paper.get('title') or ''}. {paper.get('abstract') or ''}".strip())
    with (data / "goldstandard/reviewer_profiles.jsonl").open(encoding="utf-8") as f:
        for line in f:
            for paper in json.loads(line)["papers"]:
                texts.append(f"{paper.get('title') or ''}. {paper.get('abstract') or ''}".strip())
    return texts


def jobs(data: Path) -> Iterator[tuple[str, list[str], bool]]:
    scilit = data / "cn_scilit"
    yield "t1 queries", queries(scilit / "t1_kw2paper_queries.tsv"), True
    yield "t3 queries", queries(scilit / "t3_topical_queries.tsv"), True
    yield "nsfc queries", queries(data / "nsfc_expert/queries.tsv"), True
    yield "nsfc works", expert_works(data / "nsfc_expert/experts.jsonl"), False
    yield "corpus_kwdeleted", corpus(scilit / "corpus_kwdeleted.jsonl"), False
    yield "corpus CSL docs", corpus(scilit / "corpus.jsonl", "CSL-benchmark"), False
    yield "goldstandard papers", goldstandard(data), False
    yield "t2 queries", queries(scilit / "t2_title2abstract_queries.tsv"), True
    yield "corpus", corpus(scilit / "corpus.jsonl"), False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data"
    )
    parser.add_argument("--only", help="embed only the job with this name")
    args = parser.parse_args()
    model = E5Small()
    embedder = CachedEmbedder(model, EmbeddingCache(args.cache_dir, model.name, model.dim))
    for name, texts, is_query in jobs(args.data):
        if args.only and name != args.only:
            continue
        texts = list(dict.fromkeys(texts))
        before, started = embedder.computed, time.perf_counter()
        for start in range(0, len(texts), 256):
            embedder.embed(texts[start : start + 256], query=is_query)
            done = embedder.computed - before
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(
                f"{name}: {min(start + 256, len(texts))}/{len(texts)} "
                f"({done} embedded, {rate:.1f}/s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
