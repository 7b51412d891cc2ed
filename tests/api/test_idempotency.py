"""``Idempotency-Key`` on API writes (kechuang.api.idempotency), from the HTTP side: a retry
gets the first answer and creates nothing more, whatever was lost on the way back."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from kechuang.api.idempotency import idempotency_purge
from kechuang.api.models import IdempotencyKey
from kechuang.catalog.models import Attachment, Need
from tests.api.conftest import PDF, Api, db_state, token_for
from tests.api.test_needs import body
from tests.conftest import World

pytestmark = pytest.mark.django_db

KEY = "5d1f7c0e-8a4b-4c39-9f2e-1f6b7d3a9c01"


def post(api: Api, path: str, data: Any, key: str | None = KEY) -> Any:
    headers = dict(api.headers)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post(
        api.url(path), json.dumps(data), content_type="application/json", **headers
    )


def test_a_retry_after_a_lost_response_gets_the_first_answer_and_creates_nothing(
    world: World,
) -> None:
    api = Api(token_for(world.owner_admin))
    first = post(api, "/needs", body(world, title="熔盐泵密封"))  # the answer is lost
    assert first.status_code == 201
    created = Need.objects.get()

    retry = post(api, "/needs", body(world, title="熔盐泵密封"))

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.json()["id"] == created.pk
    assert Need.objects.count() == 1
    assert "Idempotent-Replayed" not in first


def test_without_a_key_every_request_creates(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    post(api, "/needs", body(world), key=None)
    post(api, "/needs", body(world), key=None)
    assert Need.objects.count() == 2


def test_the_same_key_with_another_body_is_422_and_creates_nothing(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    post(api, "/needs", body(world, title="熔盐泵密封"))
    before = db_state()

    response = post(api, "/needs", body(world, title="另一个需求"))

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert db_state() == before


def test_the_same_key_on_another_path_is_422(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    post(api, "/needs", body(world))
    response = post(api, f"/needs?organization={world.enterprise.pk}", body(world))
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_retry_while_the_first_request_runs_is_409(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry arrives while the first request is still inside its service call."""
    from kechuang.catalog.api import needs

    api = Api(token_for(world.owner_admin))
    answers: list[Any] = []
    real = needs.need_create

    def slow_create(**kwargs: Any) -> Any:
        answers.append(post(api, "/needs", body(world)))  # the client gave up and retried
        return real(**kwargs)

    monkeypatch.setattr(needs, "need_create", slow_create)
    first = post(api, "/needs", body(world))

    assert first.status_code == 201
    assert answers[0].status_code == 409
    assert answers[0].json()["code"] == "idempotency_key_in_progress"
    assert answers[0]["Retry-After"] == "1"
    assert Need.objects.count() == 1


def test_keys_belong_to_their_user(world: World) -> None:
    owner = Api(token_for(world.owner_admin))
    mine = post(owner, "/needs", body(world, title="我的需求"))
    other = Api(token_for(world.other_admin))

    theirs = post(
        other, "/needs", body(world, title="我的需求", organization=world.other_enterprise.pk)
    )

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["organization"]["id"] == world.other_enterprise.pk
    # the same user's second token is the same caller
    again = post(Api(token_for(world.owner_admin)), "/needs", body(world, title="我的需求"))
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == mine.json()


def test_a_refusal_is_replayed_too(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    first = post(api, "/needs", body(world, title=""))
    retry = post(api, "/needs", body(world, title=""))
    assert (first.status_code, retry.status_code) == (422, 422)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


def test_a_5xx_is_not_kept_and_the_retry_runs_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(token_for(world.owner_admin))
    from kechuang.catalog.api import needs

    def database_gone(**kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(needs, "need_create", database_gone)
    failed = post(api, "/needs", body(world))
    assert failed.status_code == 503
    monkeypatch.undo()

    retry = post(api, "/needs", body(world))

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Need.objects.count() == 1


def test_a_claim_left_by_a_killed_request_is_taken_over_once_stale(world: World) -> None:
    """The process died mid-request: its claim has no answer, and none of its writes
    committed (they share the answer's transaction)."""
    api = Api(token_for(world.owner_admin))
    path, data = "/needs", body(world)
    # what the dead request left: the claim, made with the same request
    post(api, path, data)
    row = IdempotencyKey.objects.get()
    Need.objects.all().delete()
    IdempotencyKey.objects.filter(pk=row.pk).update(status=None, response_body=b"")

    assert post(api, path, data).status_code == 409  # fresh: maybe still running
    IdempotencyKey.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=121)
    )
    retry = post(api, path, data)

    assert retry.status_code == 201
    assert Need.objects.count() == 1


def test_a_bad_key_is_422_and_changes_nothing(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    for bad in ("", "x" * 256, "键"):
        response = post(api, "/needs", body(world), key=bad)
        assert response.status_code == 422, bad
        assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert Need.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_an_upload_retried_with_a_new_boundary_is_replayed(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    need_id = post(api, "/needs", body(world), key="need-1").json()["id"]

    def upload() -> Any:
        import io

        stream = io.BytesIO(PDF)
        stream.name = "说明书.pdf"
        return api.client.post(
            api.url(f"/needs/{need_id}/attachments"),
            {"file": stream},
            HTTP_IDEMPOTENCY_KEY="upload-1",
            **api.headers,
        )

    first, retry = upload(), upload()

    assert first.status_code == 201, first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Attachment.objects.count() == 1


def test_anonymous_callers_get_the_operations_own_401(world: World) -> None:
    response = post(Api(), "/needs", body(world))
    assert response.status_code == 401
    assert IdempotencyKey.objects.count() == 0


def test_purge_deletes_keys_older_than_24_hours(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    post(api, "/needs", body(world), key="old")
    post(api, "/needs", body(world, title="新的需求"), key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(hours=24, seconds=1)
    )

    assert idempotency_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_an_expired_key_not_yet_purged_is_a_new_key(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    post(api, "/needs", body(world))
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))

    again = post(api, "/needs", body(world))

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Need.objects.count() == 2


def test_the_header_is_documented_on_every_post() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    posts = [op for ops in schema["paths"].values() for m, op in ops.items() if m == "post"]
    assert len(posts) > 20
    for op in posts:
        assert "Idempotency-Key" in [p["name"] for p in op.get("parameters", [])]
