"""Load the vocabulary JSON files into their tables, idempotently.

The functions take the model classes as arguments so a data migration can pass its
historical models (``apps.get_model``) and never import the app's current models. A field
the historical model does not have yet (``name_en`` before migration 0003) is skipped, so
the earlier data migration still runs on a fresh database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str) -> dict[str, Any]:
    """One vocabulary file: ``{"source": ..., "items": [...]}``."""
    data: dict[str, Any] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _sync(model: Any, items: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    """Insert missing rows and update changed ones; rows are never deleted (others refer to them).

    Items are inserted parents first (shorter codes sort first), so every parent exists
    before its children.
    """
    known = {field.attname for field in model._meta.concrete_fields}
    fields = tuple(field for field in fields if field in known)
    existing = {row.pk: row for row in model.objects.all()}
    new, changed = [], []
    for item in sorted(items, key=lambda i: (len(i["code"]), i["code"])):
        values = {field: item.get(field.removesuffix("_id")) for field in fields}
        row = existing.get(item["code"])
        if row is None:
            new.append(model(code=item["code"], **values))
        elif any(getattr(row, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(row, f, v)
            changed.append(row)
    model.objects.bulk_create(new, batch_size=500)
    if changed:
        model.objects.bulk_update(changed, list(fields), batch_size=500)


def sync_all(region: Any, industry: Any, discipline: Any, cooperation_mode: Any) -> None:
    _sync(region, read("regions")["items"], ("name", "name_en", "level", "parent_id"))
    _sync(industry, read("industries")["items"], ("name", "name_en", "parent_id"))
    _sync(discipline, read("disciplines")["items"], ("name", "name_en"))
    modes = [dict(item, sort=i) for i, item in enumerate(read("cooperation_modes")["items"])]
    _sync(cooperation_mode, modes, ("name", "name_en", "sort"))


def vocab_sync() -> None:
    """Bring the vocabulary tables up to date with the shipped data files."""
    from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

    sync_all(Region, Industry, Discipline, CooperationMode)
