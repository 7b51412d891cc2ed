"""Affinity: the engine's component scores when it is available, keyword overlap when not."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kechuang.matching import indexing
from kechuang.matching.types import Hit
from kechuang.review.affinity import affinity_matrix, overlap, shared_terms
from kechuang.review.models import ReviewAssignment
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


class CosineEngine:
    """Every expert at a fixed cosine per item title: the engine as it is with embeddings."""

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines

    def search(self, query: Any) -> list[Hit]:
        raise indexing.SearchUnavailable("only similar() here: the name search uses the database")

    def similar(self, doc: Any, *, kinds: Any = (), limit: int = 10, **kw: Any) -> list[Hit]:
        return [
            Hit(id=f"expert:{pk}", kind="expert", score=1.0, dense_score=cosine)
            for pk, cosine in self.cosines.items()
        ]


def test_people_see_the_calibrated_relevance_not_the_cosine(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.template.loader import render_to_string
    from django.urls import reverse

    from kechuang.matching.calibration import relevance
    from kechuang.review.selectors.pages import candidates_of
    from kechuang.review.services.assign import assignment_solve
    from tests.conftest import client_for

    chen = scene.experts["陈热"]
    cosines = {e.pk: 0.8 + 0.02 * i for i, e in enumerate(scene.experts.values())}
    cosines[chen.pk] = 0.95  # the best for every item: assigned to each
    monkeypatch.setattr(indexing, "get_engine", lambda: CosineEngine(cosines))
    # the fake hits matched with the experts' own text (no best passage)
    expected = relevance(cosines[chen.pk], context="similar", through_passage=False)
    assert expected is not None
    scene.to_assigning()
    assignment_solve(actor=scene.runner, process=scene.process)
    client = client_for(scene.runner)

    # the candidates tab: its row of 陈热 (the scene's experts are not in the runner's
    # public pool, so the row is rendered as the page renders each candidate)
    [candidate] = candidates_of(scene.process, [chen])
    assert candidate.relevance == expected
    row = render_to_string(
        "review/partials/candidate_row.html", {"c": candidate, "process": scene.process}
    )
    assert f'data-relevance="{expected.label}"' in row and f"{expected.percent}%" in row
    assert f"{cosines[chen.pk]:.2f}" not in row
    matrix = client.get(reverse("review:assignment", args=[scene.process.pk])).content.decode()
    listed = client.get(
        reverse("review:assignment", args=[scene.process.pk]) + "?view=list"
    ).content.decode()

    # the assignment tab shows the same label as the candidates tab for the same expert
    badge = f'data-relevance="{expected.label}"'
    percent = f"{expected.percent}%"
    for html in (matrix, listed):
        assert badge in html and percent in html
        assert f"{cosines[chen.pk]:.2f}" not in html  # never the cosine itself
    assert "已分配的相关度：高" in matrix
    chen_row = next(
        a for a in ReviewAssignment.objects.filter(member__expert=chen) if a.status == "active"
    )
    assert chen_row.reason.startswith(
        {"high": "相关度高", "medium": "相关度中", "low": "相关度低"}[expected.label]
        + f"（约 {expected.percent}%）"
    )
    assert f"{cosines[chen.pk]:.2f}" not in chen_row.reason


def test_shared_terms_of_an_assignment_are_words_not_characters(scene: Scene) -> None:
    terms = shared_terms(scene.experts["陈热"], scene.items[0])

    assert terms and all(len(t) >= 2 for t in terms)
