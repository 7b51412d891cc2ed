"""Score a TREC run against qrels: nDCG@10, MRR@10, R@100.

    .venv/bin/python bench/score.py RUN.trec QRELS.tsv [--only-docs FILE] [--json]

- qrels: ``qid iter doc_id rel`` separated by tabs or spaces, with or without a header
  (the files of ../shared/data have one: ``qid iter doc_id rel`` or
  ``qid iter expert_id rel``); ``rel`` is a graded gain (t3: 1 or 2), ``rel > 0`` is
  relevant.
- run: ``qid Q0 doc_id rank score tag``. As in trec_eval, documents are ordered by score
  (descending), ties by doc_id (descending); the rank column is ignored.
- nDCG@10 is trec_eval's ``ndcg_cut_10``: gain = rel, discount log2(rank + 1), the ideal
  ranking from every judged document of the query. MRR@10: 1 / rank of the first relevant
  document in the top 10, else 0. R@100: relevant documents in the top 100 / relevant
  documents.
- Averages are over the queries of the qrels that have a relevant document; a query with
  no results scores 0 (trec_eval ``-c``). Results for queries absent from the qrels are
  ignored.
- ``--only-docs FILE``: drop from the run every document not listed in FILE (one id per
  line, or JSON lines with ``doc_id``, e.g. the corpus; with ``--only-source`` only the
  lines of that source), e.g. to evaluate t3 over the CSL documents only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Qrels = dict[str, dict[str, float]]
Run = dict[str, list[tuple[str, float]]]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = defaultdict(dict)
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            if not _is_number(parts[3]):  # a header
                continue
            qrels[parts[0]][parts[2]] = float(parts[3])
    return dict(qrels)


def read_run(path: Path) -> Run:
    run: Run = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 6 or not _is_number(parts[4]):
                raise ValueError(f"{path}:{number}: not a TREC run line: {line.strip()!r}")
            run[parts[0]].append((parts[2], float(parts[4])))
    return dict(run)


def read_doc_ids(path: Path, source: str | None = None) -> set[str]:
    ids: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                row = json.loads(line)
                if source is None or row.get("source") == source:
                    ids.add(str(row["doc_id"]))
            elif source is None:
                ids.add(line)
    return ids


def ordered(results: Iterable[tuple[str, float]]) -> list[str]:
    """trec_eval's order: score descending, then doc_id descending; duplicates dropped."""
    seen: set[str] = set()
    out = []
    for doc_id, _ in sorted(results, key=lambda r: (r[1], r[0]), reverse=True):
        if doc_id not in seen:
            seen.add(doc_id)
            out.append(doc_id)
    return out


def ndcg_at(ranking: Sequence[str], judged: Mapping[str, float], k: int = 10) -> float:
    dcg = sum(
        judged.get(doc_id, 0.0) / math.log2(rank + 1)
        for rank, doc_id in enumerate(ranking[:k], start=1)
        if judged.get(doc_id, 0.0) > 0
    )
    ideal_gains = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal_gains, start=1))
    return dcg / ideal if ideal > 0 else 0.0


def mrr_at(ranking: Sequence[str], judged: Mapping[str, float], k: int = 10) -> float:
    for rank, doc_id in enumerate(ranking[:k], start=1):
        if judged.get(doc_id, 0.0) > 0:
            return 1.0 / rank
    return 0.0


def recall_at(ranking: Sequence[str], judged: Mapping[str, float], k: int = 100) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def score(run: Run, qrels: Qrels, only_docs: set[str] | None = None) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, R@100 over the qrels' queries with a relevant document."""
    totals = {"ndcg@10": 0.0, "mrr@10": 0.0, "r@100": 0.0}
    queries = [q for q, judged in qrels.items() if any(g > 0 for g in judged.values())]
    for qid in queries:
        results = run.get(qid, [])
        if only_docs is not None:
            results = [r for r in results if r[0] in only_docs]
        ranking = ordered(results)
        judged = qrels[qid]
        totals["ndcg@10"] += ndcg_at(ranking, judged, 10)
        totals["mrr@10"] += mrr_at(ranking, judged, 10)
        totals["r@100"] += recall_at(ranking, judged, 100)
    n = len(queries)
    out = {name: (value / n if n else 0.0) for name, value in totals.items()}
    out["queries"] = float(n)
    out["queries_with_results"] = float(sum(1 for q in queries if run.get(q)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("qrels", type=Path)
    parser.add_argument("--only-docs", type=Path, help="ids (or JSON lines) of the documents")
    parser.add_argument("--only-source", help="with --only-docs JSON lines: only this source")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    only = read_doc_ids(args.only_docs, args.only_source) if args.only_docs else None
    result = score(read_run(args.run), read_qrels(args.qrels), only)
    if args.json:
        print(json.dumps({k: round(v, 4) for k, v in result.items()}))
    else:
        print(
            f"nDCG@10 {result['ndcg@10']:.4f}  MRR@10 {result['mrr@10']:.4f}  "
            f"R@100 {result['r@100']:.4f}  ({int(result['queries'])} queries, "
            f"{int(result['queries_with_results'])} with results)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
