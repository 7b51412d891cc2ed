"""Signing in by e-mail or mobile (accounts.backends.LoginBackend)."""

from __future__ import annotations

import pytest

from kechuang.accounts.backends import LoginBackend
from kechuang.accounts.models import User
from kechuang.accounts.services import user_register

pytestmark = pytest.mark.django_db

PASSWORD = "Kechuang-test-2026"


@pytest.fixture
def user() -> User:
    return user_register(
        display_name="王工", password=PASSWORD, email="wang@example.com", mobile="13812345678"
    )


@pytest.mark.parametrize(
    "login", ["wang@example.com", "WANG@example.COM", " wang@example.com ", "13812345678"]
)
def test_login_by_email_or_mobile(user: User, login: str) -> None:
    assert LoginBackend().authenticate(None, username=login, password=PASSWORD) == user


def test_login_keyword_is_accepted(user: User) -> None:
    assert LoginBackend().authenticate(None, login="13812345678", password=PASSWORD) == user


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("wang@example.com", "wrong-password-1"),
        ("13812345678", "wrong-password-1"),
        ("nobody@example.com", PASSWORD),
        ("13900000000", PASSWORD),
        ("", PASSWORD),
        ("wang@example.com", None),
    ],
)
def test_login_fails(user: User, login: str, password: str | None) -> None:
    assert LoginBackend().authenticate(None, username=login, password=password) is None


def test_inactive_user_cannot_log_in(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert LoginBackend().authenticate(None, username="wang@example.com", password=PASSWORD) is None
