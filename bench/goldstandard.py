"""The gold-standard reviewer–paper expertise loss (Stelmakh et al.) for the engine.

Data: ../shared/data/goldstandard (English; niharshah/goldstandard-reviewer-paper-match).
Each reviewer becomes an expert ``Document`` whose passages are their own papers
(``title. abstract``), so the engine scores a reviewer by their best-matching paper, as it
scores experts on the platform. The affinity of reviewer r for a rated paper p is the
score of r in ``Engine.similar(<p as a document>, kinds=("expert",))`` — the engine's
"more like this" path (title + abstract as the query; the dense side embeds it as a
passage, like the cached texts) — in the mode asked for. A reviewer the engine does not
return for p gets the lowest affinity.

The loss: over every pair of papers rated by the same reviewer with different ratings,
each pair weighs the rating gap; a pair ordered the wrong way by the affinities costs its
weight, a tie half of it; the sum is divided by the total weight (0 = perfect, 0.5 =
constant or random, 1 = reversed).

    .venv/bin/python bench/goldstandard.py [--mode bm25 dense hybrid] [--config KEY=VALUE …]

``--review-keywords`` measures instead the review app's fallback affinity
(``review.affinity``: Ochiai overlap of analysed tokens, used when the engine is off): a
reviewer's terms come from their paper titles (as an expert's from keywords and work
titles), a paper's from its title and abstract. No index or embeddings are needed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from kechuang.matching.bench import (
    DEFAULT_CACHE,
    EmbedChain,
    RunStats,
    build_index,
    cached_embedder,
    parse_config,
)
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

Ratings = dict[str, dict[str, float]]  # reviewer → paper → expertise (1–5)
Affinity = dict[str, dict[str, float]]  # reviewer → paper → score


def paper_text(paper: Mapping[str, object]) -> str:
    """Exactly the text the embedding cache holds for a paper."""
    return f"{paper.get('title') or ''}. {paper.get('abstract') or ''}".strip()


def loss(ratings: Ratings, affinity: Affinity) -> float:
    """The gap-weighted share of wrongly ordered pairs (ties count half), in [0, 1].

    A paper without an affinity for its reviewer counts as ``-inf`` (least expert).
    """
    total = 0.0
    wrong = 0.0
    for reviewer, rated in ratings.items():
        scores = affinity.get(reviewer, {})
        papers = sorted(rated)
        for i, a in enumerate(papers):
            for b in papers[i + 1 :]:
                gap = rated[a] - rated[b]
                if gap == 0:
                    continue
                if gap < 0:  # make a the paper rated higher
                    a, b, gap = b, a, -gap
                sa = scores.get(a, -math.inf)
                sb = scores.get(b, -math.inf)
                total += gap
                if sa < sb:
                    wrong += gap
                elif sa == sb:
                    wrong += gap / 2
    return wrong / total if total else 0.0


def read_ratings(path: Path) -> Ratings:
    ratings: Ratings = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            ratings[row["participant_id"]][row["paper_ssid"]] = float(row["expertise_1to5"])
    return dict(ratings)


def reviewers(path: Path) -> list[Document]:
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            passages = tuple(t for t in (paper_text(p) for p in row["papers"]) if t)
            docs.append(
                Document(id=str(row["participant_id"]), kind="expert", title="", passages=passages)
            )
    return docs


def papers(path: Path) -> dict[str, Document]:
    out = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            title = (row.get("title") or "").strip()
            abstract = (row.get("abstract") or "").strip()
            # embed_text() joins title and body with ". ", as paper_text() does
            out[row["ssId"]] = Document(
                id=f"paper:{row['ssId']}", kind="paper", title=title, body=abstract
            )
    return out


def affinities(
    engine: Engine, ratings: Ratings, paper_docs: Mapping[str, Document], mode: str
) -> tuple[dict[str, Affinity], list[float]]:
    """Each rated paper asks the engine once.

    Returns per-paper latencies and affinities under three names: ``score`` (the engine's
    final score), ``lexical`` and ``dense`` (the component scores the hit carries).
    """
    wanted: dict[str, set[str]] = defaultdict(set)  # paper → reviewers who rated it
    for reviewer, rated in ratings.items():
        for paper in rated:
            wanted[paper].add(reviewer)
    total = engine.count()
    found: dict[str, Affinity] = {n: defaultdict(dict) for n in ("score", "lexical", "dense")}
    latencies = []
    for paper, who in sorted(wanted.items()):
        doc = paper_docs.get(paper)
        if doc is None:
            continue
        started = time.perf_counter()
        hits = engine.similar(doc, kinds=("expert",), limit=total, mode=mode)  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - started)
        for hit in hits:
            if hit.id in who:
                found["score"][hit.id][paper] = hit.score
                if hit.lexical_score is not None:
                    found["lexical"][hit.id][paper] = hit.lexical_score
                if hit.dense_score is not None:
                    found["dense"][hit.id][paper] = hit.dense_score
    return {name: dict(a) for name, a in found.items()}, latencies


def per_reviewer_fusion(
    ratings: Ratings, lexical: Affinity, dense: Affinity, lexical_weight: float
) -> Affinity:
    """Weighted fusion normalised along the reviewer's row of the affinity matrix.

    The engine normalises each side per query (per paper), which makes fused scores of
    different papers incomparable — and the loss compares one reviewer's scores across
    papers. Here each side is min–max normalised over the papers the reviewer rated
    (missing scores count as the row's minimum), then mixed.
    """
    fused: Affinity = {}
    for reviewer, rated in ratings.items():
        row: dict[str, float] = {p: 0.0 for p in rated}
        for side, weight in ((lexical, lexical_weight), (dense, 1.0 - lexical_weight)):
            scores = side.get(reviewer, {})
            values = [scores[p] for p in rated if p in scores]
            if not values:
                continue
            low, high = min(values), max(values)
            for p in rated:
                value = scores.get(p, low)
                row[p] += weight * ((value - low) / (high - low) if high > low else 0.0)
        fused[reviewer] = row
    return fused


def evaluate(
    *,
    data: Path = DATA,
    modes: Sequence[str] = ("bm25", "dense", "hybrid"),
    config: EngineConfig | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    chain: EmbedChain | None = None,
) -> dict[str, object]:
    base = data / "goldstandard"
    ratings = read_ratings(base / "qrels_expertise.tsv")
    experts = reviewers(base / "reviewer_profiles.jsonl")
    known = {d.id for d in experts}
    skipped = sorted(set(ratings) - known)
    ratings = {r: v for r, v in ratings.items() if r in known}
    paper_docs = papers(base / "papers.jsonl")
    needs_vectors = any(m != "bm25" for m in modes)
    chain = chain or (cached_embedder(cache_dir) if needs_vectors else None)
    stats = RunStats(mode="+".join(modes))
    result: dict[str, object] = {
        "reviewers": len(ratings),
        "reviewers_without_profile": skipped,
        "ratings": sum(len(v) for v in ratings.values()),
    }
    with tempfile.TemporaryDirectory(prefix="kc-gold-") as tmp:
        engine = build_index(
            Path(tmp) / "index", experts, chain=chain, config=config or EngineConfig(), stats=stats
        )
        try:
            computed = chain.cached.computed if chain else 0
            config = engine.config
            for mode in modes:
                found, latencies = affinities(engine, ratings, paper_docs, mode)
                result[mode] = round(loss(ratings, found["score"]), 4)
                print(f"{mode}: loss {result[mode]} ({len(latencies)} papers)", flush=True)
                if mode == "hybrid":
                    share = config.lexical_weight / (config.lexical_weight + config.dense_weight)
                    for weight in sorted({share, 0.2, 0.3, 0.5}):
                        fused = per_reviewer_fusion(
                            ratings, found["lexical"], found["dense"], weight
                        )
                        name = f"hybrid_per_reviewer_lexical_{weight:.2f}"
                        result[name] = round(loss(ratings, fused), 4)
                        print(f"{name}: loss {result[name]}", flush=True)
            result["vectors_computed"] = stats.vectors_computed + (
                chain.cached.computed - computed if chain else 0
            )
        finally:
            engine.close()
    return result


def review_keyword_loss(data: Path = DATA) -> dict[str, object]:
    """The gold-standard loss of ``review.affinity.overlap`` on analysed tokens."""
    from kechuang.matching.analysis import Analyzer
    from kechuang.review.affinity import overlap

    base = data / "goldstandard"
    ratings = read_ratings(base / "qrels_expertise.tsv")
    analyzer = Analyzer.default()
    profiles: dict[str, set[str]] = {}
    with (base / "reviewer_profiles.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            titles = " ".join((p.get("title") or "") for p in row["papers"])
            profiles[str(row["participant_id"])] = set(analyzer.words(titles, max_chars=10**7))
    paper_terms: dict[str, set[str]] = {}
    with (base / "papers.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            paper_terms[row["ssId"]] = set(analyzer.words(paper_text(row)))
    ratings = {r: v for r, v in ratings.items() if r in profiles}
    found: Affinity = {
        r: {p: overlap(profiles[r], paper_terms[p]) for p in rated if p in paper_terms}
        for r, rated in ratings.items()
    }
    return {"reviewers": len(ratings), "review_keywords": round(loss(ratings, found), 4)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--mode", nargs="+", default=["bm25", "dense", "hybrid"])
    parser.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--review-keywords", action="store_true", help="the review fallback affinity only"
    )
    args = parser.parse_args(argv)
    if args.review_keywords:
        print(json.dumps(review_keyword_loss(args.data), indent=2))
        return 0
    result = evaluate(
        data=args.data,
        modes=args.mode,
        config=parse_config(args.config),
        cache_dir=args.cache_dir,
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
