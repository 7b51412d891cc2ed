"""The account pages that are about a person's organisations: signing up (optionally with a
new organisation, of which the person becomes admin) and the profile with its memberships.

They live in ``orgs`` because they read and write organisations; their URLs keep the
``accounts`` namespace (``accounts:signup``, ``accounts:profile``): the project's
``urls.py`` includes them with the account pages of ``accounts/urls.py``.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kechuang.accounts.forms import ProfileForm
from kechuang.accounts.models import User
from kechuang.accounts.services import user_update_profile
from kechuang.accounts.views import LOGIN_BACKEND
from kechuang.common.access_rules import access_rule, public
from kechuang.common.errors import KechuangError
from kechuang.orgs.forms import SignupForm
from kechuang.orgs.selectors import memberships_of
from kechuang.orgs.services import SignupOrganization, user_signup
from kechuang.web.errors import apply_error_to_form


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
    return render(request, "orgs/signup.html", {"form": form})


@login_required
@access_rule("organization")
def profile(request: HttpRequest) -> HttpResponse:
    # A fresh copy, so a rejected change never shows up on ``request.user``.
    user = User.objects.get(pk=cast(User, request.user).pk)
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
        "orgs/profile.html",
        {
            "form": form,
            "memberships": memberships_of(request.user),
        },
    )


# Included by the project's urls.py into the ``accounts`` namespace.
urlpatterns: list[URLPattern] = [
    path("signup/", signup, name="signup"),
    path("profile/", profile, name="profile"),
]
