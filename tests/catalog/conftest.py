"""Helpers shared by the catalog tests."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.choices import ListingAction
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.services import listing_transition, need_create
from tests.conftest import World, need_data


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def force_status(item: Need | Achievement, status: str, **fields: Any) -> Any:
    """Test set-up only: put a row straight into ``status`` without the lifecycle."""
    type(item).objects.filter(pk=item.pk).update(status=status, **fields)
    return type(item).objects.get(pk=item.pk)


def publish(world: World, item: Any) -> Any:
    listing_transition(actor=world.owner_admin, item=item, action=ListingAction.SUBMIT)
    return listing_transition(actor=world.hangzhou_staff, item=item, action=ListingAction.PUBLISH)


def published_need(world: World, **overrides: Any) -> Need:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(**overrides)
    )
    return publish(world, need)


def audit_count() -> int:
    return AuditEntry.objects.count()


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
