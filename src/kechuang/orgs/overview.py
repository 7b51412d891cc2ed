"""What the association admin's overview counts per organisation, filled by the apps above.

The overview of an organisation and its children shows how many records each holds
(needs, achievements …). Those records belong to apps above ``orgs``; each registers a
counter from its ``AppConfig.ready()`` (``catalog/apps.py``), as it registers its search
sources, so ``orgs`` imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable

# organisation ids → {organisation id: {name: count}}, every given id present
Counter = Callable[[list[int]], dict[int, dict[str, int]]]

_counters: dict[str, Counter] = {}


def register_counts(app: str, counter: Counter) -> None:
    """Add (or replace, by app label) a counter; called from an ``AppConfig.ready()``."""
    _counters[app] = counter


def counts_by_organization(org_ids: list[int]) -> dict[int, dict[str, int]]:
    """Every registered count per organisation: ``{12: {"needs": 3, "achievements": 1}}``."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in org_ids}
    for counter in _counters.values():
        for pk, row in counter(org_ids).items():
            counts.setdefault(pk, {}).update(row)
    return counts
