"""Pages of the notifications app: the list (mark one or all read, htmx) and preferences."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule, signed_in
from kechuang.common.errors import KechuangError
from kechuang.notifications.access import access_notification_by_id
from kechuang.notifications.forms import PreferenceForm
from kechuang.notifications.selectors import notification_list
from kechuang.notifications.services import (
    notification_mark_read,
    notification_preference_update,
    notifications_mark_all_read,
    preference_for,
)
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import is_htmx, redirect_for, render_page_or_fragment

PER_PAGE = 20


def _list_context(request: HttpRequest) -> dict[str, Any]:
    unread_only = request.GET.get("unread") == "1"
    qs = notification_list(user=request.user, unread=True if unread_only else None)
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page_obj": page_obj,
        "unread_only": unread_only,
        "query_prefix": "unread=1&" if unread_only else "",
    }


@login_required
@access_rule("notification")
def notification_list_page(request: HttpRequest) -> HttpResponse:
    return render_page_or_fragment(
        request,
        "notifications/list.html",
        "notifications/partials/list.html",
        _list_context(request),
    )


@login_required
@require_POST
@page_errors
@access_rule("notification")
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = access_notification_by_id(request.user, notification_id, action="read")
    notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect_for(request, target)
    if is_htmx(request):
        return render(
            request, "notifications/partials/item.html", {"n": notification, "oob_bell": True}
        )
    return redirect("notifications:list")


@login_required
@require_POST
@access_rule("notification")
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_all_read(actor=request.user)
    if is_htmx(request):
        ctx = {**_list_context(request), "oob_bell": True}
        return render(request, "notifications/partials/list.html", ctx)
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": marked})
    return redirect("notifications:list")


@login_required
@signed_in("本人的通知设置")
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = preference_for(request.user)
    form = PreferenceForm(request.POST or None, initial={"delivery": current.delivery})
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_update(
                actor=request.user, delivery=form.cleaned_data["delivery"]
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("通知偏好已保存。"))
            return redirect("notifications:preferences")
    status = 422 if form.errors else 200
    ctx = {"form": form, "has_email": bool(getattr(request.user, "email", None))}
    return render(request, "notifications/preferences.html", ctx, status=status)
