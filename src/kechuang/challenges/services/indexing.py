"""Keeping the search index's challenge problems current (``challenges/search.py``).

A call's problems are searchable while it is open for bids; each move of the call, and
each change of its text, queues them for indexing (or removal) after the commit.
"""

from __future__ import annotations

from kechuang.challenges.choices import CallStatus
from kechuang.challenges.models import Call
from kechuang.matching.services import mark_dirty_ids

SEARCH_KIND = "challenge"


def call_reindex(call: Call) -> None:
    """Queue ``call``'s problems: indexed while it is published, else removed."""
    ids = list(call.problems.values_list("pk", flat=True))
    mark_dirty_ids(SEARCH_KIND, ids, removed=call.status != CallStatus.PUBLISHED)
