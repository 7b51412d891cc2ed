"""The permission matrix: every endpoint, called by every kind of user, with the exact status.

Columns are ``ROLES``: anonymous, member of another organisation (other_admin), member
without role (owner_member), owning organisation's admin (owner_admin), staff of the owning
association (hangzhou_staff), staff of an unrelated association (jiangsu_staff), platform
admin. Records belong to 杭州测温科技有限公司 (under 杭州市科协).

A refused request must change nothing; a read must change nothing; an accepted write must
change something. ``db_state()`` checks all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kechuang.accounts.services import api_token_create
from kechuang.catalog.services import achievement_create, expert_work_add, need_create
from kechuang.orgs.models import Membership
from tests.api.conftest import (
    PDF,
    ROLES,
    attach_pdf,
    db_state,
    expert_data,
    kept_expert,
    move,
)
from tests.conftest import World, achievement_data, need_data
from tests.factories import UserFactory


def _listing(world: World, noun: str, *actions: str) -> Any:
    create = need_create if noun == "needs" else achievement_create
    data = need_data() if noun == "needs" else achievement_data()
    item = create(actor=world.owner_admin, organization=world.enterprise, **data)
    return move(item, world, *actions)


def listing_body(world: World, noun: str) -> dict[str, Any]:
    data = need_data() if noun == "needs" else achievement_data()
    data["region"] = data.pop("region_id")
    data["industry"] = data.pop("industry_id")
    data["keywords"] = data["keywords"].split("，")
    data["organization"] = world.enterprise.pk
    return data


def owner_membership(world: World) -> int:
    return Membership.objects.get(user=world.owner_member, organization=world.enterprise).pk


@dataclass(frozen=True)
class Case:
    """One endpoint. ``path`` and ``body`` are built from the world and the setup's ids."""

    id: str
    method: str
    path: Callable[[World, dict[str, Any]], str]
    expected: tuple[int, ...]  # one status per role, in ROLES order
    setup: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World, dict[str, Any]], Any] = lambda w, ids: None
    upload: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


ALL_200 = (200,) * 7
#                  anon other member owner hz   js   platform
VIEW_PRIVATE = (404, 404, 200, 200, 200, 404, 200)
EDIT_PRIVATE = (401, 404, 403, 200, 200, 404, 200)
CREATE_PRIVATE = (401, 404, 403, 201, 201, 404, 201)
DELETE_PRIVATE = (401, 404, 403, 204, 204, 404, 204)
REVIEW = (401, 404, 403, 403, 200, 404, 200)
MANAGE_ORG = (401, 403, 403, 200, 200, 403, 200)
CREATE_IN_ORG = (401, 403, 403, 201, 201, 403, 201)
INVITE_TO_ORG = (401, 403, 403, 202, 202, 403, 202)  # an invitation, accepted later
EXPERT_VIEW = (404, 404, 404, 200, 200, 404, 200)
EXPERT_EDIT = (401, 404, 404, 200, 200, 404, 200)


