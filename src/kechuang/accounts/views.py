"""Sign-up, login, logout, profile and API tokens: parse, call a service, render."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kechuang.accounts.forms import LoginForm, TokenForm
from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.services import (
    api_token_create,
    api_token_revoke,
)
from kechuang.common.access_rules import public, signed_in
from kechuang.common.errors import KechuangError
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.redirects import safe_next

LOGIN_BACKEND = "kechuang.accounts.backends.LoginBackend"


def _user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    return cast(User, request.user)


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, reverse("web:workspace"))


@sensitive_post_parameters("password")
@never_cache
@public("登录页：不显示任何对象")
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through ``authenticate`` so django-axes counts failures and locks out; when it
        # does, its middleware replaces this response with ``lockout`` below.
        user = authenticate(
            request, login=form.cleaned_data["login"], password=form.cleaned_data["password"]
        )
        if user is not None:
            auth_login(request, user)
            return redirect(_next_url(request))
        form.add_error(None, _("账号或密码不正确。"))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@require_POST
@signed_in("退出登录：只涉及本人的会话")
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("web:home")


def lockout(
    request: HttpRequest,
    original_response: Any = None,
    credentials: Any = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """Shown by django-axes after too many failed logins."""
    return render(request, "accounts/lockout.html", status=429)


@login_required
@never_cache
@signed_in("本人的 API 令牌")
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_create(user=_user(request), name=form.cleaned_data["name"])
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            # Rendered, not redirected: the plaintext exists only in this one response.
            return render(request, "accounts/token_created.html", {"issued": issued})
    token_list = ApiToken.objects.filter(user=_user(request)).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": token_list})


@login_required
@require_POST
@page_errors
@signed_in("本人的 API 令牌（服务按本人查找）")
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_revoke(user=_user(request), token_id=token_id)
    messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect("accounts:tokens")
