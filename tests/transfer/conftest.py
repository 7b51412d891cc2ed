"""Fixtures for export/import: demo data plus attachments, and an emptied database."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from PIL import Image

from kechuang.accounts.models import ApiToken, User
from kechuang.catalog.models import Achievement, Attachment, ExpertProfile, Need
from kechuang.catalog.services import attachment_add
from kechuang.catalog.uploads import check_upload
from kechuang.demo.loader import demo_load
from kechuang.orgs.models import Membership, Organization

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def loaded(db: Any, media: Path) -> None:
    """The demo content plus two attachments, written through the services."""
    demo_load()
    need = Need.objects.get(title="磷酸铁锂电池包热失控蔓延阻隔材料")  # a draft
    achievement = Achievement.objects.get(title="碳化硅纤维增强陶瓷基复合材料")  # a draft
    institute = User.objects.get(email="admin-tianfu-inst@kechuang.example")
    owner = User.objects.get(email="enterprise@kechuang.example")
    attachment_add(
        actor=owner, item=need, upload=check_upload("样品照片.png", io.BytesIO(png_bytes()))
    )
    attachment_add(
        actor=institute, item=achievement, upload=check_upload("检测报告.pdf", io.BytesIO(PDF))
    )


# Apps whose rows the import does not restore (challenges are exported for reporting only;
# review, notifications, matching, engagements and events are not exported at all — the
# backup (`kechuang backup`) keeps them): emptied by SQL, as
# their event tables refuse deletes through the ORM.
NOT_IMPORTED_APPS = (
    "challenges",
    "review",
    "notifications",
    "matching",
    "engagements",
    "outreach",
)


def _not_imported_tables() -> list[str]:
    return [
        model._meta.db_table
        for label in NOT_IMPORTED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]


def wipe() -> None:
    """Empty every exported table, as a freshly migrated database would be."""
    tables = _not_imported_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    Attachment.objects.all().delete()
    Need.objects.all().delete()
    Achievement.objects.all().delete()
    ExpertProfile.objects.all().delete()
    Membership.objects.all().delete()
    ApiToken.objects.all().delete()
    with connection.cursor() as cursor:
        # The audit log refuses deletes through the ORM by design, and on PostgreSQL a
        # trigger refuses row deletes too: TRUNCATE fires no row triggers (it needs the
        # deferred foreign-key checks of this transaction settled first).
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_auditentry")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DELETE FROM audit_auditentry")
    User.objects.all().delete()
    for depth in sorted(set(Organization.objects.values_list("depth", flat=True)), reverse=True):
        Organization.objects.filter(depth=depth).delete()
