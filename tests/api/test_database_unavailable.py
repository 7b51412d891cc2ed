"""A database that goes away while a request is answered (PostgreSQL restarting, a cut
connection) is a 503 with Retry-After — problem+json ``service_unavailable`` under /api/,
the Chinese 503 page elsewhere — never a 500 (kechuang.web.edge.database_unavailable)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import InterfaceError, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from ninja import Schema
from pydantic import ValidationError as PydanticValidationError

from kechuang.web.edge import EdgeInputMiddleware
from tests.api.conftest import Api, token_for
from tests.conftest import World, need_data

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
API_TITLE = "服务暂时不可用（数据库连接中断），请稍后重试。"


def _raising(exc_type: type[Exception]) -> Callable[..., Any]:
    def cursor(*args: Any, **kwargs: Any) -> Any:
        raise exc_type("server closed the connection unexpectedly")

    return cursor


def _assert_api_503(response: Any, path: str) -> None:
    assert response.status_code == 503, response.content.decode()
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "https://kechuang.invalid/problems/service_unavailable",
        "title": API_TITLE,
        "status": 503,
        "code": "service_unavailable",
        "detail": API_TITLE,
        "instance": path,
    }


@pytest.mark.parametrize("exc_type", [OperationalError, InterfaceError])
def test_api_read_with_the_database_down_is_a_503(
    world: World, monkeypatch: pytest.MonkeyPatch, exc_type: type[Exception]
) -> None:
    monkeypatch.setattr(connection, "cursor", _raising(exc_type))

    response = Client().get("/api/v1/needs")

    _assert_api_503(response, "/api/v1/needs")


def test_api_write_with_the_database_down_is_a_503_and_creates_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kechuang.catalog.models import Need

    api = Api(token_for(world.owner_admin))
    before = Need.objects.count()
    monkeypatch.setattr(connection, "cursor", _raising(OperationalError))

    response = api.post(f"/needs?organization={world.enterprise.pk}", need_data())

    _assert_api_503(response, "/api/v1/needs")
    monkeypatch.undo()
    assert Need.objects.count() == before


class _Gone:
    """An object whose field reads a connection the server has closed."""

    def __init__(self, exc_type: type[Exception]) -> None:
        self.exc_type = exc_type

    @property
    def title(self) -> str:
        raise self.exc_type("consuming input failed: server closed the connection")


class _Out(Schema):
    title: str


def _schema_error(exc_type: type[Exception]) -> PydanticValidationError:
    with pytest.raises(PydanticValidationError) as caught:
        _Out.model_validate(_Gone(exc_type))
    return caught.value


@pytest.mark.parametrize("exc_type", [OperationalError, InterfaceError])
def test_database_gone_while_the_schema_reads_the_answer_is_a_503(
    exc_type: type[Exception],
) -> None:
    """Found by bench/faults/pg_restart.py: a create committed, then its output schema read
    a lazy relation on a connection PostgreSQL had just closed; pydantic wraps that error in
    its own ValidationError (get_attribute_error, naming only the error's class). Still a
    503 with Retry-After, not a 500 (and a 503 does not say that a write failed)."""
    request = RequestFactory().post("/api/v1/needs")
    middleware = EdgeInputMiddleware(lambda r: HttpResponse())

    response = middleware.process_exception(request, _schema_error(exc_type))

    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response["Content-Type"] == PROBLEM
    assert json.loads(response.content)["code"] == "service_unavailable"


def test_other_errors_met_by_a_schema_stay_a_500() -> None:
    request = RequestFactory().post("/api/v1/needs")
    middleware = EdgeInputMiddleware(lambda r: HttpResponse())

    assert middleware.process_exception(request, _schema_error(ValueError)) is None


def test_page_with_the_database_down_is_the_chinese_503_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "cursor", _raising(OperationalError))

    response = Client().get("/orgs/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<div class="code">503</div>' in html
    assert "服务暂时不可用" in html
    assert "平台暂时无法连接数据库" in html


def test_page_in_english(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "cursor", _raising(OperationalError))

    response = Client(headers={"accept-language": "en"}).get("/orgs/")

    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.content.decode()


class _DatabaseGoneInMiddleware:
    """Stands for a middleware (or the session saved with the response) that meets the
    lost connection outside any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise OperationalError("terminating connection due to administrator command")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/needs", PROBLEM), ("/orgs/", "text/html; charset=utf-8")],
)
def test_database_error_outside_a_view_is_a_503_too(
    world: World, settings: Any, path: str, content_type: str
) -> None:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        f"{__name__}._DatabaseGoneInMiddleware",
    ]

    response = Client(raise_request_exception=False).get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == content_type


class _BugInMiddleware(_DatabaseGoneInMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug")


def test_other_errors_stay_a_500(world: World, settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}._BugInMiddleware"]

    response = Client(raise_request_exception=False).get("/orgs/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def _terminate_backend(pid: int) -> None:
    """End a server process from a second connection, as a PostgreSQL restart does."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def _serve(path: str) -> tuple[str, dict[str, str], bytes]:
    """One request through Django's WSGI handler as gunicorn calls it: with the
    request_started/request_finished signals that health-check the connection (the test
    client switches those off)."""
    environ = RequestFactory().get(path).environ
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    response = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return answer["status"], answer["headers"], body


@pytest.fixture
def postgresql() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    yield
    connection.close()  # whatever the test left broken: the teardown flush reconnects


@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_met_by_a_request_is_a_503(world: World, postgresql: None) -> None:
    """The test client does not health-check the connection at the start of a request, so
    its request meets the connection the server ended: the real PostgreSQL error, answered
    503 with Retry-After instead of a 500."""
    client = Client()
    assert client.get("/api/v1/needs").status_code == 200
    _terminate_backend(connection.cursor().connection.info.backend_pid)

    _assert_api_503(client.get("/api/v1/needs"), "/api/v1/needs")


@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_before_the_next_request(
    world: World, postgresql: None
) -> None:
    """Served as in production (WSGI handler, CONN_HEALTH_CHECKS): the next request after
    the server ended the connection checks it, reconnects and answers 200."""
    status, _headers, _body = _serve("/api/v1/needs")
    assert status.startswith("200")
    pid = connection.cursor().connection.info.backend_pid
    _terminate_backend(pid)

    status, _headers, body = _serve("/api/v1/needs")

    assert status.startswith("200"), body.decode()
    assert connection.cursor().connection.info.backend_pid != pid
