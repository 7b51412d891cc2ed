"""Writes on users and tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import ApiToken, User
from kechuang.common.errors import NotFound, ValidationFailed, validation_error_from_django

TOKEN_PREFIX = "kc_"


def user_register(
    *, display_name: str, password: str, email: str | None = None, mobile: str | None = None
) -> User:
    """Create an account that signs in with ``email`` or ``mobile`` (at least one)."""
    email = (email or "").strip().lower() or None
    mobile = (mobile or "").strip() or None
    fields: dict[str, list[str]] = {}
    if not email and not mobile:
        fields["email"] = [_("请填写电子邮箱或手机号码。")]
    if email and User.objects.filter(email__iexact=email).exists():
        fields["email"] = [_("该电子邮箱已注册。")]
    if mobile and User.objects.filter(mobile=mobile).exists():
        fields["mobile"] = [_("该手机号码已注册。")]
    user = User(email=email, mobile=mobile, display_name=(display_name or "").strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        fields["password"] = [str(m) for m in exc.messages]
    try:
        # Without a login the check constraint would repeat the message given above.
        user.full_clean(exclude=["password"], validate_constraints=bool(email or mobile))
    except ValidationError as exc:
        for name, msgs in exc.message_dict.items():
            if name not in fields:  # the duplicate checks above already say it better
                fields[name] = [str(m) for m in msgs]
    if fields:
        raise ValidationFailed(fields=fields)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same login
        raise ValidationFailed(fields={"email": [_("该账号已注册。")]}) from exc
    return user


def user_update_profile(
    *, user: User, display_name: str, email: str | None, mobile: str | None
) -> User:
    user.display_name = (display_name or "").strip()
    user.email = (email or "").strip().lower() or None
    user.mobile = (mobile or "").strip() or None
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise validation_error_from_django(exc) from exc
    user.save(update_fields=["display_name", "email", "mobile"])
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown to the user once, never stored


def api_token_create(*, user: User, name: str) -> IssuedToken:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(fields={"name": [_("请填写 1–80 个字符的令牌名称。")]})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(plaintext))
    return IssuedToken(token=token, plaintext=plaintext)


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    """The active user owning this token, or ``None``; records when it was last used."""
    if not plaintext.startswith(TOKEN_PREFIX) or plaintext.count("_") < 2:
        return None
    prefix = plaintext[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or token.revoked_at is not None:
        return None
    if not secrets.compare_digest(token.digest, _digest(plaintext)):
        return None
    if not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def user_create_platform_admin(
    *, display_name: str, password: str, email: str | None = None, mobile: str | None = None
) -> User:
    """Register an account (same checks as ``user_register``) as a platform administrator."""
    user = user_register(display_name=display_name, password=password, email=email, mobile=mobile)
    user.is_superuser = True
    user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return user
