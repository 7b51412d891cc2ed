"""The cost of one index write (upsert or delete, committed) as the local index grows.

What a web request or the worker pays to index one published need, at 10k, 100k and 1M
items. The index is built once per size (bulk, one commit: the base file), then single
writes are timed, each committed on its own, as the platform commits them:

- ``upsert``: a new document (one unit, one vector) added;
- ``replace``: an indexed document written again (its old unit removed, the new added);
- ``delete``: an indexed document removed;
- ``delete-absent``: an id that is not in the index (must cost nothing).

Texts are drawn from the words of ``../shared/data/cn_scilit/corpus_kwdeleted.jsonl``
(so the lexical side has real Chinese term statistics); vectors are random unit vectors
of e5-small's dimension (384) — the write path does not depend on their content. The
embedding itself is not part of the write (the engine embeds before it locks; see
docs/benchmarks.md for its cost). Timings are wall clock on this machine, with
``time.perf_counter`` around ``backend.write``/``backend.delete`` including the commit.

    nice .venv/bin/python bench/index_write.py --items 10000 100000 1000000 --dir /tmp/kc-write
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.matching.backends.base import PreparedDoc, Unit
from kechuang.matching.backends.local import LocalBackend
from kechuang.matching.types import Document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DIM = 384


def vocabulary(data: Path, limit: int = 200_000) -> list[str]:
    """Two-character words and longer runs of the real abstracts (a crude segmentation
    is enough: the writes' cost does not depend on the tokens' quality)."""
    words: list[str] = []
    with (data / "cn_scilit" / "corpus_kwdeleted.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            words += [text[i : i + 2] for i in range(0, len(text) - 1, 2)]
            if len(words) >= limit:
                break
    return words


def prepared(doc_id: str, words: Sequence[str], rng: random.Random) -> PreparedDoc:
    title = " ".join(rng.choices(words, k=6))
    body = " ".join(rng.choices(words, k=60))
    vector = np.asarray(np.random.default_rng(rng.getrandbits(32)).normal(size=DIM), np.float32)
    vector /= float(np.linalg.norm(vector))
    doc = Document(id=doc_id, kind="need", title=title.replace(" ", ""), body=body)
    unit = Unit(index=0, fields={"title_w": title, "body_w": body}, vector=vector)
    return PreparedDoc(doc=doc, units=(unit,))


def docs(n: int, words: Sequence[str], seed: int) -> Iterator[PreparedDoc]:
    rng = random.Random(seed)
    for i in range(n):
        yield prepared(f"need:{i}", words, rng)


def build(path: Path, n: int, words: Sequence[str]) -> float:
    shutil.rmtree(path, ignore_errors=True)
    backend = LocalBackend(path, model="bench-random", dim=DIM)
    start = time.perf_counter()
    batch: list[PreparedDoc] = []
    for item in docs(n, words, seed=1):
        batch.append(item)
        if len(batch) == 5000:
            backend.write(batch, commit=False)
            batch = []
    backend.write(batch, commit=False)
    backend.commit()
    backend.close()
    return time.perf_counter() - start


def time_writes(path: Path, n: int, words: Sequence[str], repeat: int) -> dict[str, Any]:
    backend = LocalBackend(path, model="bench-random", dim=DIM)
    rng = random.Random(2)
    samples: dict[str, list[float]] = {
        "upsert": [],
        "replace": [],
        "delete": [],
        "delete-absent": [],
    }
    for r in range(repeat):
        writes = {
            "upsert": ([prepared(f"need:new{r}", words, rng)], []),
            "replace": ([prepared(f"need:{rng.randrange(n)}", words, rng)], []),
            "delete": ([], [f"need:{rng.randrange(n)}"]),
            "delete-absent": ([], [f"need:absent{r}"]),
        }
        for name, (upserts, deletes) in writes.items():
            start = time.perf_counter()
            if upserts:
                backend.write(upserts)
            else:
                backend.delete(deletes)
            samples[name].append((time.perf_counter() - start) * 1000)
    info = backend.info()
    backend.close()
    return {
        "items": n,
        "vector_delta_after": info.get("vector_delta", 0),
        "ms": {
            name: {
                "p50": round(statistics.median(values), 2),
                "p95": round(float(np.percentile(values, 95)), 2),
                "max": round(max(values), 2),
            }
            for name, values in samples.items()
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dir", type=Path, required=True, help="index directories (replaced)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=50, help="writes of each kind per size")
    parser.add_argument("--keep", action="store_true", help="keep the index directories")
    args = parser.parse_args(argv)
    words = vocabulary(args.data)
    results = []
    for n in args.items:
        path = args.dir / f"items-{n}"
        seconds = build(path, n, words)
        result = time_writes(path, n, words, args.repeat)
        result["build_seconds"] = round(seconds, 1)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
