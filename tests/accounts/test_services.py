"""Registration and profile updates (accounts.services)."""

from __future__ import annotations

import pytest

from kechuang.accounts.models import User
from kechuang.accounts.services import user_register, user_update_profile
from kechuang.common.errors import ValidationFailed

pytestmark = pytest.mark.django_db

PASSWORD = "Kechuang-test-2026"


def test_register_by_email_normalises_and_hashes() -> None:
    user = user_register(display_name=" 王工 ", password=PASSWORD, email=" Wang@Example.COM ")

    user.refresh_from_db()
    assert (user.email, user.mobile, user.display_name) == ("wang@example.com", None, "王工")
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
    assert user.login_name == "wang@example.com"


def test_register_by_mobile() -> None:
    user = user_register(display_name="李工", password=PASSWORD, mobile=" 13812345678 ")

    user.refresh_from_db()
    assert (user.email, user.mobile) == (None, "13812345678")
    assert user.check_password(PASSWORD)
    assert user.login_name == "13812345678"


def test_register_with_both() -> None:
    user = user_register(
        display_name="张工", password=PASSWORD, email="zhang@example.com", mobile="13912345678"
    )
    assert (user.email, user.mobile) == ("zhang@example.com", "13912345678")


def test_register_without_email_or_mobile_fails() -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="无名", password=PASSWORD, email="  ", mobile="")

    assert exc.value.fields == {"email": ["请填写电子邮箱或手机号码。"]}
    assert exc.value.status == 422
    assert User.objects.count() == 0


def test_register_duplicate_email_is_case_insensitive() -> None:
    first = user_register(display_name="王工", password=PASSWORD, email="wang@example.com")

    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="王工二", password=PASSWORD, email="WANG@Example.com")

    assert exc.value.fields == {"email": ["该电子邮箱已注册。"]}
    assert list(User.objects.values_list("pk", flat=True)) == [first.pk]


def test_register_duplicate_mobile() -> None:
    first = user_register(display_name="李工", password=PASSWORD, mobile="13812345678")

    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="李工二", password=PASSWORD, mobile="13812345678")

    assert exc.value.fields == {"mobile": ["该手机号码已注册。"]}
    assert list(User.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize("mobile", ["23812345678", "1381234567", "1381234567a", "12812345678"])
def test_register_bad_mobile_format(mobile: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="李工", password=PASSWORD, mobile=mobile)

    assert exc.value.fields == {"mobile": ["请输入 11 位中国大陆手机号码。"]}
    assert User.objects.count() == 0


def test_register_bad_email_format() -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="王工", password=PASSWORD, email="not-an-email")

    assert list(exc.value.fields) == ["email"]
    assert User.objects.count() == 0


@pytest.mark.parametrize("password", ["12345678", "password", "abc", "wang@example.com"])
def test_register_weak_password(password: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="王工", password=password, email="wang@example.com")

    assert list(exc.value.fields) == ["password"]
    assert len(exc.value.fields["password"]) >= 1
    assert User.objects.count() == 0


def test_register_without_display_name() -> None:
    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="   ", password=PASSWORD, email="wang@example.com")

    assert list(exc.value.fields) == ["display_name"]
    assert User.objects.count() == 0


def test_register_reports_every_error_at_once() -> None:
    user_register(display_name="王工", password=PASSWORD, email="wang@example.com")

    with pytest.raises(ValidationFailed) as exc:
        user_register(display_name="", password="123", email="wang@example.com", mobile="999")

    assert set(exc.value.fields) == {"email", "mobile", "password", "display_name"}
    assert User.objects.count() == 1


def test_update_profile() -> None:
    user = user_register(display_name="王工", password=PASSWORD, email="wang@example.com")

    user_update_profile(user=user, display_name=" 王总工 ", email="", mobile="13812345678")

    user.refresh_from_db()
    assert (user.display_name, user.email, user.mobile) == ("王总工", None, "13812345678")


def test_update_profile_rejects_taken_mobile_and_changes_nothing() -> None:
    user_register(display_name="李工", password=PASSWORD, mobile="13812345678")
    user = user_register(display_name="王工", password=PASSWORD, email="wang@example.com")

    with pytest.raises(ValidationFailed) as exc:
        user_update_profile(
            user=user, display_name="王工", email="wang@example.com", mobile="13812345678"
        )

    assert list(exc.value.fields) == ["mobile"]
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.display_name, fresh.email, fresh.mobile) == ("王工", "wang@example.com", None)


def test_update_profile_cannot_remove_both_logins() -> None:
    user = user_register(display_name="王工", password=PASSWORD, email="wang@example.com")

    with pytest.raises(ValidationFailed):
        user_update_profile(user=user, display_name="王工", email="", mobile="")

    fresh = User.objects.get(pk=user.pk)
    assert (fresh.email, fresh.mobile) == ("wang@example.com", None)
