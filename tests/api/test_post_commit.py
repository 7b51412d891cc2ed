"""Work done after a commit (indexing, deleting a removed file, mail) never turns the
committed write into an error answer: it is logged, and the write answers 2xx.

These tests commit for real (``transactional_db``), so the hooks run as in production."""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from kechuang.catalog.models import Attachment, Need
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue
from tests.api.conftest import Api, attach_pdf, token_for
from tests.api.test_needs import body
from tests.conftest import World

SRC = Path(__file__).parents[2] / "src" / "kechuang"


@pytest.fixture
def indexing_fails(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine on and indexing in the request's own process, where it breaks."""
    settings.KECHUANG_SEARCH_BACKEND = "local"
    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = "true"

    def broken(kind: str, ids: Any) -> Any:
        raise RuntimeError("the index went away")

    monkeypatch.setattr(indexing, "index_objects", broken)


@pytest.mark.usefixtures("indexing_fails")
def test_a_failing_indexing_hook_answers_201_with_the_need_saved(
    transactional_db: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(token_for(world.owner_admin))

    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        response = api.post("/needs", body(world, title="熔盐泵密封"))

    assert response.status_code == 201, response.content
    need = Need.objects.get(pk=response.json()["id"])
    assert need.title == "熔盐泵密封"
    # still queued: the worker indexes it when the index is back
    assert IndexQueue.objects.filter(kind="need", object_id=need.pk).exists()
    assert "the index went away" in caplog.text


@pytest.mark.usefixtures("indexing_fails")
def test_with_an_idempotency_key_too(transactional_db: Any, world: World) -> None:
    api = Api(token_for(world.owner_admin))
    response = api.client.post(
        api.url("/needs"),
        body(world),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **api.headers,
    )
    assert response.status_code == 201, response.content
    assert Need.objects.filter(pk=response.json()["id"]).exists()


def test_a_file_that_cannot_be_deleted_after_commit_still_answers_204(
    transactional_db: Any,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    need = Need.objects.get(
        pk=Api(token_for(world.owner_admin)).post("/needs", body(world)).json()["id"]
    )
    attachment = attach_pdf(need, world)

    def refuse(self: Any, name: str) -> None:
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    api = Api(token_for(world.owner_admin))

    response = api.delete(f"/needs/{need.pk}/attachments/{attachment.pk}")

    assert response.status_code == 204, response.content
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def _on_commit_calls() -> list[tuple[str, int, bool]]:
    found = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
                == "on_commit"
            ):
                robust = any(
                    k.arg == "robust" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in node.keywords
                )
                found.append((str(path.relative_to(SRC)), node.lineno, robust))
    return found


def test_every_on_commit_hook_is_robust() -> None:
    """A hook that raises after the commit would answer a saved write as failed."""
    calls = _on_commit_calls()
    assert len(calls) >= 5
    assert [c for c in calls if not c[2]] == []
