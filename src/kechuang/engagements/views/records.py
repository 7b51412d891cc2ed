"""The records of a deal: the contract at signing (its own page), payments and
milestones during implementation, the outcome at completion; messages and their files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.uploads import check_upload
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.engagements.access import access_answer_by_id, access_engagement_by_id
from kechuang.engagements.forms import ContractForm, MessageForm, OutcomeForm, PaymentForm
from kechuang.engagements.models import Message, MessageAttachment
from kechuang.engagements.services import (
    engagement_complete,
    engagement_sign,
    message_post,
    milestone_add,
    milestone_complete,
    payment_record,
)
from kechuang.engagements.views.actions import engagement_url, first_message
from kechuang.engagements.views.pages import render_detail
from kechuang.web.errors import apply_error_to_form, page_errors, raise_as_http
from kechuang.web.htmx import redirect_for


@login_required
@page_errors
@access_rule("engagement")
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract form (技术合同登记); saving it signs the engagement."""
    engagement = access_engagement_by_id(request.user, pk, action="act")
    initial = {
        "signed_on": timezone.localdate().isoformat(),
        "title": str(engagement.subject)[:200],
        "party_a": str(engagement.subject_org),
        "party_b": str(engagement.counterparty),
    }
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            engagement_sign(actor=request.user, engagement=engagement, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("合同已登记，对接进入“已签约”。"))
            return redirect_for(request, engagement_url(engagement.pk))
    status = 422 if request.method == "POST" else 200
    ctx = {"e": engagement, "form": form}
    return render(request, "engagements/contract_form.html", ctx, status=status)


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def payment_page(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access_engagement_by_id(request.user, pk, action="act")
    form = PaymentForm(request.POST)
    form.is_valid()
    try:
        payment_record(
            actor=request.user,
            engagement=engagement,
            amount=form.data.get("amount"),
            received_on=form.data.get("received_on"),
            note=str(form.data.get("note", "")),
        )
    except KechuangError as exc:
        apply_error_to_form(form, exc)
        return render_detail(request, engagement, status=422, payment_form=form)
    messages.success(request, _("到款已登记。"))
    return redirect_for(request, engagement_url(engagement.pk))


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def milestone_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a milestone, or (with ``milestone``) mark one done today."""
    engagement = access_engagement_by_id(request.user, pk, action="act")
    try:
        done = request.POST.get("milestone")
        if done:
            milestone = engagement.milestones.filter(pk=int(done) if done.isdigit() else 0).first()
            if milestone is None:
                raise NotFound()
            milestone_complete(actor=request.user, milestone=milestone)
            messages.success(request, _("里程碑已完成。"))
        else:
            milestone_add(
                actor=request.user,
                engagement=engagement,
                title=request.POST.get("title", ""),
                due_on=request.POST.get("due_on") or None,
            )
            messages.success(request, _("里程碑已添加。"))
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    return redirect_for(request, engagement_url(engagement.pk))


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def outcome_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome; the engagement is then completed (落地)."""
    engagement = access_engagement_by_id(request.user, pk, action="act")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            engagement_complete(actor=request.user, engagement=engagement, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("成效已登记，对接已落地。"))
            return redirect_for(request, engagement_url(engagement.pk))
    return render_detail(request, engagement, status=422, outcome_form=form)


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def message_page(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access_engagement_by_id(request.user, pk, action="broker")
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        reply_id = form.cleaned_data.get("reply_to")
        reply_to = (
            Message.objects.filter(pk=reply_id, engagement=engagement).first() if reply_id else None
        )
        try:
            uploads = [check_upload(f.name, f, f.size) for f in form.cleaned_data["attachments"]]
            message_post(
                actor=request.user,
                engagement=engagement,
                body=form.cleaned_data["body"],
                reply_to=reply_to,
                files=uploads,
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("留言已发送。"))
            return redirect_for(request, engagement_url(engagement.pk) + "#messages")
    return render_detail(request, engagement, status=422, message_form=form)


@login_required
@access_rule("engagement")
def file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A message's or an answer's file, for whoever may see its engagement or answer."""
    attachment = MessageAttachment.objects.select_related("message").filter(pk=pk).first()
    if attachment is None:
        raise Http404()
    try:
        if attachment.message is not None:
            access_engagement_by_id(request.user, attachment.message.engagement_id)
        else:
            access_answer_by_id(request.user, attachment.answer_id)
    except NotFound as exc:
        raise_as_http(exc)
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404() from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
