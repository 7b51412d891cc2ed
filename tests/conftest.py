"""Shared fixtures: a small association tree and one user for every row of the
permission matrix (anonymous, other organisation, member without role, owning
organisation's admin, staff of the owning association, staff of an unrelated association,
platform admin)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from kechuang.accounts.models import User
from kechuang.catalog.services import achievement_create, need_create
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.models import Organization
from kechuang.vocab.loader import vocab_sync
from kechuang.vocab.models import Region
from tests.factories import OrganizationFactory, UserFactory, association, member

PASSWORD = "Kechuang-test-2026"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    """PBKDF2 costs ~0.3 s per user; tests don't need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_when_enqueued(settings: Any) -> None:
    """Tasks (mails, digests) run where they are enqueued: the immediate backend. The
    worker's tests choose the database or the RQ backend themselves."""
    settings.KECHUANG_TASKS = "immediate"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.KECHUANG_TASK_QUEUES,
        }
    }


@dataclass
class World:
    national: Organization
    zhejiang: Organization
    hangzhou: Organization
    jiangsu: Organization
    enterprise: Organization  # under 杭州市科协
    other_enterprise: Organization  # under 江苏省科协
    owner_admin: User  # admin of ``enterprise``
    owner_member: User  # plain member of ``enterprise``
    other_admin: User  # admin of ``other_enterprise``
    hangzhou_staff: User  # staff of the owning association
    zhejiang_staff: User  # staff of an association two levels up
    jiangsu_staff: User  # staff of an unrelated association
    platform_admin: User


@pytest.fixture
def world(db: Any) -> World:
    national = association("中国科学技术协会", AssociationLevel.NATIONAL, None, "110000")
    zhejiang = association("浙江省科学技术协会", AssociationLevel.PROVINCE, national, "330000")
    hangzhou = association("杭州市科学技术协会", AssociationLevel.CITY, zhejiang, "330100")
    jiangsu = association("江苏省科学技术协会", AssociationLevel.PROVINCE, national, "320000")
    enterprise = OrganizationFactory(
        name="杭州测温科技有限公司", parent=hangzhou, region_id="330106", kind=OrgKind.ENTERPRISE
    )
    other = OrganizationFactory(
        name="苏州流量仪表有限公司", parent=jiangsu, region_id="320500", kind=OrgKind.ENTERPRISE
    )
    return World(
        national=national,
        zhejiang=zhejiang,
        hangzhou=hangzhou,
        jiangsu=jiangsu,
        enterprise=enterprise,
        other_enterprise=other,
        owner_admin=member(enterprise, Role.ADMIN, display_name="企业管理员"),
        owner_member=member(enterprise, Role.MEMBER, display_name="企业成员"),
        other_admin=member(other, Role.ADMIN, display_name="他企管理员"),
        hangzhou_staff=member(hangzhou, Role.STAFF, display_name="杭州科协工作人员"),
        zhejiang_staff=member(zhejiang, Role.STAFF, display_name="浙江科协工作人员"),
        jiangsu_staff=member(jiangsu, Role.STAFF, display_name="江苏科协工作人员"),
        platform_admin=UserFactory(is_superuser=True, is_staff=True, display_name="平台管理员"),
    )


def need_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid need body for ``need_create``."""
    data: dict[str, Any] = {
        "title": "动力电池包液冷热管理优化",
        "description": "我公司储能电池包在 2C 充放电时温差超过 8℃，需要液冷板流道优化与控制策略，"
        "将电芯温差控制在 3℃ 以内。",
        "region_id": "330106",
        "industry_id": "C38",
        "disciplines": ["470"],
        "keywords": "电池热管理，液冷板，储能",
        "budget_min": "50",
        "budget_max": "120",
        "deadline": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "cooperation_modes": ["development"],
        "contact_name": "王工",
        "contact_phone": "0571-88886666",
        "contact_email": "wang@example.com",
        "contact_visibility": "members",
    }
    data.update(overrides)
    return data


def achievement_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "高精度气液两相流量测量技术",
        "summary": "基于差压与电容层析成像融合的气液两相流量测量方法，含气率 0–95% 范围内"
        "测量误差小于 5%，已在油田现场完成试运行。",
        "region_id": "330106",
        "industry_id": "C40",
        "disciplines": ["460"],
        "keywords": "两相流，流量计，层析成像",
        "team": "李教授 负责人\n张博士 算法",
        "trl": 7,
        "ip_type": "invention_patent",
        "ip_number": "ZL202110000000.1",
        "ip_status": "granted",
        "terms": "技术许可，可面议",
        "cooperation_modes": ["licensing", "transfer"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def draft_need(world: World) -> Any:
    return need_create(actor=world.owner_admin, organization=world.enterprise, **need_data())


@pytest.fixture
def draft_achievement(world: World) -> Any:
    return achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data()
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Every test starts and ends in the site's language: a request in English activates
    English for the worker thread, and would leak into the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _search_engine_off(settings: Any) -> None:
    """Search answers from the database unless a test turns the engine on
    (``tests/matching/conftest.py``), so no test writes an index under the data dir."""
    settings.KECHUANG_SEARCH_BACKEND = "database"


@pytest.fixture(autouse=True)
def _static_without_manifest(settings: Any) -> None:
    """Pages render without ``collectstatic``: the manifest storage needs its manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _vocabularies(
    request: pytest.FixtureRequest, django_db_setup: Any, django_db_blocker: Any
) -> None:
    """The vocabularies come from a data migration, and a transactional test's flush empties
    them: reload them (in the test database) before any test that touches the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_db:
        with django_db_blocker.unblock():
            if not Region.objects.exists():
                vocab_sync()
