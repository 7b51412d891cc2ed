"""Input hardening at the edge (kechuang.web.edge): NUL bytes, lone surrogates, numbers
past 64 bits and oversized bodies get a 4xx — problem+json with a code under /api/, a
Chinese error page elsewhere — and change nothing. Run on PostgreSQL too, where NUL bytes
and out-of-range integers used to give a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import Api, db_state, token_for
from tests.conftest import World, client_for, need_data

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
PROBLEM = "application/problem+json"
NUL_MESSAGE = "请求中含有不允许的字符（NUL 或不成对的代理码位）。"


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    return body


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=" + HUGE, "page"),
        ("page=1000001", "page"),
        ("q=a%00b", "q"),
        ("region=%00", "region"),
    ],
)
def test_bad_query_is_a_problem(world: World, query: str, field: str) -> None:
    body = problem_of(Client().get(f"/api/v1/needs?{query}"), 422, "validation_failed")

    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/organizations?parent={HUGE}",
        f"/api/v1/organizations?within={HUGE}",
        "/api/v1/search?q=a%00b",
    ],
)
def test_out_of_range_and_nul_filters_are_problems(world: World, url: str) -> None:
    problem_of(Client().get(url), 422, "validation_failed")


@pytest.mark.parametrize("url", [f"/api/v1/needs/{HUGE}", f"/api/v1/organizations/{HUGE}"])
def test_huge_path_id_is_not_found(world: World, url: str) -> None:
    problem_of(Client().get(url), 404, "not_found")


def test_nul_in_path_is_a_problem(world: World) -> None:
    problem_of(Client().get("/api/v1/needs/1%00"), 400, "bad_request")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('"\\ud800 储能"', "title"),  # a lone high surrogate
        ('"\\udfff"', "title"),  # a lone low surrogate
        ('"液冷\\u0000板"', "title"),  # NUL
    ],
)
def test_bad_json_string_is_a_problem_and_changes_nothing(
    world: World, raw: str, field: str
) -> None:
    api = Api(token_for(world.owner_admin))
    data = need_data(organization=world.enterprise.pk)
    body = json.dumps(data).replace(json.dumps(data["title"]), raw)
    assert raw in body
    before = db_state()

    problem = problem_of(api.post("/needs", raw=body), 422, "validation_failed")

    assert problem["errors"] == {field: [NUL_MESSAGE]}
    assert db_state() == before


def test_bad_json_key_and_nested_value_are_problems(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    before = db_state()

    nested = problem_of(
        api.post("/tokens", raw='{"name": "ok", "x": ["a", "b\\u0000"]}'), 422, "validation_failed"
    )
    key = problem_of(api.post("/tokens", raw='{"na\\u0000me": "ok"}'), 422, "validation_failed")

    assert nested["errors"] == {"x.1": [NUL_MESSAGE]}
    assert key["errors"] == {"__all__": [NUL_MESSAGE]}
    assert db_state() == before


def test_a_surrogate_pair_is_fine(world: World) -> None:
    api = Api(token_for(world.owner_admin))

    response = api.post("/tokens", raw='{"name": "脚本 \\ud83d\\ude00"}')

    assert response.status_code == 201, response.content.decode()
    assert response.json()["name"] == "脚本 \U0001f600"


def test_body_over_the_limit_is_a_problem(world: World, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = Api(token_for(world.owner_admin))
    before = db_state()

    body = problem_of(api.post("/tokens", {"name": "x" * 2000}), 413, "request_too_large")

    assert body["title"] == "请求体过大（上限 1000 字节）。"
    assert db_state() == before


# ---------------------------------------------------------------- pages


def test_nul_in_a_page_query_is_a_chinese_error_page(world: World) -> None:
    response = Client().get("/needs/?q=a%00b")

    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()


def test_nul_in_a_form_field_is_refused_and_changes_nothing(world: World) -> None:
    client = client_for(world.owner_admin)
    before = db_state()

    response = client.post(reverse("accounts:tokens"), {"name": "同步\x00脚本"})

    assert response.status_code == 422
    assert NUL_MESSAGE in response.content.decode()
    assert db_state() == before


def test_huge_numbers_that_match_nothing_are_empty_or_not_found(world: World) -> None:
    assert Client().get(f"/needs/{HUGE}/").status_code == 404
    assert Client().get(f"/needs/?page={HUGE}").status_code == 200


def test_clean_text_drops_format_characters() -> None:
    from kechuang.common.validation import clean_text

    assert clean_text(" \u200b揭榜\u202e挂帅\u2066 ") == "揭榜挂帅"
    assert clean_text("\u200b\u200c\u200d\ufeff") == ""
    assert clean_text(None) == ""


def test_the_problem_speaks_english_when_asked(world: World) -> None:
    response = Client().get("/api/v1/needs?q=a%00b", HTTP_ACCEPT_LANGUAGE="en")

    body = problem_of(response, 422, "validation_failed")
    assert body["title"] == (
        "The request contains characters that are not allowed (NUL or an unpaired surrogate)."
    )


def test_an_unparsable_multipart_body_is_a_problem(world: World) -> None:
    api = Api(token_for(world.owner_admin))
    before = db_state()

    response = api.client.post(
        "/api/v1/tokens",
        data=b"name=x",
        content_type="multipart/form-data",  # no boundary
        **api.headers,
    )

    body = problem_of(response, 400, "bad_request")
    assert body["title"] == "请求的内容无法处理，请检查后重试。"
    assert db_state() == before


def test_an_unparsable_form_on_a_page_is_a_chinese_error_page(world: World) -> None:
    response = client_for(world.owner_admin).post(
        reverse("accounts:tokens"), data=b"name=x", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "请求的内容无法处理，请检查后重试。" in response.content.decode()


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy"]
)
def test_a_form_body_where_json_is_expected_is_a_problem(world: World, content_type: str) -> None:
    api = Api(token_for(world.owner_admin))
    before = db_state()
    if content_type.startswith("multipart"):
        body = (
            b"--BoUnDaRy\r\n"
            b'Content-Disposition: form-data; name="name"\r\n\r\nx\r\n'
            b"--BoUnDaRy--\r\n"
        )
    else:
        body = b"name=x"

    response = api.client.post(
        "/api/v1/tokens", data=body, content_type=content_type, **api.headers
    )

    problem = problem_of(response, 422, "validation_failed")
    assert problem["errors"] == {"__all__": ["请求体不是有效的 JSON。"]}
    assert db_state() == before
