"""Reading scores: the current revision of each (assignment, round), and totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, OuterRef, Subquery

from kechuang.review.models import Criterion, ReviewProcess, Score


def current_scores(process: ReviewProcess, round_no: int) -> list[Score]:
    """The latest revision of every submitted score of the round (a revision replaces the
    one before it; the earlier rows stay, as the record)."""
    latest = (
        Score.objects.filter(assignment=OuterRef("assignment"), round=round_no)
        .values("assignment")
        .annotate(m=Max("revision"))
        .values("m")
    )
    return list(
        Score.objects.filter(assignment__item__process=process, round=round_no)
        .filter(revision=Subquery(latest))
        .select_related("assignment__member__expert", "assignment__item")
        .order_by("assignment_id")
    )


def weighted_total(criteria: list[Criterion], values: Mapping[int, Decimal]) -> Decimal:
    """The weighted total on 0–100: Σ wᵢ·(vᵢ − minᵢ)/(maxᵢ − minᵢ) / Σ wᵢ × 100, rounded
    half-up to 2 decimals. With the default rubric (each criterion out of its weight) it is
    the plain sum of the values."""
    weights = sum((c.weight for c in criteria), Decimal(0))
    acc = Decimal(0)
    for c in criteria:
        acc += c.weight * (values[c.pk] - c.min_value) / (c.max_value - c.min_value)
    return (acc / weights * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
