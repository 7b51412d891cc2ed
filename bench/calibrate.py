"""Calibrate the engine's similarity to "how often a result like this was relevant".

Two steps, so the slow one runs once:

    # 1. run the real engine on the benchmark data, write one line per (query, hit)
    nice .venv/bin/python bench/calibrate.py collect --out /tmp/kc-calibration/pairs.jsonl
    # 2. compare features on held-out folds, fit the shipped table, print the report
    .venv/bin/python bench/calibrate.py fit /tmp/kc-calibration/pairs.jsonl \\
        --write src/kechuang/matching/data/calibration.json

``collect`` builds one index per task with ``build_index`` (as ``kechuang bench retrieval``
does, default ``EngineConfig``, e5-small vectors from the embedding cache, computed where
missing) and asks every query twice, as the platform does:

- ``search``: ``Engine.search(Query(text))`` — the search box (query embedded as a query);
- ``similar``: ``Engine.similar(Document(title=text))`` — recommendations, duplicate hints,
  review candidates ("more like this" of a short record; embedded as a passage).

Tasks (../shared/data, read here, never copied): ``t1`` (author keywords → their paper;
the 2,000 CSL papers with keywords deleted), ``t3`` (a CSL title → papers of the same
discipline, 2,000 CSL papers) and ``nsfc`` (a grant title → its investigator, 12,712
experts scored by their best grant title). t1 and t3 calibrate documents, nsfc experts:
an expert is scored by one short work title, a document by its whole text, and the two
cosines live on different scales.

``fit`` groups the pairs by context (``search``/``similar`` × ``document``/``expert``),
splits the queries into five folds, fits each candidate feature on four folds by
isotonic regression (``kechuang.matching.calibration.isotonic``) and scores the fifth
(Brier score, expected calibration error over ten equal-count bins, log loss), then fits
the chosen feature on everything and writes the table with its provenance.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.matching import calibration
from kechuang.matching.bench import (
    DEFAULT_CACHE,
    RunStats,
    build_index,
    cached_embedder,
    read_corpus,
    read_experts,
    read_queries,
)
from kechuang.matching.engine import EngineConfig
from kechuang.matching.types import Document, Query

# ../shared/data beside the checkout (a worktree sits one level deeper)
DATA = next(
    (
        p / "shared" / "data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "data").is_dir()
    ),
    Path("../shared/data"),
)
DEPTH = 20  # hits kept per query: more than any page shows
FOLDS = 5
TASK_TARGET = {"t1": "document", "t3": "document", "nsfc": "expert"}
# t3 asks for *other* papers of the query paper's discipline: the paper itself is in the
# corpus, unjudged, and is left out of its own results (as a record is of its own matches)
OWN_DOC = {"t3": lambda qid: qid.removeprefix("tp-")}


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 4 or row[0] == "qid":
                continue
            out[row[0]][row[2]] = int(row[3])
    return out


def by_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sample(
    docs: list[Document],
    queries: list[tuple[str, str]],
    qrels: dict[str, dict[str, int]],
    *,
    n_docs: int,
    n_queries: int,
) -> tuple[list[Document], list[tuple[str, str]]]:
    """A deterministic sample (by SHA-256 of the ids): ``n_queries`` queries, then their
    judged documents plus others up to ``n_docs`` (0 = all)."""
    if n_queries:
        queries = sorted(queries, key=lambda q: by_hash(q[0]))[:n_queries]
    if n_docs and n_docs < len(docs):
        wanted = {d for qid, _ in queries for d in qrels.get(qid, {})} if n_queries else set()
        ordered = sorted(docs, key=lambda d: (d.id not in wanted, by_hash(d.id)))
        docs = ordered[:n_docs]
    return docs, queries


def task(name: str, data: Path) -> tuple[list[Document], list[tuple[str, str]], Path]:
    scilit = data / "cn_scilit"
    if name == "t1":
        return (
            list(read_corpus(scilit / "corpus_kwdeleted.jsonl", "CSL-benchmark")),
            read_queries(scilit / "t1_kw2paper_queries.tsv"),
            scilit / "t1_kw2paper_qrels.tsv",
        )
    if name == "t3":
        return (
            list(read_corpus(scilit / "corpus.jsonl", "CSL-benchmark")),
            read_queries(scilit / "t3_topical_queries.tsv"),
            scilit / "t3_topical_qrels.tsv",
        )
    if name == "nsfc":
        nsfc = data / "nsfc_expert"
        return (
            list(read_experts(nsfc / "experts.jsonl")),
            read_queries(nsfc / "queries.tsv"),
            nsfc / "qrels.tsv",
        )
    raise SystemExit(f"unknown task {name!r}: t1, t3 or nsfc")


def rows_of(
    name: str, context: str, qid: str, hits: Sequence[Any], judged: dict[str, int]
) -> Iterable[dict[str, Any]]:
    top = hits[0].dense_score if hits and hits[0].dense_score is not None else None
    for rank, hit in enumerate(hits, start=1):
        yield {
            "task": name,
            "context": context,
            "target": TASK_TARGET[name],
            "qid": qid,
            "rank": rank,
            "doc": hit.id,
            "score": hit.score,
            "cosine": hit.dense_score,
            "top_cosine": top,
            "lexical": hit.lexical_score,
            "rel": judged.get(hit.id, 0),
        }


def collect(args: argparse.Namespace) -> int:
    chain = cached_embedder(args.cache_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for name in args.tasks:
            docs, queries, qrels_path = task(name, args.data)
            qrels = read_qrels(qrels_path)
            queries = [(q, t) for q, t in queries if q in qrels]
            docs, queries = sample(docs, queries, qrels, n_docs=args.docs, n_queries=args.queries)
            print(f"# {name}: {len(docs)} documents, {len(queries)} queries", flush=True)
            texts = list(dict.fromkeys(t for _, t in queries))
            for is_query in (True, False):  # the queries' vectors in batches, once
                for start in range(0, len(texts), 64):
                    chain.outer.embed(texts[start : start + 64], query=is_query)
            with tempfile.TemporaryDirectory(prefix="kc-calibrate-") as tmp:
                stats = RunStats(mode="hybrid")
                started = time.perf_counter()
                engine = build_index(
                    Path(tmp) / "index", docs, chain=chain, config=EngineConfig(), stats=stats
                )
                print(
                    f"# {name}: {stats.items} items indexed in {time.perf_counter() - started:.0f}"
                    f" s ({stats.vectors_computed} vectors computed)",
                    flush=True,
                )
                try:
                    for n, (qid, text) in enumerate(queries, start=1):
                        own = frozenset({OWN_DOC[name](qid)}) if name in OWN_DOC else frozenset()
                        found = engine.search(Query(text=text, limit=args.depth, exclude_ids=own))
                        for row in rows_of(name, "search", qid, found, qrels[qid]):
                            out.write(json.dumps(row, ensure_ascii=False) + "\n")
                        draft = Document(id=f"query:{qid}", kind="query", title=text)
                        found = engine.similar(draft, limit=args.depth, exclude_ids=own)
                        for row in rows_of(name, "similar", qid, found, qrels[qid]):
                            out.write(json.dumps(row, ensure_ascii=False) + "\n")
                        if n % 200 == 0:
                            print(f"{name}: {n}/{len(queries)} queries", flush=True)
                finally:
                    engine.close()
    return 0


# ---------------------------------------------------------------- fitting


def fold_of(qid: str) -> int:
    return int(hashlib.sha256(qid.encode()).hexdigest(), 16) % FOLDS


FEATURES = {
    # what each candidate feature is, and how to read it from a pair
    "cosine": lambda r: r["cosine"],
    "fused score": lambda r: r["score"],
    "rank": lambda r: -float(r["rank"]),
    "cosine margin to the first": lambda r: r["cosine"] - r["top_cosine"],
}


def metrics(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, float]:
    """Brier score, expected calibration error (equal-count bins) and log loss."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    order = np.argsort(p, kind="stable")
    ece = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            ece += len(chunk) / len(p) * abs(float(p[chunk].mean()) - float(y[chunk].mean()))
    return {
        "brier": float(np.mean((p - y) ** 2)),
        "ece": ece,
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
    }


