"""Sign in with an e-mail address or a mobile number, plus the password."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kechuang.accounts.models import User

# django-axes keeps at most this many characters of the attempted login (AccessAttempt).
_AXES_USERNAME_MAX = 255


def normalize_login(login: str | None) -> str:
    """The login as the lookup compares it: NFKC (full-width ``ｗａｎｇ＠…`` and ``１３８…``
    become ASCII), format characters (zero-width, direction marks) removed, surrounding
    spaces stripped, an e-mail address lower-cased."""
    text = unicodedata.normalize("NFKC", login or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
    return text.lower() if "@" in text else text


def find_user_by_login(login: str | None) -> User | None:
    login = normalize_login(login)
    if not login:
        return None
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    return User.objects.filter(mobile=login).first()


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """What django-axes counts failures against (``AXES_USERNAME_CALLABLE``): the account.

    Every spelling of a login that reaches one account (case, spaces, full-width
    characters, its e-mail or its mobile) shares one failure budget, and so does every
    login path: our form posts ``login``, the Django admin posts ``username``. A login
    that reaches no account is counted under its normalised text.
    """
    raw: Any = None
    for field in ("login", "username", "email"):
        if credentials and credentials.get(field):
            raw = credentials[field]
            break
    if raw is None and request is not None:
        data = getattr(request, "data", None) or request.POST
        raw = data.get("login") or data.get("username") or ""
    login = normalize_login(str(raw or ""))
    if not login:
        return ""
    cache: dict[str, str] = getattr(request, "_kechuang_lockout_keys", {}) if request else {}
    if login not in cache:
        user = find_user_by_login(login)
        cache[login] = f"user#{user.pk}" if user is not None else login[:_AXES_USERNAME_MAX]
        if request is not None:
            request._kechuang_lockout_keys = cache  # type: ignore[attr-defined]
    return cache[login]


class LoginBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = username or kwargs.get("login") or kwargs.get("email") or ""
        user = find_user_by_login(login)
        if user is None or password is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
