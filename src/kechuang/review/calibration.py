"""Leniency calibration and flags for the scores of one round (pure maths).

Calibration is a **mean offset per reviewer**: with μ the mean of all the round's totals
and μᵣ the mean of reviewer r's totals, r's offset is μᵣ − μ and each of r's totals
counts as ``total − offset``. A reviewer with fewer than ``MIN_SCORES`` scores keeps an
offset of 0 (one score says nothing about leniency, and subtracting it would erase the
score). Mean offset rather than z-scores: with the handful of items a reviewer sees,
a standard deviation is too noisy to divide by, and offsets keep the 0–100 scale.

Flags, on the totals as submitted:
- ``outlier``: a score at least ``OUTLIER_GAP`` points away from the median of the other
  scores of the same item (needs at least 2 other scores);
- ``disagreement``: an item whose scores have a population standard deviation of at least
  ``DISAGREEMENT_SD`` points (needs at least 2 scores).
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

MIN_SCORES = 2
OUTLIER_GAP = 20.0
DISAGREEMENT_SD = 15.0


@dataclass(frozen=True)
class Entry:
    reviewer: Hashable
    item: Hashable
    total: float


@dataclass(frozen=True)
class ItemResult:
    item: Hashable
    mean: float
    calibrated: float
    spread: float  # population standard deviation of the totals
    disagreement: bool
    outliers: tuple[Hashable, ...]  # reviewers whose score on this item is an outlier
    n: int


@dataclass(frozen=True)
class Calibration:
    offsets: dict[Hashable, float]
    items: dict[Hashable, ItemResult]


def calibrate(entries: Sequence[Entry]) -> Calibration:
    if not entries:
        return Calibration({}, {})
    mu = statistics.fmean(e.total for e in entries)
    by_reviewer: dict[Hashable, list[float]] = {}
    by_item: dict[Hashable, list[Entry]] = {}
    for e in entries:
        by_reviewer.setdefault(e.reviewer, []).append(e.total)
        by_item.setdefault(e.item, []).append(e)
    offsets = {
        r: (statistics.fmean(ts) - mu if len(ts) >= MIN_SCORES else 0.0)
        for r, ts in by_reviewer.items()
    }
    items = {}
    for item, rows in by_item.items():
        totals = [e.total for e in rows]
        spread = statistics.pstdev(totals) if len(totals) >= 2 else 0.0
        outliers = []
        for e in rows:
            others = [o.total for o in rows if o is not e]
            if len(others) >= 2 and abs(e.total - statistics.median(others)) >= OUTLIER_GAP:
                outliers.append(e.reviewer)
        items[item] = ItemResult(
            item=item,
            mean=statistics.fmean(totals),
            calibrated=statistics.fmean(e.total - offsets[e.reviewer] for e in rows),
            spread=spread,
            disagreement=len(totals) >= 2 and spread >= DISAGREEMENT_SD,
            outliers=tuple(outliers),
            n=len(rows),
        )
    return Calibration(offsets, items)
