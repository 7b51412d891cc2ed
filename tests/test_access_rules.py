"""Every page and every API operation goes through a declared access rule (issue 10).

Each view and operation carries ``@access_rule(kind, …)``, ``@public(reason)`` or
``@signed_in(reason)`` (``kechuang.common.access_rules``). This test walks the URL
resolver and the NinjaAPI's operations and fails when

- an endpoint carries no declaration (someone added one without deciding who sees it);
- an endpoint declares a kind but its code never reaches a gatekeeper of that kind
  (``@gatekeeper(kind)`` in the kind's ``access.py`` or a selector scoped by it),
  following the view's own helpers (tests/access_walk.py);
- an API operation declared ``signed_in`` lets anonymous callers in.
The object kinds are the rows of docs/security.md's rules table.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse

from kechuang.common.access_rules import KINDS, access_rule, rule_of
from kechuang.review.access import access_item_by_id
from tests.access_walk import Endpoint, operations, pages, reached


def _problems(endpoints: list[Endpoint]) -> list[str]:
    # a view shared by several patterns (one per listing kind, passed as a URL kwarg)
    # must reach each declared kind through one of them
    reach: dict[int, set[str]] = {}
    for e in endpoints:
        reach.setdefault(id(e.view), set()).update(reached(e))
    out = []
    for e in endpoints:
        rule = rule_of(e.view)
        if rule is None:
            out.append(f"{e.where}: no @access_rule / @public / @signed_in")
            continue
        missing = set(rule.kinds) - reach[id(e.view)]
        if missing:
            out.append(f"{e.where}: declares {sorted(missing)} but reaches no gatekeeper of it")
    return out


def test_every_page_declares_its_rule_and_goes_through_it() -> None:
    found = pages()
    assert len(found) > 100  # the walk found the site's pages, not an empty list
    assert _problems(found) == []


def test_every_api_operation_declares_its_rule_and_goes_through_it() -> None:
    found = operations()
    assert len(found) > 100
    assert _problems(found) == []


def test_signed_in_operations_refuse_anonymous_callers() -> None:
    from kechuang.api.urls import api

    open_ops = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                rule = rule_of(op.view_func)
                # ``auth=None`` (``api.schemas.PUBLIC``) lets anonymous callers in
                if rule is not None and rule.signed_in and op.auth_param is None:
                    open_ops.append(f"{','.join(op.methods)} {prefix}{path}")
    assert open_ops == []


def test_declared_kinds_are_the_documented_object_kinds() -> None:
    from pathlib import Path

    table = (Path(__file__).parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    assert [k for k in sorted(KINDS) if f"`{k}`" not in table] == []


# ------------------------------------------------- the check itself catches what it should


def _undeclared(request: HttpRequest, pk: int) -> HttpResponse:
    access_item_by_id(request.user, pk)
    return HttpResponse("")


@access_rule("review.item")
def _skips_the_gatekeeper(request: HttpRequest, pk: int) -> HttpResponse:
    from kechuang.review.models import ReviewItem

    return HttpResponse(ReviewItem.objects.get(pk=pk).title)


def _helper(request: HttpRequest, pk: int) -> Any:
    return access_item_by_id(request.user, pk)


@access_rule("review.item")
def _through_a_helper(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(_helper(request, pk).title)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (_undeclared, ["x: no @access_rule / @public / @signed_in"]),
        (_skips_the_gatekeeper, ["x: declares ['review.item'] but reaches no gatekeeper of it"]),
        (_through_a_helper, []),
    ],
)
def test_the_check_reports_a_view_that_skips_the_rule(view: Any, expected: list[str]) -> None:
    assert _problems([Endpoint("x", view)]) == expected


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown object kinds"):
        access_rule("review.score_sheet")
