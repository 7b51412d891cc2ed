"""Pages of needs (需求) and achievements (成果): list, detail, create/edit, lifecycle
actions and attachments.

Both kinds share one lifecycle and one page layout, so each view takes a ``ListingKind``
(bound in ``catalog.urls``) that names the model, its gatekeeper, selector, services and
form. Views stay thin: parse → gatekeeper → service/selector → render. Every rule is in
``catalog.services``; its ``ValidationFailed`` comes back onto the form's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_need_by_id,
    need_contact_visible,
)
from kechuang.catalog.choices import (
    EDITABLE_STATUSES,
    TRANSITIONS,
    ContactVisibility,
    ListingAction,
)
from kechuang.catalog.forms import (
    AchievementForm,
    AttachmentForm,
    ListingFilterForm,
    ListingForm,
    NeedForm,
    ReturnForm,
)
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.public_lists import anonymous_results
from kechuang.catalog.selectors import ListingFilters, achievement_list, need_list
from kechuang.catalog.services import (
    achievement_create,
    achievement_update,
    listing_transition,
    need_create,
    need_update,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, ValidationFailed
from kechuang.matching.selectors import awaiting_index
from kechuang.orgs.access import viewer_for
from kechuang.orgs.selectors import managed_organizations
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import is_htmx, redirect_for

PER_PAGE = 20


@dataclass(frozen=True)
class ListingKind:
    """Everything the shared views need to know about needs or achievements."""

    name: str  # URL name prefix: ``need`` → ``web:need_detail``
    label: Promise
    create_label: Promise
    model: type[Need] | type[Achievement]
    access: Callable[..., Any]
    select: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    form_class: type[ListingForm]
    with_trl: bool

    def url(self, suffix: str, *args: Any) -> str:
        return reverse(f"web:{self.name}_{suffix}", args=args)

    @property
    def list_url(self) -> str:
        return self.url("list")

    @property
    def create_url(self) -> str:
        return self.url("create")


NEED = ListingKind(
    name="need",
    label=gettext_lazy("技术需求"),
    create_label=gettext_lazy("发布需求"),
    model=Need,
    access=access_need_by_id,
    select=need_list,
    create=need_create,
    update=lambda *, actor, item, **data: need_update(actor=actor, need=item, **data),
    form_class=NeedForm,
    with_trl=False,
)
ACHIEVEMENT = ListingKind(
    name="achievement",
    label=gettext_lazy("科技成果"),
    create_label=gettext_lazy("发布成果"),
    model=Achievement,
    access=access_achievement_by_id,
    select=achievement_list,
    create=achievement_create,
    update=lambda *, actor, item, **data: achievement_update(actor=actor, achievement=item, **data),
    form_class=AchievementForm,
    with_trl=True,
)

# The order buttons appear in, and the style and confirmation of each.
OWNER_ACTIONS = (
    ListingAction.SUBMIT,
    ListingAction.RECALL,
    ListingAction.RENEW,
    ListingAction.REOPEN,
    ListingAction.CLOSE,
    ListingAction.WITHDRAW,
)
ACTION_STYLE = {
    ListingAction.SUBMIT: "btn-primary",
    ListingAction.PUBLISH: "btn-success",
    ListingAction.RENEW: "btn-outline-primary",
    ListingAction.REOPEN: "btn-outline-primary",
    ListingAction.RECALL: "btn-outline-secondary",
    ListingAction.CLOSE: "btn-outline-danger",
    ListingAction.WITHDRAW: "btn-outline-danger",
}
CONFIRM = {
    ListingAction.CLOSE: gettext_lazy("关闭后将不再公开展示，确定关闭吗？"),
    ListingAction.WITHDRAW: gettext_lazy("撤回后将不再公开展示，确定撤回吗？"),
}
DONE = {
    ListingAction.SUBMIT: gettext_lazy("已提交审核，等待上级科协审核。"),
    ListingAction.RECALL: gettext_lazy("已撤回审核申请，可以继续修改。"),
    ListingAction.PUBLISH: gettext_lazy("已审核通过并发布。"),
    ListingAction.RETURN: gettext_lazy("已退回发布单位修改。"),
    ListingAction.CLOSE: gettext_lazy("已关闭。"),
    ListingAction.WITHDRAW: gettext_lazy("已撤回。"),
    ListingAction.RENEW: gettext_lazy("已续期。"),
    ListingAction.REOPEN: gettext_lazy("已恢复为草稿，可以修改后重新提交。"),
}


# ---------------------------------------------------------------- list


@page_errors
@access_rule("achievement", "need")
def listing_list(request: HttpRequest, kind: ListingKind) -> HttpResponse:
    form = ListingFilterForm(request.GET or None, with_trl=kind.with_trl)
    values = form.values()
    filters = ListingFilters(
        q=values["q"],
        region=values["region"],
        industry=values["industry"],
        discipline=values["discipline"],
        cooperation_mode=values["cooperation_mode"],
        trl_min=values.get("trl_min"),
    )

    def results() -> str:
        page_obj = Paginator(kind.select(user=request.user, filters=filters), PER_PAGE).get_page(
            request.GET.get("page")
        )
        ctx = {
            "kind": kind,
            "page_obj": page_obj,
            "items": list(page_obj.object_list),
            "filtered": any(v for v in values.values()),
            **query_context(request),
        }
        return render_to_string("catalog/partials/listing_results.html", ctx, request)

    # our own template's output (escaped there), maybe from the cache
    html = mark_safe(anonymous_results(request, kind.name, results))
    if is_htmx(request):
        return HttpResponse(html)
    return render(
        request, "catalog/listing_list.html", {"kind": kind, "form": form, "results": html}
    )


def query_context(request: HttpRequest) -> dict[str, Any]:
    """The current filters as a query string prefix for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return {"query_prefix": f"{encoded}&" if encoded else "", "hx_target": "#results"}


