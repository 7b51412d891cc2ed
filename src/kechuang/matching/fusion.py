"""Fusing ranked candidate lists from the lexical and the dense side.

Each side gives ``{doc_id: score}`` for its candidates (higher is better). Two fusions:

- ``rrf``: reciprocal-rank fusion, ``Σ w_side / (k + rank)``; ignores score scale.
- ``weighted``: each side's scores normalised (``minmax`` over the candidates to [0, 1];
  ``max``: divided by the top score; ``zscore``: standard scores over the candidates,
  shifted so the weakest candidate is 0), then ``Σ w_side · normalised``. A document the
  other side did not return gets 0 from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Normalisation = Literal["minmax", "max", "zscore", "none"]


def ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1-based ranks, best first; ties broken by id so results are deterministic."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {doc_id: position for position, (doc_id, _) in enumerate(ordered, start=1)}


def normalise_scores(
    scores: Mapping[str, float], how: Normalisation = "minmax"
) -> dict[str, float]:
    if not scores:
        return {}
    if how == "none":
        return dict(scores)
    if how == "zscore":
        values = list(scores.values())
        mean = sum(values) / len(values)
        std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
        if std <= 0:
            return {k: 1.0 for k in scores}
        low = min(values)
        return {k: (v - low) / std for k, v in scores.items()}
    top = max(scores.values())
    if how == "max":
        return {k: (v / top if top > 0 else 0.0) for k, v in scores.items()}
    low = min(scores.values())
    span = top - low
    if span <= 0:
        return {k: 1.0 for k in scores}
    return {k: (v - low) / span for k, v in scores.items()}


def rrf(
    sides: Mapping[str, Mapping[str, float]], weights: Mapping[str, float], k: float = 60.0
) -> dict[str, float]:
    """Reciprocal-rank fusion of several sides' candidate scores."""
    fused: dict[str, float] = {}
    for side, scores in sides.items():
        weight = weights.get(side, 1.0)
        for doc_id, rank in ranks(scores).items():
            fused[doc_id] = fused.get(doc_id, 0.0) + weight / (k + rank)
    return fused


def weighted(
    sides: Mapping[str, Mapping[str, float]],
    weights: Mapping[str, float],
    how: Normalisation = "minmax",
) -> dict[str, float]:
    """Weighted sum of normalised scores."""
    fused: dict[str, float] = {}
    for side, scores in sides.items():
        weight = weights.get(side, 1.0)
        for doc_id, value in normalise_scores(scores, how).items():
            fused[doc_id] = fused.get(doc_id, 0.0) + weight * value
    return fused


def ordered(fused: Mapping[str, float]) -> list[tuple[str, float]]:
    """Best first, ties broken by id."""
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
