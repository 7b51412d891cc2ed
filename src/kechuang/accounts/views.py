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

from kechuang.accounts.forms import LoginForm, ProfileForm, SignupForm, TokenForm
from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.services import (
    api_token_create,
    api_token_revoke,
    user_update_profile,
)
from kechuang.common.access_rules import access_rule, public, signed_in
from kechuang.common.errors import KechuangError
from kechuang.orgs.selectors import memberships_of
from kechuang.orgs.services import SignupOrganization, user_signup
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.redirects import safe_next

LOGIN_BACKEND = "kechuang.accounts.backends.LoginBackend"


def _user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    return cast(User, request.user)


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, reverse("web:workspace"))


@sensitive_post_parameters("password", "password2")
@never_cache
@public("注册页：不显示任何对象")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:workspace")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        org = None
        if d["register_org"]:
            org = SignupOrganization(
                name=d["org_name"],
                kind=d["org_kind"],
                region_id=d["org_region"],
                parent_id=d["org_parent"],
            )
        try:
            user = user_signup(
                display_name=d["display_name"],
                password=d["password"],
                email=d["email"],
                mobile=d["mobile"],
                organization=org,
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            auth_login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, _("注册成功，欢迎使用科创平台。"))
            return redirect("web:workspace")
    return render(request, "accounts/signup.html", {"form": form})


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
@access_rule("organization")
def profile(request: HttpRequest) -> HttpResponse:
    # A fresh copy, so a rejected change never shows up on ``request.user``.
    user = User.objects.get(pk=_user(request).pk)
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "email": user.email,
            "mobile": user.mobile,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("个人信息已保存。"))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": memberships_of(request.user),
        },
    )


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
