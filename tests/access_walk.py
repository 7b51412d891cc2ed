"""Walking every page and API operation to the access rule it declares (used by
tests/test_access_rules.py): which callbacks there are, and which gatekeepers a callback
reaches through its own code and its module's helpers."""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from kechuang.common.access_rules import GATEKEEPER

# Django's own admin and i18n views carry their own checks (staff login, no data).
OUTSIDE = ("django.contrib.admin.", "django.contrib.contenttypes.", "django.views.i18n")
# helpers are followed into the views, API, web and selector modules, not into services
FOLLOWED = ("views", "api", "web.", "selectors", "htmx", "listings", "catalog_")
DEPTH = 4


@dataclass
class Endpoint:
    where: str  # URL pattern or "METHOD /api/v1/path"
    view: Any
    extra: dict[str, Any] = field(default_factory=dict)  # the pattern's default kwargs


def _pages(resolver: URLResolver, prefix: str = "") -> Iterator[Endpoint]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if "api/v1/" in prefix + str(p.pattern):
                continue  # the API's operations are walked one by one below
            yield from _pages(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            if str(p.pattern).startswith("api/v1/"):
                continue
            yield Endpoint(prefix + str(p.pattern), p.callback, dict(p.default_args))


def pages() -> list[Endpoint]:
    out = []
    for e in _pages(get_resolver()):
        module = getattr(e.view, "__module__", "") or ""
        if not module.startswith(OUTSIDE) and not e.where.startswith("django-admin/"):
            out.append(e)
    return out


def operations() -> list[Endpoint]:
    from kechuang.api.urls import api

    out = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                where = f"{','.join(op.methods)} /api/v1{prefix}{path}"
                out.append(Endpoint(where, op.view_func))
    return out


def _unwrap(fn: Any) -> list[Any]:
    layers = []
    while fn is not None and len(layers) < 10:
        layers.append(fn)
        fn = getattr(fn, "__wrapped__", None)
    return layers


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _referenced(fn: Any) -> Iterator[Any]:
    """Objects ``fn``'s code names: globals, attributes of modules and objects it names."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    names = {n for c in _codes(code) for n in c.co_names}
    g = getattr(fn, "__globals__", {})
    for name in names:
        obj = g.get(name)
        if obj is None:
            continue
        yield obj
        if isinstance(obj, types.ModuleType):
            for attr in names:
                sub = getattr(obj, attr, None)
                if sub is not None:
                    yield sub
        elif not callable(obj) or isinstance(obj, dict):
            yield from _members(obj)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:
            continue


def _members(obj: Any) -> Iterator[Any]:
    """Functions an object holds (a table of kinds, a dataclass naming its gatekeeper)."""
    values: Any = ()
    if isinstance(obj, dict):
        values = obj.values()
    elif isinstance(obj, (list, tuple)):
        values = obj
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        values = vars(obj).values()
    for v in values:
        if callable(v):
            yield v
        elif isinstance(v, (dict, list, tuple)) or hasattr(v, "__dict__"):
            yield from _members_shallow(v)


def _members_shallow(obj: Any) -> Iterator[Any]:
    values: Any = ()
    if isinstance(obj, dict):
        values = obj.values()
    elif isinstance(obj, (list, tuple)):
        values = obj
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        values = vars(obj).values()
    for v in values:
        if callable(v):
            yield v


def reached(endpoint: Endpoint) -> frozenset[str]:
    """The object kinds whose gatekeepers the endpoint reaches."""
    kinds: set[str] = set()
    seen: set[int] = set()
    todo: list[tuple[Any, int]] = [(layer, DEPTH) for layer in _unwrap(endpoint.view)]
    for value in endpoint.extra.values():
        todo.extend((m, 0) for m in [value, *_members(value)])
    while todo:
        fn, depth = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        kinds |= getattr(fn, GATEKEEPER, frozenset())
        if depth <= 0:
            continue
        for obj in _referenced(fn):
            if getattr(obj, GATEKEEPER, None):
                kinds |= getattr(obj, GATEKEEPER)
                continue
            module = getattr(obj, "__module__", "") or ""
            own_module = module == getattr(fn, "__module__", None)
            if isinstance(obj, types.FunctionType) and (
                own_module
                or (module.startswith("kechuang.") and any(p in module for p in FOLLOWED))
            ):
                todo.append((obj, depth - 1))
    return frozenset(kinds)
