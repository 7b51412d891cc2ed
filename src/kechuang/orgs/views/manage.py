"""The association admin area: subtree, child organisations, members and the audit log.

Who may see what is decided by ``orgs.access`` and the services; a page an actor may not
manage answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.audit.models import AuditEntry
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound, PermissionDenied
from kechuang.orgs.access import access_organization_by_id, viewer_for
from kechuang.orgs.consent import INVITE_SENT
from kechuang.orgs.forms import (
    MemberAddForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationEditForm,
)
from kechuang.orgs.models import Organization
from kechuang.orgs.overview import counts_by_organization
from kechuang.orgs.selectors import (
    audit_entries_for,
    managed_organizations,
    members_of,
    organization_ancestors,
    organization_list,
)
from kechuang.orgs.services import (
    membership_invite,
    membership_remove,
    membership_set_role,
    organization_create,
    organization_update,
)
from kechuang.web.errors import apply_error_to_form
from kechuang.web.htmx import render_page_or_fragment

AUDIT_PAGE_SIZE = 25


def _managed_org(request: HttpRequest, pk: int) -> Organization:
    """The organisation, if the user manages it; 404 otherwise (not allowed = not there)."""
    try:
        return access_organization_by_id(request.user, pk, action="manage")
    except (NotFound, PermissionDenied) as exc:
        raise Http404(str(exc.message)) from exc


def _org_context(request: HttpRequest, org: Organization, tab: str) -> dict[str, Any]:
    viewer = viewer_for(request.user)
    ancestors = [a for a in organization_ancestors(org) if viewer.manages(a)]
    return {"org": org, "ancestors": ancestors, "tab": tab}


@login_required
@access_rule("organization")
def manage(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    if viewer.is_platform_admin:
        orgs = Organization.objects.filter(parent__isnull=True).select_related("region")
    elif viewer.managed_paths:
        orgs = managed_organizations(request.user).select_related("region")
    else:
        raise Http404()
    orgs = orgs.annotate(
        member_count=Count("memberships", distinct=True),
        child_count=Count("children", distinct=True),
    )
    return render(request, "orgs/manage/index.html", {"orgs": orgs})


@login_required
@access_rule("organization")
def manage_org(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed_org(request, pk)
    children = list(
        organization_list(user=request.user, parent_id=org.pk).annotate(
            member_count=Count("memberships", distinct=True),
            child_count=Count("children", distinct=True),
        )
    )
    counts = counts_by_organization([org.pk, *(c.pk for c in children)])
    return render(
        request,
        "orgs/manage/org.html",
        {
            **_org_context(request, org, "subtree"),
            "children": [(child, counts[child.pk]) for child in children],
            "own_counts": counts[org.pk],
            "member_count": org.memberships.count(),
        },
    )


@login_required
@access_rule("organization")
def manage_org_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _managed_org(request, pk)
    form = OrganizationCreateForm(request.POST or None, initial={"region": parent.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            child = organization_create(actor=request.user, parent=parent, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("已创建下级组织“%(name)s”。") % {"name": child.name})
            return redirect("web:manage_org", child.pk)
    return render(
        request,
        "orgs/manage/org_form.html",
        {
            **_org_context(request, parent, "create"),
            "form": form,
            "heading": _("新建下级组织"),
        },
    )


@login_required
@access_rule("organization")
def manage_org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed_org(request, pk)
    initial = {
        "name": org.name,
        "short_name": org.short_name,
        "region": org.region_id,
        "industry": org.industry_id or "",
        "credit_code": org.credit_code or "",
        "website": org.website,
        "description": org.description,
    }
    form = OrganizationEditForm(request.POST or None, initial=initial, region_code=org.region_id)
    if request.method == "POST" and form.is_valid():
        try:
            organization_update(actor=request.user, org=org, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("组织信息已保存。"))
            return redirect("web:manage_org", org.pk)
    return render(
        request,
        "orgs/manage/org_form.html",
        {
            **_org_context(request, org, "edit"),
            "form": form,
            "heading": _("编辑组织信息"),
        },
    )


@login_required
@access_rule("organization")
def manage_members(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed_org(request, pk)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_invite(
                actor=request.user,
                organization=org,
                login=form.cleaned_data["login"],
                role=form.cleaned_data["role"],
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, str(INVITE_SENT))
            return redirect("web:manage_members", org.pk)
    return render(
        request,
        "orgs/manage/members.html",
        {
            **_org_context(request, org, "members"),
            "form": form,
            "members": members_of(org),
            "role_form": MemberRoleForm(),
        },
    )


def _membership_action(
    request: HttpRequest, pk: int, membership_id: int, action: Any
) -> HttpResponse:
    org = _managed_org(request, pk)
    if not members_of(org).filter(pk=membership_id).exists():
        raise Http404()
    try:
        message = action()
    except (NotFound, PermissionDenied) as exc:
        raise Http404(str(exc.message)) from exc
    except KechuangError as exc:
        # Nothing changed; say why, in the user's language.
        for msg in [m for ms in exc.fields.values() for m in ms] or [str(exc.message)]:
            messages.error(request, msg)
    else:
        messages.success(request, message)
    return redirect("web:manage_members", org.pk)


@login_required
@require_POST
@access_rule("organization")
def manage_member_role(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    form = MemberRoleForm(request.POST)

    def change() -> str:
        if not form.is_valid():
            raise KechuangError(_("未知的角色。"))
        membership_set_role(
            actor=request.user, membership_id=membership_id, role=form.cleaned_data["role"]
        )
        return _("角色已更新。")

    return _membership_action(request, pk, membership_id, change)


@login_required
@require_POST
@access_rule("organization")
def manage_member_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    def remove() -> str:
        membership_remove(actor=request.user, membership_id=membership_id)
        return _("成员已移除。")

    return _membership_action(request, pk, membership_id, remove)


def _field_label(object_type: str, attname: str) -> str:
    """The verbose name of a recorded field, found through the model the entry names."""
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            for field in model._meta.get_fields():
                if getattr(field, "attname", None) == attname or field.name == attname:
                    return str(getattr(field, "verbose_name", attname))
            break
    return attname


def _object_type_label(object_type: str) -> str:
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return object_type


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    diff: list[dict[str, Any]]
    type_label: str


def audit_diff(entry: AuditEntry) -> list[dict[str, Any]]:
    """Rows of (field label, before, after) for the fields an entry recorded."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key in {"id", "path", "depth", "created_at", "updated_at"} and old == new:
            continue
        rows.append(
            {
                "label": _field_label(entry.object_type, key),
                "before": old,
                "after": new,
                "changed": key in before and key in after and old != new,
            }
        )
    return rows


@login_required
@access_rule("organization")
def manage_audit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed_org(request, pk)
    entries = audit_entries_for(request.user, within=org)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        AuditRow(entry=e, diff=audit_diff(e), type_label=_object_type_label(e.object_type))
        for e in page.object_list
    ]
    return render_page_or_fragment(
        request,
        "orgs/manage/audit.html",
        "orgs/manage/audit_entries.html",
        {
            **_org_context(request, org, "audit"),
            "page_obj": page,
            "rows": rows,
            "query_prefix": "",
            "hx_target": "#audit-entries",
        },
    )
