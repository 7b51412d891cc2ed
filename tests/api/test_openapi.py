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
        ):
            assert op["security"] == [{}, {"TokenAuth": []}], path
        else:
            assert op["security"] == [{"TokenAuth": []}], (method, path)


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client: Any) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower()


def _schema_classes(annotation: Any, found: set[type]) -> None:
    """Every pydantic model reachable from ``annotation`` (fields, lists, unions)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _schema_classes(field.annotation, found)
        return
    for arg in getattr(annotation, "__args__", ()):
        _schema_classes(arg, found)


def test_component_names_are_unique() -> None:
    """Two schemas with one class name become one OpenAPI component: the document then
    shows one of them for both endpoints. Every schema the API uses needs its own name."""
    found: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _schema_classes(model, found)
                for model in operation.response_models.values():
                    _schema_classes(model, found)
    by_name: dict[str, set[str]] = {}
    for cls in found:
        if cls.__module__.startswith("kechuang."):
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")

    duplicates = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}

    assert duplicates == {}
    assert len(by_name) > 100  # the walk reached the schemas
