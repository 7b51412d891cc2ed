"""The challenge pages in English: for each role that sees them, no Chinese outside what
users typed (and what services stored as a record, such as filing summaries)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kechuang.accounts.models import User
from kechuang.challenges import models as m
from kechuang.challenges.services.collection import problem_submit, round_open
from tests.challenges.conftest import Tree, bid, submitted_bid
from tests.challenges.test_views import awarded
from tests.web.test_english import (
    chinese_snippets,
    english_client,
    english_named,
    get_english,
    reference_data,
    strip,
    user_content,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_chinese() -> Iterator[None]:
    """The English requests leave English active in this thread (LocaleMiddleware does not
    reset it): restore the default so later tests read the Chinese messages."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def json_strings(value: Any) -> list[str]:
    """Every string inside a JSON value (indicators, team rows, event parameters)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


def stored_text(*app_labels: str) -> list[str]:
    """Text stored in the apps' rows: what users typed, and records written at the time
    (event and filing summaries, default rubric names) that keep the writer's language."""
    values: list[str] = []
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            fields = [
                f
                for f in model._meta.concrete_fields
                if f.get_internal_type() in ("CharField", "TextField", "JSONField")
            ]
            for row in model._default_manager.values_list(*(f.attname for f in fields)):
                for value in row:
                    values += json_strings(value)
    return values


def chinese_on(user: User | None, pages: list[str]) -> dict[str, list[str]]:
    """Chinese left on each page once user content and the stored rows are removed."""
    client = english(user)
    found = {}
    for page in pages:
        html = get_english(client, page)
        texts = user_content() + reference_data() + stored_text("challenges", "review")
        if snippets := chinese_snippets(strip(html, texts)):
            found[page] = snippets
    return found


def english(user: User | None) -> Client:
    return english_client(english_named(user) if user else None)


def url(name: str, *args: Any) -> str:
    return reverse(f"challenges:{name}", args=args)


def test_public_pages_are_english(tree: Tree, published: m.Call) -> None:
    pages = [url("call_list"), url("call_detail", published.pk), url("results")]

    assert chinese_on(None, pages) == {}


def test_applicant_pages_are_english(tree: Tree, published: m.Call) -> None:
    application = submitted_bid(tree, published)
    pages = [
        url("call_detail", published.pk),
        url("applications_mine"),
        url("application_detail", application.pk),
        url("application_apply", published.pk, published.problems.get().pk),
        url("workspace_card"),
    ]

    assert chinese_on(tree.lab_admin, pages) == {}


def test_organiser_pages_are_english(tree: Tree, published: m.Call) -> None:
    bid(tree, published)
    pages = [
        url("call_detail", published.pk),
        url("call_manage"),
        url("call_create"),
        url("call_applications", published.pk),
        url("filings"),
        url("stats"),
        url("duplicates"),
    ]

    assert chinese_on(tree.national_staff, pages) == {}


@pytest.mark.parametrize("who", ["national_staff", "lab_admin"])
def test_project_pages_are_english_for_organiser_and_winner(
    tree: Tree, call: m.Call, who: str
) -> None:
    project = awarded(tree, call)
    pages = [url("project_list"), url("project_detail", project.pk), url("results")]

    assert chinese_on(getattr(tree, who), pages) == {}


def test_collection_and_recommendation_pages_are_english(tree: Tree) -> None:
    today = timezone.localdate()
    round_ = round_open(
        actor=tree.xihu_staff,
        owner=tree.xihu,
        title="Round 1",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
    )
    problem = problem_submit(
        actor=tree.lab_admin,
        round=round_,
        organization=tree.lab,
        title="Cold plate",
        description="Cell temperature spread under 3 K.",
    )
    staff_pages = [
        url("round_list"),
        url("round_detail", round_.pk),
        url("problem_detail", problem.pk),
        url("recommendations"),
    ]

    assert chinese_on(tree.xihu_staff, staff_pages) == {}
    assert chinese_on(tree.lab_admin, [url("round_list"), url("round_detail", round_.pk)]) == {}


def test_english_pages_still_show_user_content(tree: Tree, published: m.Call) -> None:
    html = get_english(english(None), url("call_detail", published.pk))

    assert published.title in html
    assert "Technical targets" in html