def listing_cases(noun: str) -> list[Case]:
    """The same matrix for needs and for achievements."""
    draft = lambda w: {"item": _listing(w, noun).pk}  # noqa: E731
    submitted = lambda w: {"item": _listing(w, noun, "submit").pk}  # noqa: E731
    published = lambda w: {"item": _listing(w, noun, "submit", "publish").pk}  # noqa: E731

    def with_attachment(w: World) -> dict[str, Any]:
        item = _listing(w, noun)
        return {"item": item.pk, "attachment": attach_pdf(item, w).pk}

    item = lambda suffix="": lambda w, ids: f"/{noun}/{ids['item']}{suffix}"  # noqa: E731
    return [
        Case(f"{noun}-list", "get", lambda w, ids: f"/{noun}", ALL_200, published),
        Case(f"{noun}-list-drafts", "get", lambda w, ids: f"/{noun}?status=draft", ALL_200, draft),
        Case(f"{noun}-detail-draft", "get", item(), VIEW_PRIVATE, draft),
        Case(f"{noun}-detail-published", "get", item(), ALL_200, published),
        Case(
            f"{noun}-create",
            "post",
            lambda w, ids: f"/{noun}",
            (401, 403, 403, 201, 201, 403, 201),
            body=lambda w, ids: listing_body(w, noun),
        ),
        Case(
            f"{noun}-update",
            "patch",
            item(),
            EDIT_PRIVATE,
            draft,
            body=lambda w, ids: {"title": "修改后的标题内容"},
        ),
        Case(f"{noun}-submit", "post", item("/actions/submit"), EDIT_PRIVATE, draft),
        Case(f"{noun}-recall", "post", item("/actions/recall"), EDIT_PRIVATE, submitted),
        Case(f"{noun}-publish", "post", item("/actions/publish"), REVIEW, submitted),
        Case(
            f"{noun}-return",
            "post",
            item("/actions/return"),
            REVIEW,
            submitted,
            body=lambda w, ids: {"reason": "请补充技术指标。"},
        ),
        # A published item is public: outsiders see it, so they are refused, not hidden from.
        Case(f"{noun}-close", "post", item("/actions/close"), MANAGE_ORG, published),
        Case(f"{noun}-withdraw", "post", item("/actions/withdraw"), EDIT_PRIVATE, draft),
        Case(f"{noun}-renew", "post", item("/actions/renew"), MANAGE_ORG, published),
        Case(f"{noun}-attachments", "get", item("/attachments"), VIEW_PRIVATE, with_attachment),
        Case(
            f"{noun}-attachment-file",
            "get",
            lambda w, ids: f"/{noun}/{ids['item']}/attachments/{ids['attachment']}/file",
            VIEW_PRIVATE,
            with_attachment,
        ),
        Case(
            f"{noun}-attachment-upload",
            "post",
            item("/attachments"),
            CREATE_PRIVATE,
            draft,
            upload=True,
        ),
        Case(
            f"{noun}-attachment-delete",
            "delete",
            lambda w, ids: f"/{noun}/{ids['item']}/attachments/{ids['attachment']}",
            DELETE_PRIVATE,
            with_attachment,
        ),
    ]


def _expert(w: World) -> dict[str, Any]:
    return {"expert": kept_expert(w).pk}


def _expert_with_work(w: World) -> dict[str, Any]:
    expert = kept_expert(w)
    work = expert_work_add(actor=w.owner_admin, expert=expert, kind="paper", title="液冷板研究")
    return {"expert": expert.pk, "work": work.pk}


def _newcomer(w: World) -> dict[str, Any]:
    return {"login": UserFactory(email="newcomer@example.com").email}


def _owner_token(w: World) -> dict[str, Any]:
    return {"token": api_token_create(user=w.owner_admin, name="脚本").token.pk}


def _enterprise(suffix: str = "") -> Callable[[World, dict[str, Any]], str]:
    return lambda w, ids: f"/organizations/{w.enterprise.pk}{suffix}"