def cross_validate(rows: list[dict[str, Any]], feature: str) -> list[dict[str, float]]:
    read = FEATURES[feature]
    x = np.array([read(r) for r in rows], dtype=np.float64)
    y = np.array([1.0 if r["rel"] > 0 else 0.0 for r in rows])
    folds = np.array([fold_of(r["qid"]) for r in rows])
    out = []
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        table = calibration.isotonic(x[train], y[train])
        p = np.array([table.probability(v) for v in x[test]])
        out.append({"fold": k, "pairs": int(test.sum()), **metrics(p, y[test])})
    return out


def reliability(table: calibration.Table, rows: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Per label band: pairs, mean predicted and observed relevance (on held-out folds)."""
    x = np.array([r["cosine"] for r in rows])
    y = np.array([1.0 if r["rel"] > 0 else 0.0 for r in rows])
    folds = np.array([fold_of(r["qid"]) for r in rows])
    p = np.zeros_like(x)
    for k in range(FOLDS):
        held = calibration.isotonic(x[folds != k], y[folds != k])
        p[folds == k] = [held.probability(v) for v in x[folds == k]]
    out = []
    for label in calibration.LABELS:
        inside = np.array([calibration.label_of(v) == label for v in p])
        if inside.any():
            out.append(
                {
                    "label": label,
                    "pairs": int(inside.sum()),
                    "predicted": float(p[inside].mean()),
                    "observed": float(y[inside].mean()),
                }
            )
    return out


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fit(args: argparse.Namespace) -> int:
    with args.pairs.open(encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f]
    pairs = [r for r in pairs if r["cosine"] is not None]
    top: dict[tuple[str, str, str], float] = {}
    for r in pairs:  # the best cosine among each query's hits (the first may have none)
        key = (r["task"], r["context"], r["qid"])
        top[key] = max(top.get(key, -1.0), r["cosine"])
    for r in pairs:
        r["top_cosine"] = top[(r["task"], r["context"], r["qid"])]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in pairs:
        groups[f"{r['context']}/{r['target']}"].append(r)
    report: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for key in sorted(groups):
        rows = groups[key]
        tasks = sorted({r["task"] for r in rows})
        queries = len({(r["task"], r["qid"]) for r in rows})
        base = float(np.mean([r["rel"] > 0 for r in rows]))
        print(
            f"\n## {key}: {len(rows)} pairs, {queries} queries ({', '.join(tasks)}), "
            f"relevant {base:.3f}"
        )
        by_feature = {}
        for feature in FEATURES:
            folds = cross_validate(rows, feature)
            summary = {
                m: (float(np.mean([f[m] for f in folds])), float(np.std([f[m] for f in folds])))
                for m in ("brier", "ece", "log_loss")
            }
            by_feature[feature] = {"folds": folds, "summary": summary}
            print(
                f"{feature:28s} "
                + "  ".join(f"{m} {mu:.4f} ± {sd:.4f}" for m, (mu, sd) in summary.items())
            )
        x = np.array([r["cosine"] for r in rows], dtype=np.float64)
        y = np.array([1.0 if r["rel"] > 0 else 0.0 for r in rows])
        table = calibration.isotonic(x, y)
        bands = reliability(table, rows)
        for band in bands:
            print(
                f"  {band['label']}: {band['pairs']} pairs, predicted {band['predicted']:.3f},"
                f" observed {band['observed']:.3f}"
            )
        tables[key] = {
            "x": [round(v, 5) for v in table.x],
            "p": [round(v, 4) for v in table.p],
            "pairs": len(rows),
            "queries": queries,
            "tasks": tasks,
            "relevant_share": round(base, 4),
            "held_out": {
                m: [round(f[m], 4) for f in by_feature["cosine"]["folds"]]
                for m in ("brier", "ece", "log_loss")
            },
        }
        report[key] = {"features": by_feature, "bands": bands}
    if args.write:
        document = {
            "about": (
                "P(relevant | cosine similarity to the query) of the matching engine, by "
                "isotonic regression on the benchmark data; written by bench/calibrate.py, "
                "method and held-out reliability in docs/benchmarks.md"
            ),
            "model": "intfloat/multilingual-e5-small",
            "feature": "cosine",
            "created": datetime.date.today().isoformat(),
            "commit": git_commit(),
            "data": "../shared/data (read at calibration time, not copied): " + args.note,
            "depth": DEPTH,
            "tables": tables,
        }
        args.write.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        print(f"\nwrote {args.write}")
    if args.report:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--tasks", nargs="+", default=["nsfc", "t3", "t1"])
    c.add_argument("--depth", type=int, default=DEPTH)
    c.add_argument("--docs", type=int, default=0, help="index a sample of this many (0: all)")
    c.add_argument("--queries", type=int, default=0, help="ask a sample of this many (0: all)")
    c.add_argument("--data", type=Path, default=DATA)
    c.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    f = sub.add_parser("fit")
    f.add_argument("pairs", type=Path)
    f.add_argument("--write", type=Path)
    f.add_argument("--report", type=Path, help="the whole per-fold report as JSON")
    f.add_argument("--note", default="", help="the samples the pairs came from (provenance)")
    args = parser.parse_args(argv)
    return collect(args) if args.step == "collect" else fit(args)


if __name__ == "__main__":
    sys.exit(main())
