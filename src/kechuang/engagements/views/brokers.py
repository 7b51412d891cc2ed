"""The association's page for its brokers: assign liaisons (科创联络员) and technology
managers (技术经理人) to organisations in its subtree, register technology managers, end
an assignment. Association admins and staff only (``access_organization_by_id``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.accounts.backends import find_user_by_login
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, ValidationFailed
from kechuang.engagements.choices import BrokerRole
from kechuang.engagements.models import BrokerAssignment, TechnologyManager
from kechuang.engagements.services import (
    broker_assign,
    broker_assignment_end,
    technology_manager_register,
)
from kechuang.engagements.views.actions import first_message
from kechuang.orgs.access import access_organization_by_id
from kechuang.orgs.models import Organization
from kechuang.web.errors import page_errors
from kechuang.web.htmx import redirect_for


def _user(login: str) -> Any:
    user = find_user_by_login(login)
    if user is None:
        raise ValidationFailed(fields={"login": [_("没有使用该邮箱或手机号的账号。")]})
    return user


@login_required
@page_errors
@access_rule("organization")
def broker_page(request: HttpRequest, org_id: int) -> HttpResponse:
    association = access_organization_by_id(request.user, org_id, action="manage")
    if not association.is_association:
        raise Http404()
    url = reverse("engagements:brokers", args=[association.pk])
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "assign":
                served = Organization.objects.filter(
                    pk=request.POST.get("organization") or 0, path__startswith=association.path
                ).first()
                if served is None:
                    raise ValidationFailed(fields={"organization": [_("请选择服务单位。")]})
                broker_assign(
                    actor=request.user,
                    association=association,
                    organization=served,
                    user=_user(request.POST.get("login", "")),
                    role=request.POST.get("role", ""),
                )
                messages.success(request, _("已委派。"))
            elif action == "register":
                technology_manager_register(
                    actor=request.user,
                    association=association,
                    user=_user(request.POST.get("login", "")),
                    certificate_number=request.POST.get("certificate_number", ""),
                )
                messages.success(request, _("已登记技术经理人。"))
            elif action == "end":
                assignment = BrokerAssignment.objects.filter(
                    pk=request.POST.get("assignment") or 0,
                    association__path__startswith=association.path,
                ).first()
                if assignment is None:
                    raise Http404()
                broker_assignment_end(actor=request.user, assignment=assignment)
                messages.success(request, _("委派已结束。"))
        except KechuangError as exc:
            messages.error(request, first_message(exc))
        return redirect_for(request, url)
    ctx = {
        "association": association,
        "assignments": BrokerAssignment.objects.filter(
            association__path__startswith=association.path, ended_at__isnull=True
        ).select_related("user", "organization", "association"),
        "managers": TechnologyManager.objects.filter(
            association__path__startswith=association.path
        ).select_related("user", "association"),
        "organizations": Organization.objects.filter(
            path__startswith=association.path, is_active=True
        )
        .exclude(pk=association.pk)
        .order_by("path")[:500],
        "roles": BrokerRole.choices,
    }
    return render(request, "engagements/brokers.html", ctx)
