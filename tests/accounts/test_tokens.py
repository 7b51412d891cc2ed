"""Personal API tokens: issued once, stored as a digest, revocable."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    user_register,
)
from kechuang.common.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    return user_register(
        display_name="王工", password="Kechuang-test-2026", email="wang@example.com"
    )


@pytest.fixture
def other() -> User:
    return user_register(display_name="李工", password="Kechuang-test-2026", mobile="13812345678")


def test_create_stores_only_the_digest(user: User) -> None:
    issued = api_token_create(user=user, name=" 数据同步 ")

    assert issued.plaintext.startswith("kc_")
    prefix, secret = issued.plaintext[3:].split("_", 1)
    assert len(prefix) == 8
    assert len(secret) >= 32
    row = ApiToken.objects.get()
    assert (row.user_id, row.name, row.prefix) == (user.pk, "数据同步", prefix)
    assert row.digest == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert not any(secret in value for value in stored)
    assert (row.last_used_at, row.revoked_at) == (None, None)
    assert row.is_active


def test_each_token_is_different(user: User) -> None:
    first = api_token_create(user=user, name="一")
    second = api_token_create(user=user, name="二")

    assert first.plaintext != second.plaintext
    assert first.token.prefix != second.token.prefix


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_create_needs_a_name(user: User, name: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        api_token_create(user=user, name=name)

    assert list(exc.value.fields) == ["name"]
    assert ApiToken.objects.count() == 0


def test_authenticate_returns_user_and_records_use(user: User) -> None:
    issued = api_token_create(user=user, name="同步")
    before = timezone.now()

    assert api_token_authenticate(issued.plaintext) == user

    used = ApiToken.objects.get().last_used_at
    assert used is not None
    assert before <= used <= timezone.now()


def test_revoke_then_authenticate_returns_none(user: User) -> None:
    issued = api_token_create(user=user, name="同步")

    revoked = api_token_revoke(user=user, token_id=issued.token.pk)

    assert revoked.revoked_at is not None
    assert not ApiToken.objects.get().is_active
    assert api_token_authenticate(issued.plaintext) is None
    assert ApiToken.objects.get().last_used_at is None


def test_revoke_twice_keeps_first_time(user: User) -> None:
    issued = api_token_create(user=user, name="同步")
    first = api_token_revoke(user=user, token_id=issued.token.pk).revoked_at

    assert api_token_revoke(user=user, token_id=issued.token.pk).revoked_at == first


def test_cannot_revoke_someone_elses_token(user: User, other: User) -> None:
    issued = api_token_create(user=user, name="同步")

    with pytest.raises(NotFound):
        api_token_revoke(user=other, token_id=issued.token.pk)

    assert ApiToken.objects.get().revoked_at is None
    assert api_token_authenticate(issued.plaintext) == user


def test_wrong_secret_with_right_prefix(user: User) -> None:
    issued = api_token_create(user=user, name="同步")
    prefix = issued.token.prefix

    assert api_token_authenticate(f"kc_{prefix}_{'A' * 43}") is None
    assert api_token_authenticate(issued.plaintext[:-1]) is None
    assert api_token_authenticate(issued.plaintext + "x") is None
    assert ApiToken.objects.get().last_used_at is None


@pytest.mark.parametrize("text", ["", "kc_", "kc_abc", "Bearer kc_x_y", "ghp_abcdef_123", "kc__"])
def test_malformed_tokens(user: User, text: str) -> None:
    api_token_create(user=user, name="同步")

    assert api_token_authenticate(text) is None


def test_token_of_inactive_user(user: User) -> None:
    issued = api_token_create(user=user, name="同步")
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert api_token_authenticate(issued.plaintext) is None
    assert ApiToken.objects.get().last_used_at is None
