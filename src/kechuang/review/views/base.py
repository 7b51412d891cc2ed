"""What every review page shares: the viewer's roles, the process tabs, and putting a
service error on a form or into a flash message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.views.listings import first_message
from kechuang.common.errors import KechuangError, NotFound
from kechuang.review.access import PUBLIC_STATUSES, ProcessRoles, roles_for
from kechuang.review.models import ReviewProcess
from kechuang.web.errors import apply_error_to_form

# (key, label, URL name, who sees the tab: "runner", "organiser", "member", "all")
TABS = (
    ("overview", _("概览"), "review:process_detail", "all"),
    ("experts", _("候选专家"), "review:candidates", "runner"),
    ("conflicts", _("利益冲突"), "review:conflicts", "runner"),
    ("assignment", _("专家分配"), "review:assignment", "runner"),
    ("ranking", _("评分排名"), "review:ranking", "member"),
    ("decision", _("评审决定"), "review:decision", "organiser"),
    ("notice", _("结果公示"), "review:notice", "public"),
)


def _sees(tab_who: str, roles: ProcessRoles, process: ReviewProcess) -> bool:
    if tab_who == "all":
        return True
    if tab_who == "runner":
        return roles.runner
    if tab_who == "organiser":
        return roles.organiser
    if tab_who == "member":
        return roles.runner or bool(roles.seats)
    return process.status in PUBLIC_STATUSES  # "public"


def process_context(
    request: HttpRequest, process: ReviewProcess, active: str, roles: ProcessRoles | None = None
) -> dict[str, Any]:
    """The header and tabs of a process page, as the viewer may see them."""
    roles = roles or roles_for(request.user, process)
    tabs = [
        {"key": key, "label": label, "url": reverse(name, args=[process.pk])}
        for key, label, name, who in TABS
        if _sees(who, roles, process)
    ]
    return {"process": process, "roles": roles, "tabs": tabs, "active_tab": active}


def require_member_or_runner(roles: ProcessRoles) -> None:
    """Pages of the panels' work: reviewers and runners only, others see "not there"."""
    if not roles.runner and not roles.seats:
        raise NotFound()


def show_error(form: forms.BaseForm, exc: KechuangError, mapping: Any = None) -> None:
    """``apply_error_to_form``, after renaming service field keys with ``mapping``
    (a callable key → form field name or None)."""
    if mapping is not None and exc.fields:
        renamed: dict[str, list[Any]] = {}
        for key, msgs in exc.fields.items():
            renamed.setdefault(mapping(key) or key, []).extend(msgs)
        exc = type(exc)(exc.message, code=exc.code, fields=renamed)
    apply_error_to_form(form, exc)


def flash_error(request: HttpRequest, exc: KechuangError) -> None:
    messages.error(request, first_message(exc))