CASES: list[Case] = [
    # organisations
    Case("orgs-list", "get", lambda w, ids: "/organizations", ALL_200),
    Case("orgs-detail", "get", _enterprise(), ALL_200),
    Case(
        "orgs-create",
        "post",
        lambda w, ids: "/organizations",
        (401, 403, 403, 403, 201, 403, 201),
        body=lambda w, ids: {
            "parent": w.hangzhou.pk,
            "kind": "enterprise",
            "name": "杭州新材料有限公司",
            "region": "330106",
        },
    ),
    Case(
        "orgs-update",
        "patch",
        _enterprise(),
        MANAGE_ORG,
        body=lambda w, ids: {"short_name": "测温科技"},
    ),
    Case("orgs-members", "get", _enterprise("/members"), MANAGE_ORG),
    Case(
        "orgs-member-add",
        "post",
        _enterprise("/members"),
        INVITE_TO_ORG,
        _newcomer,
        body=lambda w, ids: {"login": ids["login"], "role": "member"},
    ),
    Case(
        "orgs-member-role",
        "patch",
        lambda w, ids: f"/organizations/{w.enterprise.pk}/members/{owner_membership(w)}",
        MANAGE_ORG,
        body=lambda w, ids: {"role": "staff"},
    ),
    Case(
        "orgs-member-remove",
        "delete",
        lambda w, ids: f"/organizations/{w.enterprise.pk}/members/{owner_membership(w)}",
        (401, 403, 403, 204, 204, 403, 204),
    ),
    Case("orgs-audit", "get", _enterprise("/audit"), (401, 403, 403, 200, 200, 403, 200)),
    # needs and achievements
    *listing_cases("needs"),
    *listing_cases("achievements"),
    # experts
    Case("experts-list", "get", lambda w, ids: "/experts", ALL_200, _expert),
    Case("experts-detail", "get", lambda w, ids: f"/experts/{ids['expert']}", EXPERT_VIEW, _expert),
    Case(
        "experts-create-kept",
        "post",
        lambda w, ids: "/experts",
        (401, 403, 403, 201, 201, 403, 201),
        body=lambda w, ids: expert_data(for_self=False, organization=w.enterprise.pk),
    ),
    Case(
        "experts-create-own",
        "post",
        lambda w, ids: "/experts",
        (401, 201, 201, 201, 201, 201, 201),
        body=lambda w, ids: expert_data(),
    ),
    Case(
        "experts-update",
        "patch",
        lambda w, ids: f"/experts/{ids['expert']}",
        EXPERT_EDIT,
        _expert,
        body=lambda w, ids: {"title_name": "研究员"},
    ),
    Case(
        "experts-status",
        "post",
        lambda w, ids: f"/experts/{ids['expert']}/status",
        EXPERT_EDIT,
        _expert,
        body=lambda w, ids: {"status": "published"},
    ),
    Case(
        "experts-work-add",
        "post",
        lambda w, ids: f"/experts/{ids['expert']}/works",
        (401, 404, 404, 201, 201, 404, 201),
        _expert,
        body=lambda w, ids: {"kind": "patent", "title": "一种液冷板", "year": 2024},
    ),
    Case(
        "experts-work-remove",
        "delete",
        lambda w, ids: f"/experts/{ids['expert']}/works/{ids['work']}",
        (401, 404, 404, 204, 204, 404, 204),
        _expert_with_work,
    ),
    # the caller
    Case("me", "get", lambda w, ids: "/me", (401, 200, 200, 200, 200, 200, 200)),
    Case("tokens-list", "get", lambda w, ids: "/tokens", (401, 200, 200, 200, 200, 200, 200)),
    Case(
        "tokens-create",
        "post",
        lambda w, ids: "/tokens",
        (401, 201, 201, 201, 201, 201, 201),
        body=lambda w, ids: {"name": "同步脚本"},
    ),
    # Only its owner may revoke a token; for anyone else it does not exist.
    Case(
        "tokens-revoke",
        "delete",
        lambda w, ids: f"/tokens/{ids['token']}",
        (401, 404, 404, 204, 404, 404, 404),
        _owner_token,
    ),
]

MATRIX = [
    pytest.param(case, role, status, id=f"{case.id}-{role}")
    for case in CASES
    for role, status in zip(ROLES, case.expected, strict=True)
]


@pytest.mark.parametrize(("case", "role", "expected"), MATRIX)
def test_permission_matrix(
    world: World, api_as: Callable[[str], Any], case: Case, role: str, expected: int
) -> None:
    # given the records the endpoint works on, and a client for the role
    ids = case.setup(world)
    client = api_as(role)
    path = case.path(world, ids)
    before = db_state()

    # when the role calls the endpoint
    if case.upload:
        response = client.upload(path, "方案.pdf", PDF)
    elif case.method == "get":
        response = client.get(path)
    elif case.method == "delete":
        response = client.delete(path)
    else:
        response = getattr(client, case.method)(path, case.body(world, ids))

    # then the status is exactly the expected one
    assert response.status_code == expected, response.content.decode()[:500]
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert (
            response.json()["code"]
            == {
                401: "not_authenticated",
                403: "permission_denied",
                404: "not_found",
            }[expected]
        )
    # and only an accepted write changed anything
    if expected >= 400 or case.method == "get":
        assert db_state() == before
    else:
        assert db_state() != before
