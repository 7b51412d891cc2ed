"""The OpenAPI document: served, browsable, complete, and unchanged unless on purpose.

``UPDATE_SNAPSHOTS=1 pytest tests/api/test_openapi.py`` rewrites ``tests/api/openapi.json``
after an intended change of the API; review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kechuang.api.urls import api

SNAPSHOT = Path(__file__).with_name("openapi.json")


def schema() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in schema()["paths"].items()
        for method, op in ops.items()
    ]


@pytest.mark.django_db
def test_openapi_json_and_docs_are_served_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    client = Client()

    document = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert document.status_code == 200
    assert document.json()["info"]["title"] == "Kechuang API"
    assert docs.status_code == 200
    assert b"/api/v1/openapi.json" in docs.content


def test_openapi_snapshot() -> None:
    current = json.dumps(schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), "run with UPDATE_SNAPSHOTS=1 to create the snapshot"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "The API changed. If that is intended, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/api/test_openapi.py and commit tests/api/openapi.json."
    )


def test_every_operation_is_documented() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids))
    for method, path, op in operations():
        assert op.get("summary"), (method, path)
        assert op.get("description"), (method, path)
        errors = {int(status) for status in op["responses"] if int(status) >= 400}
        assert 401 in errors, (method, path)
        for status in errors:
            content = op["responses"][str(status)]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
        if method != "GET" or "{" in path:
            assert errors - {401}, (method, path)


# The public notice (公示) of a review: anyone may read processes and decisions.
REVIEW_PUBLIC = {
    "/api/v1/reviews/processes",
    "/api/v1/reviews/processes/{process_id}",
    "/api/v1/reviews/processes/{process_id}/decision",
}


def test_writes_require_a_token_and_public_reads_make_it_optional() -> None:
    for method, path, op in operations():
        if method == "GET" and (
            path.startswith(
                ("/api/v1/needs", "/api/v1/achievements", "/api/v1/experts", "/api/v1/search")
            )
            or path.startswith("/api/v1/match/")
            or path in {"/api/v1/organizations", "/api/v1/organizations/{org_id}"}
            or path
            in {
                "/api/v1/challenges/calls",
                "/api/v1/challenges/calls/{call_id}",
                "/api/v1/challenges/problems",
            }
            or path in REVIEW_PUBLIC
            or path in {"/api/v1/events", "/api/v1/events/{event_id}"}
        ):
            assert op["security"] == [{}, {"TokenAuth": []}], path
        else:
            assert op["security"] == [{"TokenAuth": []}], (method, path)


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client: Any) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower()


def test_component_names_are_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two schemas with one class name become one OpenAPI component: the document then
    shows one of them for both endpoints (django-ninja keeps the last one it met). Every
    schema the API uses needs its own name."""
    from ninja.openapi.schema import OpenAPISchema

    seen: dict[str, Any] = {}
    clashes: dict[str, int] = {}
    original = OpenAPISchema.add_schema_definitions

    def record(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes[name] = clashes.get(name, 1) + 1
            seen.setdefault(name, definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    api.get_openapi_schema(path_prefix="/api/v1/")

    assert clashes == {}
    assert len(seen) > 50  # the document's components went through the check