# ---------------------------------------------------------------- detail


@page_errors
@access_rule("achievement", "need")
def listing_detail(request: HttpRequest, kind: ListingKind, pk: int) -> HttpResponse:
    item = kind.access(request.user, pk)
    return render_detail(request, kind, item)


def render_detail(
    request: HttpRequest,
    kind: ListingKind,
    item: Need | Achievement,
    *,
    status: int = 200,
    return_form: ReturnForm | None = None,
    upload_form: AttachmentForm | None = None,
) -> HttpResponse:
    return render(
        request,
        f"catalog/{kind.name}_detail.html",
        _detail_context(request, kind, item, return_form=return_form, upload_form=upload_form),
        status=status,
    )


def _detail_context(
    request: HttpRequest,
    kind: ListingKind,
    item: Need | Achievement,
    *,
    return_form: ReturnForm | None = None,
    upload_form: AttachmentForm | None = None,
) -> dict[str, Any]:
    viewer = viewer_for(request.user)
    manages = viewer.manages(item.organization)
    reviews = viewer.reviews_for(item.organization)
    owner_actions = [
        {
            "action": action,
            "label": ListingAction(action).label,
            "url": kind.url("action", item.pk, action),
            "style": ACTION_STYLE.get(action, "btn-outline-secondary"),
            "confirm": CONFIRM.get(action, ""),
        }
        for action in OWNER_ACTIONS
        if manages and item.status in TRANSITIONS[action][0]
    ]
    can_review = reviews and item.status in TRANSITIONS[ListingAction.PUBLISH][0]
    can_edit = manages and item.status in EDITABLE_STATUSES
    ctx: dict[str, Any] = {
        "kind": kind,
        "item": item,
        "disciplines": list(item.disciplines.all()),
        "cooperation_modes": list(item.cooperation_modes.all()),
        "region_name": item.region.full_name,
        "sees_private": viewer.sees_private_of(item.organization),
        "can_edit": can_edit,
        "owner_actions": owner_actions,
        "can_review": can_review,
        "edit_url": kind.url("edit", item.pk),
        "publish_url": kind.url("action", item.pk, ListingAction.PUBLISH.value),
        "return_url": kind.url("action", item.pk, ListingAction.RETURN.value),
        "return_form": return_form or ReturnForm(),
        # its owner is told why a just-published item is not found by search yet
        "awaiting_index": manages and awaiting_index(item),
        **attachments_context(kind, item, can_edit=can_edit, upload_form=upload_form),
    }
    if isinstance(item, Need):
        visible = need_contact_visible(request.user, item)
        ctx["contact_visible"] = visible
        if not visible:
            ctx["contact_note"] = (
                _("登录后可见")
                if item.contact_visibility == ContactVisibility.MEMBERS
                else _("对接后可见")
            )
            ctx["contact_login"] = not viewer.is_authenticated and (
                item.contact_visibility == ContactVisibility.MEMBERS
            )
    return ctx


