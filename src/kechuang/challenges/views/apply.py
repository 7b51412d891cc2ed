"""Applicant pages: apply (揭榜) to a problem, edit until the deadline, submit, withdraw,
attachments, "my applications"; and the application page both sides share.

After the deadline the form is not shown: the page says the call is closed. The
services check the window again on every write, so a form opened before the deadline
and posted after it gets the same message on the page and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.uploads import check_upload
from kechuang.catalog.views.listings import first_message
from kechuang.challenges.access import (
    access_application_by_id,
    access_call_by_id,
    application_sides,
)
from kechuang.challenges.choices import (
    APPLICATION_TRANSITIONS,
    ApplicationStatus,
    CallStatus,
)
from kechuang.challenges.forms import (
    INDICATOR_KEYS,
    PARTNER_KEYS,
    TEAM_KEYS,
    ApplicationAttachmentForm,
    ApplicationForm,
    AwardForm,
    with_blank_rows,
)
from kechuang.challenges.models import Application, Call
from kechuang.challenges.selectors import applications_mine
from kechuang.challenges.selectors.pages import shared_comments
from kechuang.challenges.services.applications import (
    application_attachment_add,
    application_create,
    application_submit,
    application_update,
    application_withdraw,
    editable,
)
from kechuang.challenges.services.consent import consent_requests
from kechuang.challenges.services.handoff import review_selected
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.orgs.choices import OrgKind
from kechuang.orgs.models import Organization
from kechuang.orgs.selectors import memberships_of
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import redirect_for


def application_url(application: Application) -> str:
    return reverse("challenges:application_detail", args=[application.pk])


def window_open(call: Call) -> bool:
    now = timezone.now()
    return call.status == CallStatus.PUBLISHED and call.opens_at <= now < call.deadline


def _form_context(form: ApplicationForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "indicator_rows": with_blank_rows(form.indicator_rows, INDICATOR_KEYS),
        "team_rows": with_blank_rows(form.team_rows, TEAM_KEYS),
        "partner_rows": with_blank_rows(form.partner_rows, PARTNER_KEYS),
        **extra,
    }


def partner_choices() -> list[tuple[int, str]]:
    return list(
        Organization.objects.filter(is_active=True)
        .exclude(kind=OrgKind.ASSOCIATION)
        .order_by("name")
        .values_list("pk", "name")
    )


@login_required
@page_errors
@access_rule("call", "organization")
def application_apply(request: HttpRequest, pk: int, problem_id: int) -> HttpResponse:
    call = access_call_by_id(request.user, pk)
    problem = call.problems.filter(pk=problem_id).first()
    if problem is None:
        raise NotFound()
    ctx: dict[str, Any] = {"call": call, "problem": problem, "closed": not window_open(call)}
    if ctx["closed"]:
        return render(request, "challenges/application_form.html", ctx)
    organizations = [m.organization for m in memberships_of(request.user)]
    form = ApplicationForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        org_id = data.pop("organization")
        organization = next((o for o in organizations if o.pk == org_id), None)
        try:
            application = application_create(
                actor=request.user,
                call_problem=problem,
                organization=organization,
                **data,
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("申请已保存为草稿；检查无误后请提交。"))
            return redirect(application_url(application))
    ctx.update(_form_context(form, partner_options=partner_choices()))
    return render(
        request, "challenges/application_form.html", ctx, status=422 if form.errors else 200
    )


@login_required
@page_errors
@access_rule("application")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application_by_id(request.user, pk, action="edit")
    call = application.call
    ctx: dict[str, Any] = {"call": call, "problem": application.call_problem}
    ctx["application"] = application
    if not window_open(call) or not editable(application):
        ctx["closed"] = True
        return render(request, "challenges/application_form.html", ctx)
    initial = {
        name: getattr(application, name) for name in ("title", "technical_route", "schedule")
    }
    initial["budget"] = application.budget
    form = ApplicationForm(request.POST or None, initial=initial, creating=False)
    if not form.is_bound:
        form.indicator_rows = list(application.indicators)
        form.team_rows = list(application.team)
    if request.method == "POST" and form.is_valid():
        try:
            application_update(actor=request.user, application=application, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect(application_url(application))
    ctx.update(_form_context(form))
    return render(
        request, "challenges/application_form.html", ctx, status=422 if form.errors else 200
    )


def render_application(
    request: HttpRequest,
    application: Application,
    *,
    award_form: AwardForm | None = None,
    upload_form: ApplicationAttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sides = application_sides(request.user, application)  # a party: the applicant's view
    own, organiser = sides.own, sides.organiser
    call = application.call
    open_ = window_open(call)
    # the award reads the review's decision: show it, and offer the award only to the chosen
    selected = (
        review_selected(call, application)
        if organiser and application.status == ApplicationStatus.IN_REVIEW
        else None
    )
    ctx = {
        "application": application,
        "call": call,
        "own": own,
        "organiser": organiser and application.status != ApplicationStatus.DRAFT,
        "partners": list(application.partners.select_related("organization")),
        # who was named but has not agreed: shown to the applicant side only
        "consent_requests": consent_requests(application) if own else [],
        "attachments": list(application.attachments.all()),
        "recommendations": list(application.recommendations.select_related("association")),
        "window_open": open_,
        "can_edit": own and open_ and editable(application),
        "can_submit": own and open_ and application.status == ApplicationStatus.DRAFT,
        "can_withdraw": own and application.status in APPLICATION_TRANSITIONS["withdraw"][0],
        "selected": selected,
        "can_award": organiser
        and selected is True
        and application.status == ApplicationStatus.IN_REVIEW
        and call.status == CallStatus.AWARDING,
        "award_form": award_form or AwardForm(),
        "upload_form": upload_form or ApplicationAttachmentForm(),
        "comments": shared_comments(request.user, application) if own and not organiser else None,
    }
    return render(request, "challenges/application_detail.html", ctx, status=status)


@login_required
@page_errors
@access_rule("application", "review.item")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_application(request, access_application_by_id(request.user, pk))


@login_required
@require_POST
@page_errors
@access_rule("application")
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    services = {"submit": application_submit, "withdraw": application_withdraw}
    if action not in services:
        raise Http404()
    application = access_application_by_id(request.user, pk, action="edit")
    done = {"submit": _("申请已提交。"), "withdraw": _("申请已撤回。")}
    try:
        services[action](actor=request.user, application=application)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, done[action])
    return redirect_for(request, application_url(application))


@login_required
@require_POST
@page_errors
@access_rule("application", "review.item")
def application_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application_by_id(request.user, pk, action="edit")
    form = ApplicationAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            application_attachment_add(
                actor=request.user,
                application=application,
                upload=check_upload(upload.name, upload, upload.size),
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("附件已上传。"))
            return redirect(application_url(application))
    return render_application(request, application, upload_form=form, status=422)


@login_required
@access_rule("application")
def applications_mine_page(request: HttpRequest) -> HttpResponse:
    items = list(applications_mine(request.user)[:200])
    return render(request, "challenges/applications_mine.html", {"applications": items})
