"""Relevance a person can read: the engine's similarity as "how often a result like this
was relevant", with a label 高 / 中 / 低.

The raw numbers of the engine (a fused score, a BM25 score, a cosine of 0.89) mean nothing
to a reader, and they are not comparable between the places that show them. What is shown
instead is a probability: among the benchmark results that had this cosine similarity to
their query, the share that was judged relevant. ``bench/calibrate.py`` measures it on the
benchmark data (../shared/data) by isotonic regression (monotone: a higher similarity
never gets a lower probability) and writes ``data/calibration.json``, one table per
context:

- ``search/document``, ``search/expert``: a typed query against records (the search box);
- ``similar/document``, ``similar/expert``: a record against records (recommendations,
  duplicate hints, review candidates and assignment).

The ``expert`` tables were measured on experts known by their works' titles (NSFC): a
cosine between a query and a short title. They apply where a hit matched through one of
its passages (an expert's work); a hit that matched with its own text (title, keywords,
body: a need, an achievement, an expert's profile) is read with the ``document`` tables,
measured on whole abstracts. Short texts have higher cosines than long ones, hence the
separate tables. The method, the tables and their held-out reliability are in
docs/benchmarks.md ("Calibrated relevance").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np

DATA_FILE = Path(__file__).parent / "data" / "calibration.json"

Context = Literal["search", "similar"]
Target = Literal["document", "expert"]

HIGH, MEDIUM, LOW = "high", "medium", "low"
LABELS = (HIGH, MEDIUM, LOW)
#: Probability at which a result is labelled 高 (relevant more often than not) and 中 (at
#: least one in five relevant). These are cut points on the probability scale, chosen for
#: what the words mean, not fitted to the data.
HIGH_FROM = 0.5
MEDIUM_FROM = 0.2
#: Nothing below this probability is recommended: an empty panel is better than padding.
RECOMMEND_FROM = MEDIUM_FROM
#: PAV blocks smaller than this are merged with a neighbour, so no step of the table rests
#: on a handful of pairs (standard error of a share ≤ 0.05).
MIN_BLOCK = 100


def label_of(probability: float) -> str:
    if probability >= HIGH_FROM:
        return HIGH
    if probability >= MEDIUM_FROM:
        return MEDIUM
    return LOW


@dataclass(frozen=True)
class Table:
    """A monotone map from a feature to P(relevant): ``x`` increasing, ``p`` non-decreasing;
    linear between the points, constant beyond the ends."""

    x: tuple[float, ...]
    p: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.x or len(self.x) != len(self.p):
            raise ValueError("a calibration table needs as many probabilities as points")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("calibration points must be increasing")
        if any(b < a for a, b in zip(self.p, self.p[1:], strict=False)):
            raise ValueError("calibrated probabilities must not decrease")
        if not all(0.0 <= v <= 1.0 for v in self.p):
            raise ValueError("probabilities lie in [0, 1]")

    def probability(self, value: float) -> float:
        return float(np.interp(float(value), self.x, self.p))


def isotonic(x: Sequence[float], y: Sequence[float], *, min_block: int = MIN_BLOCK) -> Table:
    """Pool-adjacent-violators: the non-decreasing step function of ``x`` closest to the
    0/1 outcomes ``y`` in squared error; blocks of fewer than ``min_block`` pairs are then
    merged with their smaller neighbour (a merge of two neighbours of a monotone sequence
    stays monotone). Each block becomes one point: (mean x, share relevant)."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if len(xs) == 0 or len(xs) != len(ys):
        raise ValueError("isotonic needs as many outcomes as values, at least one")
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    # blocks as [sum_x, sum_y, n]; equal x values always share a block
    blocks: list[list[float]] = []
    for value, outcome in zip(xs, ys, strict=True):
        if blocks and blocks[-1][0] / blocks[-1][2] == value:
            blocks[-1][0] += value
            blocks[-1][1] += outcome
            blocks[-1][2] += 1
        else:
            blocks.append([value, outcome, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            for i in range(3):
                blocks[-1][i] += last[i]
    while len(blocks) > 1:
        small = min(range(len(blocks)), key=lambda i: blocks[i][2])
        if blocks[small][2] >= min_block:
            break
        if small == 0:
            other = 1
        elif small == len(blocks) - 1:
            other = small - 1
        else:
            other = small - 1 if blocks[small - 1][2] <= blocks[small + 1][2] else small + 1
        first, second = sorted((small, other))
        for i in range(3):
            blocks[first][i] += blocks[second][i]
        del blocks[second]
    return Table(
        x=tuple(b[0] / b[2] for b in blocks),
        p=tuple(b[1] / b[2] for b in blocks),
    )


@dataclass(frozen=True)
class Relevance:
    """What a person is shown: a label and "how often a result like this was relevant"."""

    label: str  # high | medium | low
    probability: float

    @property
    def percent(self) -> int:
        return round(self.probability * 100)

    @property
    def recommendable(self) -> bool:
        return self.probability >= RECOMMEND_FROM


@cache
def tables(path: Path = DATA_FILE) -> dict[str, Table]:
    """The shipped tables by ``context/target``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        key: Table(x=tuple(entry["x"]), p=tuple(entry["p"]))
        for key, entry in document["tables"].items()
    }


def relevance(cosine: float | None, *, context: Context, through_passage: bool) -> Relevance | None:
    """The calibrated relevance of a hit's cosine similarity to its query (``None``
    without one: the engine runs without embeddings, or the record was not scored).
    ``through_passage``: the cosine is that of one of the record's passages (an expert's
    work), not of its own text."""
    if cosine is None:
        return None
    kind: Target = "expert" if through_passage else "document"
    probability = tables()[f"{context}/{kind}"].probability(cosine)
    return Relevance(label=label_of(probability), probability=probability)
