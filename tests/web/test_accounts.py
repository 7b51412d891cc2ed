"""Account pages: sign-up (with organisation registration), login and lockout, profile, tokens."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.accounts.models import ApiToken, User
from kechuang.audit.models import AuditEntry
from kechuang.orgs.choices import OrgKind, Role
from kechuang.orgs.models import Membership, Organization
from tests.conftest import PASSWORD, World, client_for

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")


def signup_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": "陈工",
        "email": "chen@example.com",
        "mobile": "",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def org_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "register_org": "on",
        "org_name": "杭州精密传感有限公司",
        "org_kind": OrgKind.ENTERPRISE,
        "org_region": "330100",
        "org_parent": str(world.hangzhou.pk),
    }
    data.update(overrides)
    return data


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# --- sign-up ---------------------------------------------------------------------------


def test_signup_page_renders(world: World) -> None:
    response = Client().get(SIGNUP)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="org_parent"' in html
    assert f'<option value="{world.hangzhou.pk}">' in html


def test_signup_by_email_creates_account_and_logs_in(world: World) -> None:
    client = Client()

    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("web:workspace")
    user = User.objects.get(email="chen@example.com")
    assert (user.display_name, user.mobile) == ("陈工", None)
    assert user.check_password(PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)
    assert not Membership.objects.filter(user=user).exists()


def test_signup_by_mobile(world: World) -> None:
    client = Client()

    response = client.post(SIGNUP, signup_data(email="", mobile="13912345678"))

    assert response.status_code == 302
    user = User.objects.get(mobile="13912345678")
    assert user.email is None
    assert logged_in_user_id(client) == str(user.pk)


def test_signup_with_organisation_makes_user_its_admin(world: World) -> None:
    client = Client()

    response = client.post(SIGNUP, {**signup_data(), **org_data(world)})

    assert response.status_code == 302
    user = User.objects.get(email="chen@example.com")
    org = Organization.objects.get(name="杭州精密传感有限公司")
    assert (org.kind, org.parent_id, org.region_id) == (
        OrgKind.ENTERPRISE,
        world.hangzhou.pk,
        "330100",
    )
    assert org.path == f"{world.hangzhou.path}{org.pk}/"
    assert list(Membership.objects.filter(organization=org).values_list("user_id", "role")) == [
        (user.pk, Role.ADMIN)
    ]
    assert (
        AuditEntry.objects.filter(
            object_type="organization", object_id=str(org.pk), actor=user
        ).count()
        == 1
    )


def test_signup_with_duplicate_organisation_changes_nothing(world: World) -> None:
    users, orgs = User.objects.count(), Organization.objects.count()

    response = Client().post(
        SIGNUP, {**signup_data(), **org_data(world, org_name=world.enterprise.name)}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["同一上级下已有同名组织。"]
    assert (User.objects.count(), Organization.objects.count()) == (users, orgs)


def test_signup_with_organisation_requires_its_fields(world: World) -> None:
    users = User.objects.count()

    response = Client().post(SIGNUP, {**signup_data(), "register_org": "on"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    for name in ("org_name", "org_kind", "org_region", "org_parent"):
        assert errors[name] == ["登记单位时必须填写此项。"]
    assert User.objects.count() == users


def test_signup_rejects_an_association_kind(world: World) -> None:
    response = Client().post(SIGNUP, {**signup_data(), **org_data(world, org_kind="association")})

    assert response.status_code == 200
    assert "org_kind" in response.context["form"].errors
    assert not User.objects.filter(email="chen@example.com").exists()


def test_signup_duplicate_email(world: World) -> None:
    users = User.objects.count()

    response = Client().post(SIGNUP, signup_data(email=world.owner_admin.email.upper()))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["该电子邮箱已注册。"]
    assert User.objects.count() == users
    assert "该电子邮箱已注册。" in response.content.decode()


def test_signup_bad_mobile(world: World) -> None:
    users = User.objects.count()

    response = Client().post(SIGNUP, signup_data(email="", mobile="12345"))

    assert response.status_code == 200
    assert response.context["form"].errors["mobile"] == ["请输入 11 位中国大陆手机号码。"]
    assert User.objects.count() == users


def test_signup_needs_email_or_mobile_and_matching_passwords(world: World) -> None:
    response = Client().post(SIGNUP, signup_data(email="", password2="something-else-9"))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["请填写电子邮箱或手机号码。"]
    assert errors["password2"] == ["两次输入的密码不一致。"]
    assert not User.objects.filter(display_name="陈工").exists()


# --- login, lockout, logout ------------------------------------------------------------


@pytest.fixture
def person(db: Any) -> User:
    return User.objects.create_user(
        email="li@example.com", password=PASSWORD, mobile="13800001111", display_name="李工"
    )


@pytest.mark.parametrize("login", ["li@example.com", "13800001111"])
def test_login_by_email_or_mobile(person: User, login: str) -> None:
    client = Client()

    response = client.post(LOGIN, {"login": login, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:workspace")
    assert logged_in_user_id(client) == str(person.pk)


def test_login_follows_safe_next_only(person: User) -> None:
    safe = Client().post(
        LOGIN,
        {"login": "li@example.com", "password": PASSWORD, "next": reverse("accounts:profile")},
    )
    unsafe = Client().post(
        LOGIN,
        {"login": "li@example.com", "password": PASSWORD, "next": "https://evil.example.com/"},
    )

    assert safe["Location"] == reverse("accounts:profile")
    assert unsafe["Location"] == reverse("web:workspace")


def test_wrong_password_shows_error(person: User) -> None:
    client = Client()

    response = client.post(LOGIN, {"login": "li@example.com", "password": "wrong-password-1"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["账号或密码不正确。"]
    assert logged_in_user_id(client) is None


def test_lockout_after_five_failures(person: User) -> None:
    client = Client()
    statuses = [
        client.post(LOGIN, {"login": "li@example.com", "password": f"wrong-{i}-pass"}).status_code
        for i in range(5)
    ]

    locked = client.post(LOGIN, {"login": "li@example.com", "password": PASSWORD})

    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert logged_in_user_id(client) is None


def test_logout_needs_post(person: User) -> None:
    client = client_for(person)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) == str(person.pk)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert logged_in_user_id(client) is None


# --- profile ---------------------------------------------------------------------------


def test_profile_lists_memberships(world: World) -> None:
    response = client_for(world.owner_admin).get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert [(m.organization.name, m.role) for m in response.context["memberships"]] == [
        ("杭州测温科技有限公司", Role.ADMIN)
    ]


def test_profile_update(world: World) -> None:
    user = world.owner_member

    response = client_for(user).post(
        reverse("accounts:profile"),
        {
            "display_name": "企业成员甲",
            "email": "member@example.com",
            "mobile": "13700001234",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.email, user.mobile) == (
        "企业成员甲",
        "member@example.com",
        "13700001234",
    )


def test_profile_update_duplicate_email_changes_nothing(world: World) -> None:
    user = world.owner_member
    before = (user.display_name, user.email, user.mobile)

    response = client_for(user).post(
        reverse("accounts:profile"),
        {
            "display_name": "新名字",
            "email": world.owner_admin.email,
            "mobile": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["具有 电子邮箱 的 用户 已存在。"]
    user.refresh_from_db()
    assert (user.display_name, user.email, user.mobile) == before
    # The page (and its user menu) still shows the saved name.
    assert "新名字" not in response.content.decode().split("<main")[0]


def test_profile_needs_login() -> None:
    response = Client().get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- API tokens ------------------------------------------------------------------------


def test_token_create_shows_plaintext_once_and_stores_digest(world: World) -> None:
    client = client_for(world.owner_admin)

    created = client.post(reverse("accounts:tokens"), {"name": "数据同步脚本"})

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"].split(", ")
    plaintext = created.context["issued"].plaintext
    assert plaintext in created.content.decode()
    token = ApiToken.objects.get(user=world.owner_admin)
    assert token.name == "数据同步脚本"
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext.startswith(f"kc_{token.prefix}_")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in {str(v) for v in stored.values()}
    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert plaintext not in listing
    assert f"kc_{token.prefix}_…" in listing


def test_token_name_required(world: World) -> None:
    response = client_for(world.owner_admin).post(reverse("accounts:tokens"), {"name": ""})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_revoke(world: World) -> None:
    client = client_for(world.owner_admin)
    client.post(reverse("accounts:tokens"), {"name": "脚本"})
    token = ApiToken.objects.get(user=world.owner_admin)

    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已吊销" in client.get(reverse("accounts:tokens")).content.decode()


def test_token_revoke_of_someone_elses_token_is_404(world: World) -> None:
    client_for(world.owner_admin).post(reverse("accounts:tokens"), {"name": "脚本"})
    token = ApiToken.objects.get(user=world.owner_admin)

    response = client_for(world.other_admin).post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
