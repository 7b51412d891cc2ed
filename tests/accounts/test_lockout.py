"""Login lockout is keyed on the account: every spelling of its login and every login path
(the login page, the Django admin) share one failure budget, and a locked account is
refused everywhere, even with the right password."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from kechuang.accounts.backends import lockout_key, normalize_login
from kechuang.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = "/django-admin/login/"


@pytest.fixture
def person(db: Any) -> User:
    return User.objects.create_user(
        email="li@example.com",
        password=PASSWORD,
        mobile="13800001111",
        display_name="李工",
        is_staff=True,
        is_superuser=True,
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


SPELLINGS = [
    "li@example.com",
    "LI@Example.COM",
    "  li@example.com ",
    "ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # full-width
    "li\u200b@example.com",  # zero-width space
    "13800001111",
    "１３８００００１１１１",  # full-width digits
]


def test_normalize_login() -> None:
    assert {normalize_login(s) for s in SPELLINGS[:5]} == {"li@example.com"}
    assert {normalize_login(s) for s in SPELLINGS[5:]} == {"13800001111"}


def test_every_spelling_is_keyed_on_the_account(person: User) -> None:
    assert {lockout_key(None, {"login": s}) for s in SPELLINGS} == {f"user#{person.pk}"}
    assert lockout_key(None, {"username": "LI@example.com"}) == f"user#{person.pk}"
    assert lockout_key(None, {"login": " NoBody@Example.com"}) == "nobody@example.com"


def test_spelling_variants_share_one_failure_budget(person: User) -> None:
    client = Client()
    statuses = [
        client.post(LOGIN, {"login": login, "password": f"wrong-{i}-pass"}).status_code
        for i, login in enumerate(SPELLINGS[:5])
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        (f"user#{person.pk}", 5)
    ]


@pytest.mark.parametrize("login", SPELLINGS)
def test_locked_account_refuses_every_spelling(person: User, login: str) -> None:
    for i in range(5):
        Client().post(LOGIN, {"login": "li@example.com", "password": f"wrong-{i}-pass"})
    client = Client(REMOTE_ADDR="10.9.8.7")  # another address does not help either

    response = client.post(LOGIN, {"login": login, "password": PASSWORD})

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not signed_in(client)


def test_right_password_resets_the_budget(person: User) -> None:
    client = Client()
    for i in range(4):
        client.post(LOGIN, {"login": "LI@example.com", "password": f"wrong-{i}-pass"})

    response = client.post(LOGIN, {"login": "13800001111", "password": PASSWORD})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_django_admin_is_not_served_by_default(person: User) -> None:
    assert Client().get(ADMIN_LOGIN).status_code == 404


@pytest.mark.urls("tests.accounts.admin_urls")
def test_django_admin_failures_count_against_the_account(person: User) -> None:
    client = Client()
    statuses = [
        client.post(
            ADMIN_LOGIN, {"username": "Li@Example.com", "password": f"wrong-{i}-pass"}
        ).status_code
        for i in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [f"user#{person.pk}"]
    # The page login is locked too, whatever the spelling.
    locked = Client().post(LOGIN, {"login": "13800001111", "password": PASSWORD})
    assert locked.status_code == 429


@pytest.mark.urls("tests.accounts.admin_urls")
@pytest.mark.parametrize("login", ["li@example.com", "LI@EXAMPLE.COM", "13800001111"])
def test_django_admin_refuses_a_locked_account(person: User, login: str) -> None:
    for i in range(5):
        Client().post(LOGIN, {"login": "li@example.com", "password": f"wrong-{i}-pass"})
    client = Client()

    response = client.post(ADMIN_LOGIN, {"username": login, "password": PASSWORD})

    assert response.status_code == 429
    assert not signed_in(client)


@pytest.mark.urls("tests.accounts.admin_urls")
def test_django_admin_still_signs_in_an_unlocked_account(person: User) -> None:
    client = Client()

    response = client.post(ADMIN_LOGIN, {"username": "LI@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in(client)
