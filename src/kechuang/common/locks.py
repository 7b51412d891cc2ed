"""Row locks for read-modify-write in services."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked(source: type[M] | models.QuerySet[M], /, **lookup: Any) -> M:
    """The one row of ``source`` (a model or a queryset) matching ``lookup``, locked
    until the transaction ends: ``SELECT … FOR UPDATE OF`` that row's table.

    Only the row itself is locked, never the rows that ``select_related`` joins in to
    read along: PostgreSQL refuses ``FOR UPDATE`` on the nullable side of an outer join
    (a call's organiser's parent, a process's evaluator), and a service that changes
    those rows locks them itself. SQLite has no row locks; there it is a plain ``get``.
    """
    queryset = source._default_manager.all() if isinstance(source, type) else source
    return queryset.select_for_update(of=("self",)).get(**lookup)
