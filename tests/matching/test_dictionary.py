"""Platform administrators extend the Chinese dictionary of search: terms kept whole and
synonyms that match them; a change rebuilds the index; everyone else is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import PermissionDenied, ValidationFailed
from kechuang.matching import indexing
from kechuang.matching.dictionary import site_analyzer
from kechuang.matching.models import Term
from kechuang.matching.services_dictionary import term_add, term_remove
from kechuang.matching.types import Query
from tests.conftest import World, client_for
from tests.matching.conftest import Search, _switch_on, make_need


def test_a_term_is_kept_whole_and_its_synonyms_map_to_it(world: World) -> None:
    assert "钙钛矿叠层" not in site_analyzer().words("钙钛矿叠层电池的界面钝化")

    term_add(actor=world.platform_admin, text="钙钛矿叠层", synonyms="叠层钙钛矿、钙钛矿/硅叠层")

    analyzer = site_analyzer()
    assert analyzer.words("钙钛矿叠层电池") == ["钙钛矿叠层", "电池"]
    assert analyzer.words("叠层钙钛矿电池") == ["钙钛矿叠层", "电池"]


def test_synonyms_join_a_shipped_group(world: World) -> None:
    # 锂离子电池 = 锂电池 = 锂电 ships with the platform.
    term_add(actor=world.platform_admin, text="锂离子电池", synonyms="锂离子蓄电池")

    assert site_analyzer().words("锂离子蓄电池") == ["锂离子电池"]


def test_the_analyzer_is_shared_while_the_dictionary_is_unchanged(world: World) -> None:
    first = site_analyzer()
    assert site_analyzer() is first
    term_add(actor=world.platform_admin, text="热塑性聚氨酯")
    changed = site_analyzer()
    assert changed is not first
    assert site_analyzer() is changed


@pytest.mark.parametrize(
    ("text", "synonyms", "field", "message"),
    [
        ("", "", "text", "请填写一个术语（不含空格和逗号）。"),
        ("液冷板 冷板", "", "text", "请填写一个术语（不含空格和逗号）。"),
        ("液", "", "text", "“液”的长度应为 2–30 个字符。"),
        ("——", "", "text", "“——”不含文字或数字。"),
        ("锂电", "", "text", "“锂电”已是“锂离子电池”的同义词。"),
        ("储能电站", "锂电池", "synonyms", "“锂电池”已是“锂离子电池”的同义词。"),
        ("储能电站", "储能电站", "synonyms", "同义词不能与术语本身相同。"),
        ("储能电站", "、".join(f"电站{i}" for i in range(11)), "synonyms", "同义词最多 10 个。"),
    ],
)
def test_bad_terms_are_refused_and_nothing_changes(
    world: World, text: str, synonyms: str, field: str, message: str
) -> None:
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        term_add(actor=world.platform_admin, text=text, synonyms=synonyms)

    assert caught.value.fields[field] == [message]
    assert Term.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_term_is_added_once(world: World) -> None:
    term_add(actor=world.platform_admin, text="液冷板")
    with pytest.raises(ValidationFailed) as caught:
        term_add(actor=world.platform_admin, text="液冷板", synonyms="冷板")
    assert caught.value.fields["text"] == ["该术语已添加。"]
    assert list(Term.objects.values_list("text", "synonyms")) == [("液冷板", "")]


@pytest.mark.parametrize("who", ["owner_admin", "hangzhou_staff", "zhejiang_staff"])
def test_only_platform_administrators_change_the_dictionary(world: World, who: str) -> None:
    term = term_add(actor=world.platform_admin, text="液冷板")
    with pytest.raises(PermissionDenied):
        term_add(actor=getattr(world, who), text="热管")
    with pytest.raises(PermissionDenied):
        term_remove(actor=getattr(world, who), term_id=term.pk)
    assert list(Term.objects.values_list("text", flat=True)) == ["液冷板"]


@pytest.fixture
def site_search(db: Any, settings: Any, tmp_path: Path, monkeypatch: Any) -> Iterator[Search]:
    """The search on with the platform's own engine factory (BM25 only: no embeddings)."""
    yield from _switch_on(settings, tmp_path, monkeypatch, indexing._default_factory)


def test_a_new_synonym_finds_documents_after_the_rebuild(
    world: World, site_search: Search, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(world, title="热塑性聚氨酯薄膜的耐水解改性")

    def found(text: str) -> list[str]:
        return [hit.id for hit in site_search.engine.search(Query(text=text, limit=5))]

    assert found("TPU") == []

    with django_capture_on_commit_callbacks(execute=True):
        term_add(actor=world.platform_admin, text="TPU", synonyms="热塑性聚氨酯")
    assert site_search.rebuilds == ["triggered"]  # after the commit, in the background
    indexing.rebuild_index()  # what the background rebuild does

    assert found("TPU") == [f"need:{need.pk}"]


def test_the_page_lists_adds_and_removes_terms(world: World) -> None:
    client = client_for(world.platform_admin)
    url = reverse("web:dictionary")

    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "液冷板", "synonyms": "冷板，液冷冷板"})
    assert response.status_code == 302
    term = Term.objects.get()
    assert (term.text, term.synonyms) == ("液冷板", "冷板、液冷冷板")
    page = client.get(url).content.decode()
    assert "液冷板" in page and "冷板、液冷冷板" in page

    assert client.post(reverse("web:dictionary_remove", args=[term.pk])).status_code == 302
    assert Term.objects.count() == 0


def test_the_page_shows_errors_in_chinese_and_changes_nothing(world: World) -> None:
    response = client_for(world.platform_admin).post(
        reverse("web:dictionary"), {"text": "锂电", "synonyms": ""}
    )
    assert response.status_code == 422
    assert "“锂电”已是“锂离子电池”的同义词。" in response.content.decode()
    assert Term.objects.count() == 0


@pytest.mark.parametrize("who", [None, "owner_admin", "zhejiang_staff"])
def test_the_page_is_not_there_for_others(world: World, who: str | None) -> None:
    term = term_add(actor=world.platform_admin, text="液冷板")
    client = client_for(getattr(world, who) if who else None)
    listing = client.get(reverse("web:dictionary"))
    removal = client.post(reverse("web:dictionary_remove", args=[term.pk]))
    if who is None:
        assert listing.status_code == 302 and removal.status_code == 302  # to the login
    else:
        assert listing.status_code == 404 and removal.status_code == 404
    assert Term.objects.count() == 1
