"""Export the whole platform as one JSON document (``docs/data-format.md``).

The output is normalised so that export → import → export gives the same document apart
from ``exported_at``: rows are ordered by key, code lists are sorted, datetimes are ISO
8601 in UTC and decimals are strings.
"""

from __future__ import annotations

import base64
import datetime
import json
from decimal import Decimal
from typing import IO, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.transfer.challenges import export_challenges
from kechuang.transfer.errors import TransferFailed
from kechuang.transfer.schema import (
    ATTACHMENTS,
    EXPERTS,
    FORMAT,
    SECTIONS,
    USERS,
    VERSION,
    WORKS,
    Field,
    Section,
)


def encode_value(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if field.kind == "datetime":
        return value.astimezone(datetime.UTC).isoformat()
    if field.kind == "date":
        return value.isoformat()
    if field.kind == "decimal":
        return str(Decimal(value))
    return value


def _row(section: Section, obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in section.fields:
        if field.kind == "codes":
            # Prefetched, so sorting in Python costs no query per row.
            row[field.name] = sorted(str(o.pk) for o in getattr(obj, field.attname).all())
        else:
            row[field.name] = encode_value(field, getattr(obj, field.attname))
    return row


def export_data(*, include_credentials: bool = False) -> dict[str, Any]:
    """Every exported row, as plain JSON-ready data.

    Password hashes are left out unless ``include_credentials``: a file without them can
    be handed to another operator, and its users set a new password after import.
    API tokens are never exported.
    """
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "include_credentials": include_credentials,
    }
    for section in SECTIONS:
        queryset = section.model._default_manager.order_by("pk")
        m2m = [f.attname for f in section.m2m]
        if section is EXPERTS:
            m2m.append("works")
        if m2m:
            queryset = queryset.prefetch_related(*m2m)
        rows = []
        for obj in queryset.iterator(chunk_size=500):
            row = _row(section, obj)
            if section is USERS and include_credentials:
                row["password"] = obj.password  # type: ignore[attr-defined]
            elif section is EXPERTS:
                works = sorted(obj.works.all(), key=lambda w: w.pk)  # type: ignore[attr-defined]
                row["works"] = [_row(WORKS, work) for work in works]
            elif section is ATTACHMENTS:
                row["content_base64"] = _file_content(obj)
            rows.append(row)
        data[section.name] = rows
    data["challenges"] = export_challenges(_row)
    return data


def _file_content(attachment: Any) -> str:
    try:
        with attachment.file.open("rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")
    except OSError as exc:
        problem = _("附件 %(key)s 的文件 %(name)s 无法读取：%(error)s") % {
            "key": attachment.pk,
            "name": attachment.file.name,
            "error": exc,
        }
        raise TransferFailed([problem], message=_("导出失败。")) from exc


def dump(data: dict[str, Any], stream: IO[str]) -> None:
    json.dump(data, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
