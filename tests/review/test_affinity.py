"""Affinity: the engine's component scores when it is available, keyword overlap when not."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kechuang.matching import indexing
from kechuang.matching.types import Hit
from kechuang.review.affinity import affinity_matrix, overlap, shared_terms
from tests.review.conftest import Scene


def test_overlap_is_the_ochiai_coefficient() -> None:
    assert overlap({"a", "b"}, {"b", "c", "d", "e"}) == pytest.approx(1 / math.sqrt(8))
    assert overlap(set(), {"a"}) == 0.0
    assert overlap({"a"}, {"a"}) == 1.0


def test_keyword_fallback_prefers_the_expert_of_the_subject(scene: Scene) -> None:
    experts = [scene.experts[n] for n in ("陈热", "林流", "周视")]
    m = affinity_matrix(experts, scene.items)  # the test settings turn the engine off
    assert m.shape == (3, 3)
    assert list(np.argmax(m, axis=0)) == [0, 1, 2]  # each item's best expert is its specialist
    assert m[0, 1] == 0.0  # heat management shares nothing with two-phase flow
    assert "储能" in shared_terms(scene.experts["陈热"], scene.items[0])


class FakeEngine:
    def __init__(self, hits: dict[str, list[Hit]]) -> None:
        self.hits = hits

    def similar(self, doc: Any, *, kinds: Any = (), limit: int = 10, **kw: Any) -> list[Hit]:
        assert kinds == ("expert",)
        return self.hits.get(doc.title, [])


def test_engine_scores_use_the_dense_cosine(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    chen, lin = scene.experts["陈热"], scene.experts["林流"]
    fake = FakeEngine(
        {
            scene.items[0].title: [
                Hit(id=f"expert:{chen.pk}", kind="expert", score=1.0, dense_score=0.82),
                Hit(id=f"expert:{lin.pk}", kind="expert", score=0.0, dense_score=0.31),
                Hit(id="expert:999999", kind="expert", score=0.5, dense_score=0.9),
            ],
            scene.items[1].title: [
                Hit(id=f"expert:{lin.pk}", kind="expert", score=1.0, lexical_score=7.5),
            ],
        }
    )
    monkeypatch.setattr(indexing, "get_engine", lambda: fake)
    m = affinity_matrix([chen, lin], scene.items[:3])
    assert m.tolist() == [[0.82, 0.0, 0.0], [0.31, 7.5, 0.0]]