def attachments_context(
    kind: ListingKind,
    item: Need | Achievement,
    *,
    can_edit: bool,
    upload_form: AttachmentForm | None = None,
) -> dict[str, Any]:
    attachments = list(item.attachments.all())
    for attachment in attachments:
        attachment.remove_url = kind.url(  # type: ignore[attr-defined]
            "attachment_remove", item.pk, attachment.pk
        )
    return {
        "kind": kind,
        "item": item,
        "upload_url": kind.url("attachment_add", item.pk),
        "attachments": attachments,
        "can_edit_attachments": can_edit,
        "upload_form": upload_form or AttachmentForm(),
    }


# ---------------------------------------------------------------- create and edit


@login_required
@page_errors
@access_rule("achievement", "need", "organization")
def listing_create(request: HttpRequest, kind: ListingKind) -> HttpResponse:
    organizations = list(managed_organizations(request.user))
    if not organizations:
        return render(request, "catalog/no_organization.html", {"kind": kind})
    form = kind.form_class(
        request.POST or None,
        organizations=organizations,
        initial={"organization": organizations[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        organization = next(o for o in organizations if o.pk == form.cleaned_data["organization"])
        try:
            item = kind.create(
                actor=request.user, organization=organization, **form.service_kwargs()
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("已保存为草稿。上传附件或检查无误后，请提交审核。"))
            return redirect(kind.url("detail", item.pk))
    return render(request, "catalog/listing_form.html", {"kind": kind, "form": form})


@login_required
@page_errors
@access_rule("achievement", "need")
def listing_edit(request: HttpRequest, kind: ListingKind, pk: int) -> HttpResponse:
    item = kind.access(request.user, pk, action="edit")
    if item.status not in EDITABLE_STATUSES:
        messages.error(request, _("只有草稿或被退回的内容可以修改。"))
        return redirect(kind.url("detail", item.pk))
    heading = item.title  # the service sets rejected values on ``item``; keep the saved title
    form = kind.form_class(
        request.POST or None, initial=kind.form_class.initial_from(item), region_code=item.region_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            kind.update(actor=request.user, item=item, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect(kind.url("detail", item.pk))
    saved = kind.model.objects.get(pk=item.pk)
    ctx = {
        "kind": kind,
        "form": form,
        "item": saved,
        "heading": heading,
        **attachments_context(kind, saved, can_edit=True),
    }
    return render(request, "catalog/listing_form.html", ctx)


# ---------------------------------------------------------------- lifecycle actions


@login_required
@require_POST
@page_errors
@access_rule("achievement", "need")
def listing_action(request: HttpRequest, kind: ListingKind, pk: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS or TRANSITIONS[action][2] == "system":
        raise Http404()
    who = TRANSITIONS[action][2]
    item = kind.access(request.user, pk, action="review" if who == "reviewer" else "edit")
    detail_url = kind.url("detail", item.pk)
    try:
        listing_transition(
            actor=request.user, item=item, action=action, reason=request.POST.get("reason", "")
        )
    except ValidationFailed as exc:
        if action == ListingAction.RETURN:
            form = ReturnForm(request.POST)
            form.is_valid()
            apply_error_to_form(form, exc)
            return render_detail(request, kind, item, return_form=form, status=422)
        messages.error(request, first_message(exc))
    except KechuangError as exc:  # InvalidTransition: the status moved on meanwhile
        messages.error(request, first_message(exc))
    else:
        messages.success(request, str(DONE[ListingAction(action)]))
    return redirect_for(request, detail_url)


def first_message(exc: KechuangError) -> str:
    for field_messages in exc.fields.values():
        if field_messages:
            return str(field_messages[0])
    return str(exc.message)
