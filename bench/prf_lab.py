"""Quick experiments with feedback and fusion variants that the engine does not ship.

Exact cosine over the cached e5-small vectors (numpy) and the engine's own BM25 side
(``Engine._clauses`` + ``backend.lexical``, 200 candidates per side), fused like
``fusion.weighted``. Used for the ideas in docs/benchmarks.md that were measured and not
adopted: lexical expansion from the first pass's top documents (RM3-like, idf-weighted)
and z-score fusion with a per-query confidence weight. (Dense Rocchio feedback, which
helped, is in the engine: ``EngineConfig.feedback_*``; measure it with bench/sweep.py.)

    .venv/bin/python bench/prf_lab.py t3 [--cached-only]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kechuang.matching.backends.base import Filters
from kechuang.matching.bench import read_queries
from kechuang.matching.embeddings import EmbeddingCache
from kechuang.matching.engine import Engine, EngineConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score
from sweep import DATA, cached_subset, task_files

CANDIDATES = 200
Scores = dict[str, float]


def top(scores: Scores, n: int) -> Scores:
    return dict(sorted(scores.items(), key=lambda x: -x[1])[:n])


def zscore(scores: Scores) -> Scores:
    values = np.array(list(scores.values()))
    sd = float(values.std()) or 1.0
    return {k: (v - float(values.min())) / sd for k, v in scores.items()}


def fuse(lexical: Scores, dense: Scores, wl: float, wd: float) -> Scores:
    out: Scores = {}
    for side, weight in ((lexical, wl), (dense, wd)):
        for k, v in zscore(side).items() if side else ():
            out[k] = out.get(k, 0.0) + weight * v
    return out


def confidence(side: Scores) -> float:
    """How far the best candidate stands above the rest, in standard deviations."""
    values = np.array(list(side.values()))
    if len(values) < 2 or values.std() == 0:
        return 0.0
    return float((values.max() - values.mean()) / values.std())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache/kechuang/embeddings"
    )
    parser.add_argument("--cached-only", action="store_true")
    args = parser.parse_args()
    docs_iter, queries_path, qrels_path, only = task_files(args.task, args.data)
    docs = cached_subset(docs_iter, args.cache_dir) if args.cached_only else list(docs_iter)
    if any(d.passages for d in docs):
        raise SystemExit("corpus tasks only (t1, t2, t3)")
    queries = read_queries(queries_path)
    qrels = score.read_qrels(qrels_path)
    cache = EmbeddingCache(args.cache_dir, "e5-small", 384)

    def vectors(texts: list[str], query: bool) -> np.ndarray:
        keys = [EmbeddingCache.key(t, query=query) for t in texts]
        found = cache.get_many(keys)
        return np.stack([found[k] for k in keys])

    ids = [d.id for d in docs]
    doc_vectors = vectors([d.body for d in docs], False)
    query_vectors = vectors([q for _, q in queries], True)
    sims = query_vectors @ doc_vectors.T
    with tempfile.TemporaryDirectory(prefix="kc-lab-") as tmp:
        engine = Engine(Path(tmp) / "index", embedder=None, config=EngineConfig())
        engine.upsert(docs, commit=False, batch_size=512)
        engine.commit()
        analyzer = engine.analyzer
        doc_words = [analyzer.words(d.body) for d in docs]
        df = Counter(w for words in doc_words for w in set(words))
        idf = {w: math.log(1 + (len(docs) - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        position = {doc_id: i for i, doc_id in enumerate(ids)}

        def lexical(i: int, extra: tuple[tuple[str, float], ...] = ()) -> Scores:
            text = queries[i][1]
            clauses = engine._clauses(analyzer.words(text), analyzer.bigrams(text))
            for token, weight in extra:
                for part, boost in engine.config.boosts.items():
                    clauses.append((f"{part}_w", token, boost * weight))
            if not clauses:
                return {}
            hits = engine.backend.lexical(clauses, Filters(), CANDIDATES * 3)
            return top(engine._aggregate(hits, frozenset()).scores, CANDIDATES)

        def dense(i: int) -> Scores:
            order = np.argpartition(-sims[i], CANDIDATES)[:CANDIDATES]
            return {ids[j]: float(sims[i][j]) for j in order}

        def ndcg(runs: list[Scores]) -> float:
            run = {qid: list(top(runs[i], 100).items()) for i, (qid, _) in enumerate(queries)}
            return score.score(run, qrels, only)["ndcg@10"]

        n = len(queries)
        lex = [lexical(i) for i in range(n)]
        den = [dense(i) for i in range(n)]
        weights = (0.2, 0.3, 0.4, 0.5)

        def row(label: str, runs_for: Callable[[float], list[Scores]]) -> None:
            cells = " ".join(f"{wl}:{ndcg(runs_for(wl)):.4f}" for wl in weights)
            print(f"{label:42s} {cells}", flush=True)

        print(f"# {args.task}: {len(docs)} docs, {n} queries; nDCG@10 by lexical weight")
        row("zscore fusion", lambda wl: [fuse(lex[i], den[i], wl, 1 - wl) for i in range(n)])

        def confident(wl: float, alpha: float) -> list[Scores]:
            out = []
            for i in range(n):
                a = wl * max(confidence(lex[i]), 0.0) ** alpha
                b = (1 - wl) * max(confidence(den[i]), 0.0) ** alpha
                a, b = (a, b) if a + b > 0 else (wl, 1 - wl)
                out.append(fuse(lex[i], den[i], a / (a + b), b / (a + b)))
            return out

        for alpha in (0.5, 1.0, 2.0):
            row(f"confidence-weighted zscore, alpha={alpha}", lambda wl, a=alpha: confident(wl, a))
        first = [fuse(lex[i], den[i], 0.3, 0.7) for i in range(n)]

        def expansion(i: int, k: int, m: int) -> list[tuple[str, float]]:
            weights_: Counter[str] = Counter()
            for doc_id, _ in sorted(first[i].items(), key=lambda x: -x[1])[:k]:
                words = doc_words[position[doc_id]]
                for token, count in Counter(words).items():
                    weights_[token] += count / max(len(words), 1) * idf.get(token, 0.0)
            asked = set(analyzer.words(queries[i][1]))
            terms = [(t, s) for t, s in weights_.most_common(m + len(asked)) if t not in asked]
            return [(t, s / terms[0][1]) for t, s in terms[:m]] if terms else []

        for k, m, gain in ((3, 10, 0.3), (5, 20, 0.5), (10, 20, 0.5)):
            expanded = [
                lexical(i, tuple((t, gain * s) for t, s in expansion(i, k, m))) for i in range(n)
            ]
            row(
                f"lexical expansion k={k} m={m} gain={gain}",
                lambda wl, e=expanded: [fuse(e[i], den[i], wl, 1 - wl) for i in range(n)],
            )
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
