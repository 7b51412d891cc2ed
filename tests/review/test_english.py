"""The review pages in English for each role that sees them: organiser, third-party
evaluator, reviewer, applicant and the public. No Chinese outside what users typed and
what the review stored (item titles, the rubric, decisions, comments)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.accounts.models import User
from tests.challenges.test_english import english, stored_text
from tests.review.conftest import Scene, active, user_of
from tests.review.test_views import to_notice
from tests.web.test_english import chinese_snippets, get_english, reference_data, strip
from tests.web.test_english import user_content as typed_content

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"review:{name}", args=args)


def chinese_on(user: User | None, pages: list[str]) -> dict[str, list[str]]:
    """Chinese left on each page once user content and stored review text are removed."""
    client = english(user)
    found = {}
    for page in pages:
        html = get_english(client, page)
        texts = typed_content() + reference_data() + stored_text("review", "challenges")
        if snippets := chinese_snippets(strip(html, texts)):
            found[page] = snippets
    return found


@pytest.mark.parametrize("who", ["runner", "evaluator_admin"])
def test_runner_pages_are_english(scene: Scene, who: str) -> None:
    scene.to_round_1()
    pk = scene.process.pk
    pages = [
        url("process_list"),
        url("process_detail", pk),
        url("candidates", pk),
        url("conflicts", pk),
        url("assignment", pk),
        url("assignment", pk) + "?view=list",
        url("ranking", pk),
        url("item_detail", scene.items[0].pk),
        url("panel_detail", scene.panel.pk),
    ]

    assert chinese_on(getattr(scene, who), pages) == {}


def test_create_page_is_english(scene: Scene) -> None:
    assert chinese_on(scene.runner, [url("process_create")]) == {}


def test_reviewer_pages_are_english(scene: Scene) -> None:
    scene.to_round_1()
    assignment = active(scene.process)[0]
    reviewer = user_of(assignment.member.expert)
    pages = [
        url("my_tasks"),
        url("tasks_card"),
        url("panel_detail", scene.panel.pk),
        url("score", assignment.pk),
    ]

    assert chinese_on(reviewer, pages) == {}


def test_decision_and_notice_pages_are_english(scene: Scene) -> None:
    to_notice(scene)
    pk = scene.process.pk

    assert chinese_on(scene.runner, [url("decision", pk), url("notice", pk)]) == {}
    assert chinese_on(None, [url("notice", pk)]) == {}
    applicant = scene.world.owner_admin
    pages = [url("item_detail", scene.items[0].pk), url("process_detail", pk), url("notice", pk)]
    assert chinese_on(applicant, pages) == {}
