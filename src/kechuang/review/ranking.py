"""The ranking of a round: weighted total, calibrated total and flags per item."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from kechuang.review.calibration import Entry, calibrate
from kechuang.review.models import ReviewItem, ReviewProcess
from kechuang.review.scores import current_scores


@dataclass(frozen=True)
class RankedItem:
    """One item's place in a round. ``total`` is the mean weighted total (0–100) of its
    current scores, ``calibrated`` the mean after each reviewer's leniency offset; both
    None when nobody scored it. ``flags``: ``disagreement``, ``outlier``, ``unscored``."""

    item: ReviewItem
    subject_type: str
    subject_id: int
    rank: int
    total: float | None
    calibrated: float | None
    spread: float | None
    scores: int
    flags: tuple[str, ...] = field(default=())
    outlier_reviewers: tuple[int, ...] = field(default=())  # expert ids (not for applicants)


def ranking(*, process: ReviewProcess, round: int) -> list[RankedItem]:
    """Items still in the round, best calibrated total first (ties: total, then item id);
    unscored items last."""
    scores = current_scores(process, round)
    entries = [
        Entry(s.assignment.member.expert_id, s.assignment.item_id, float(s.total)) for s in scores
    ]
    result = calibrate(entries)
    items = [i for i in process.items.order_by("id") if i.in_round(round)]

    def key(item: ReviewItem) -> tuple[int, float, float, int]:
        r = result.items.get(item.pk)
        return (0, -r.calibrated, -r.mean, item.pk) if r else (1, 0.0, 0.0, item.pk)

    out = []
    for rank, item in enumerate(sorted(items, key=key), start=1):
        r = result.items.get(item.pk)
        if r is None:
            out.append(
                RankedItem(
                    item,
                    item.subject_type,
                    item.subject_id,
                    rank,
                    None,
                    None,
                    None,
                    0,
                    ("unscored",),
                )
            )
            continue
        flags = tuple(
            f for f, on in (("disagreement", r.disagreement), ("outlier", bool(r.outliers))) if on
        )
        out.append(
            RankedItem(
                item=item,
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                rank=rank,
                total=builtins.round(r.mean, 2),
                calibrated=builtins.round(r.calibrated, 2),
                spread=builtins.round(r.spread, 2),
                scores=r.n,
                flags=flags,
                outlier_reviewers=tuple(int(x) for x in r.outliers),  # type: ignore[call-overload]
            )
        )
    return out
