"""Helpers for the API tests: a client per role that sends a bearer token, sample records,
and a fingerprint of the database to prove that a refused request changed nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.services import api_token_create
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Achievement, Attachment, ExpertProfile, ExpertWork, Need
from kechuang.catalog.services import attachment_add, expert_create, listing_transition
from kechuang.catalog.uploads import check_upload
from kechuang.invitations.models import Invitation
from kechuang.orgs.models import Membership, Organization
from tests.conftest import World

# The rows of every permission matrix, in this order.
ROLES = (
    "anonymous",
    "other_admin",
    "owner_member",
    "owner_admin",
    "hangzhou_staff",
    "jiangsu_staff",
    "platform_admin",
)

# The smallest PDF that ``check_upload`` accepts.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class Api:
    """A test client for /api/v1 that sends ``Authorization: Bearer …`` when it has a token."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path: str, params: dict[str, Any] | None = None) -> HttpResponse:
        return self.client.get(self.url(path), params or {}, **self.headers)

    def _send(self, method: str, path: str, body: Any, raw: str | None) -> HttpResponse:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(
            self.url(path), data, content_type="application/json", **self.headers
        )

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> HttpResponse:
        return self._send("post", path, body, raw)

    def patch(self, path: str, body: Any = None, *, raw: str | None = None) -> HttpResponse:
        return self._send("patch", path, body, raw)

    def delete(self, path: str) -> HttpResponse:
        return self.client.delete(self.url(path), **self.headers)

    def upload(self, path: str, name: str, content: bytes) -> HttpResponse:
        upload = io.BytesIO(content)
        upload.name = name
        return self.client.post(self.url(path), {"file": upload}, **self.headers)


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of ``response``, after checking its status (the body is the message)."""
    assert response.status_code == status, response.content.decode()
    return response.json()


def user_of(world: World, role: str) -> User | None:
    return None if role == "anonymous" else getattr(world, role)


def token_for(user: User) -> str:
    return api_token_create(user=user, name="tests").plaintext


@pytest.fixture
def api_as(world: World) -> Callable[[str], Api]:
    """``api_as("owner_admin")`` → a client with a fresh token of that user."""

    def make(role: str) -> Api:
        user = user_of(world, role)
        return Api(token_for(user) if user is not None else None)

    return make


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def db_state() -> tuple[Any, ...]:
    """Everything an API write could touch (tokens' ``last_used_at`` aside)."""

    def rows(qs: Any, *fields: str) -> list[Any]:
        return list(qs.order_by("pk").values_list("pk", *fields))

    return (
        AuditEntry.objects.count(),
        rows(Need.objects, "title", "status", "updated_at"),
        rows(Achievement.objects, "title", "status", "updated_at"),
        rows(ExpertProfile.objects, "name", "status", "updated_at"),
        rows(ExpertWork.objects, "title"),
        rows(Attachment.objects, "original_name"),
        rows(Organization.objects, "name", "short_name", "path", "is_active"),
        rows(Membership.objects, "user_id", "organization_id", "role"),
        rows(Invitation.objects, "status", "responded_at"),
        rows(ApiToken.objects, "name", "revoked_at"),
        rows(User.objects, "display_name", "email"),
    )


# ---------------------------------------------------------------- sample records


def move(item: Any, world: World, *actions: str) -> Any:
    """Take a listing through ``actions`` as its owner (submit) or its reviewer (publish)."""
    for action in actions:
        actor = world.hangzhou_staff if action in {"publish", "return"} else world.owner_admin
        item = listing_transition(actor=actor, item=item, action=action)
    return item


def attach_pdf(item: Any, world: World, name: str = "说明书.pdf") -> Attachment:
    upload = check_upload(name, io.BytesIO(PDF), len(PDF))
    return attachment_add(actor=world.owner_admin, item=item, upload=upload)


def expert_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "陈明",
        "title_level": "senior",
        "title_name": "教授",
        "affiliation": "浙江大学",
        "region": "330106",
        "disciplines": ["470"],
        "industries": ["C38"],
        "keywords": ["电池热管理", "传热"],
        "biography": "长期从事储能系统热管理研究。",
    }
    data.update(overrides)
    return data


def kept_expert(world: World) -> ExpertProfile:
    """A draft profile kept by the enterprise (edited by its managers, not by a person)."""
    data = expert_data()
    data["region_id"] = data.pop("region")
    data["keywords"] = "，".join(data["keywords"])
    return expert_create(
        actor=world.owner_admin, organization=world.enterprise, for_self=False, **data
    )
