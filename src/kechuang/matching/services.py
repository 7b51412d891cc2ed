"""Writes of the matching app: marking records dirty for the index, and dismissals.

``mark_dirty`` is called by the catalog and organisation services inside their
transactions. It queues the record (durably, in the same transaction) and, after the
commit, indexes it in this process: the change is searchable at once, and a record that
stopped being public is removed from the index at once. What fails here stays queued for
``index_pending`` (``kechuang reindex`` rebuilds everything).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.common import heartbeat
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.matching import indexing
from kechuang.matching.models import Dismissal, IndexQueue
from kechuang.matching.types import Document, Hit

log = logging.getLogger(__name__)


def _kind_and_pk(obj: Any) -> tuple[str, int, bool]:
    """The kind and pk of the record ``obj`` is, or is a part of (an expert's work), and
    whether it is such a part."""
    for kind, source in indexing.sources().items():
        if isinstance(obj, source.model):
            return kind, int(obj.pk), False
        for model, record_pk in source.parts:
            if isinstance(obj, model):
                return kind, record_pk(obj), True
    raise TypeError(f"{type(obj).__name__} is not indexed")


def mark_dirty(obj: Any) -> None:
    """Queue ``obj`` (a need, achievement, expert, expert work or organisation) for indexing.

    After the commit its document is brought up to date in this process; a record that is
    no longer public is deleted from the index right away, whatever the settings say.
    """
    kind, pk, part = _kind_and_pk(obj)
    public = part or indexing.sources()[kind].is_public(obj)
    mark_dirty_ids(kind, [pk], removed=not public)


def mark_dirty_ids(kind: str, ids: Iterable[int], *, removed: bool = False) -> None:
    if not indexing.search_enabled():
        return
    ids = sorted(set(ids))
    if not ids:
        return
    now = timezone.now()
    IndexQueue.objects.bulk_create(
        [IndexQueue(kind=kind, object_id=pk, queued_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=["queued_at"],
    )
    if indexing.indexing_deferred():
        return
    if removed or index_on_commit():
        transaction.on_commit(lambda: _index_now(kind, ids, queued_at=now))


def index_on_commit() -> bool:
    """Whether this process indexes its changes itself after their commit (else a worker
    does; see ``KECHUANG_SEARCH_INDEX_ON_COMMIT``)."""
    mode = str(settings.KECHUANG_SEARCH_INDEX_ON_COMMIT).lower()
    if mode in {"auto", ""}:
        return not heartbeat.worker_alive()
    return mode in {"1", "true", "yes", "on"}


def mark_subtree_dirty(path: str) -> None:
    """After an organisation moved: every organisation and record under ``path``."""
    for kind, source in indexing.sources().items():
        mark_dirty_ids(kind, source.under(path).values_list("pk", flat=True))


def _index_now(kind: str, ids: list[int], *, queued_at: Any) -> None:
    """After the commit: bring these records' documents in line with the database as it
    is now (a later callback of the same transaction sees the same final state)."""
    try:
        indexing.index_objects(kind, ids)
        indexing.forget_queued(kind, ids, queued_at=queued_at)
        if index_on_commit():
            indexing.index_pending(limit=50)  # earlier failures, if any
    except indexing.SearchUnavailable:
        pass  # stays queued; search answers from the database meanwhile
    except indexing.ENGINE_ERRORS as exc:
        log.error("indexing %s %s after commit failed: %s", kind, ids, exc)


# ---------------------------------------------------------------- dismissals


def dismissal_create(*, actor: Any, source: str, target: str) -> Dismissal:
    """Record that ``actor`` finds ``target`` not relevant for ``source``; idempotent.

    ``source`` must be a record the actor may see (else ``NotFound``); ``target`` any
    indexed document id.
    """
    from kechuang.matching.selectors import access_source

    errors: dict[str, list[str]] = {}
    if indexing.parse_doc_id(source) is None:
        errors["source"] = [_("不是有效的对象标识，应为 need:12 这样的形式。")]
    if indexing.parse_doc_id(target) is None:
        errors["target"] = [_("不是有效的对象标识，应为 expert:7 这样的形式。")]
    if errors:
        raise ValidationFailed(fields=errors)
    if source == target:
        raise ValidationFailed(fields={"target": [_("不能与推荐依据相同。")]})
    access_source(actor, source)  # NotFound if the actor may not see it
    if actor is None or not actor.is_authenticated:
        raise NotFound()
    try:
        with transaction.atomic():
            dismissal, _created = Dismissal.objects.get_or_create(
                user=actor, source=source, target=target
            )
    except IntegrityError:  # a concurrent identical request won
        dismissal = Dismissal.objects.get(user=actor, source=source, target=target)
    return dismissal


def similar_items(document: Document, *, kinds: Iterable[str] = (), limit: int = 5) -> list[Hit]:
    """Published items most like ``document`` (duplicate hints; challenges use it too).

    Only records the public may see are returned, re-checked against the database. An
    unavailable index gives ``[]``.
    """
    from kechuang.matching.selectors import similar_hits

    found = similar_hits(document, kinds=tuple(kinds), limit=limit)
    return [item.hit for item in found if item.hit is not None]
