"""Whether a record's latest change is still waiting in the index queue."""

from __future__ import annotations

from typing import Any

from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue


def awaiting_index(obj: Any) -> bool:
    """True while ``obj`` is public but its change is not yet searchable (its row still in
    the index queue): its page may say so to its owner. One query, only for public records."""
    if not indexing.search_enabled():
        return False
    for kind, source in indexing.sources().items():
        if isinstance(obj, source.model):
            if not source.is_public(obj):
                return False
            return IndexQueue.objects.filter(kind=kind, object_id=obj.pk).exists()
    return False
