"""Attachments of needs and achievements: upload and remove (owner side, drafts only)
and download (whoever may see the item, as the gatekeepers decide)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.access import access_achievement_by_id, access_need_by_id
from kechuang.catalog.forms import AttachmentForm
from kechuang.catalog.models import Attachment
from kechuang.catalog.services import attachment_add, attachment_remove
from kechuang.catalog.uploads import check_upload
from kechuang.catalog.views.listings import (
    ListingKind,
    attachments_context,
    first_message,
    render_detail,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound, StorageError
from kechuang.web.errors import apply_error_to_form, page_errors, raise_as_http
from kechuang.web.htmx import is_htmx, redirect_for


@login_required
@require_POST
@page_errors
@access_rule("achievement", "need")
def listing_attachment_add(request: HttpRequest, kind: ListingKind, pk: int) -> HttpResponse:
    item = kind.access(request.user, pk, action="edit")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment_add(
                actor=request.user, item=item, upload=check_upload(upload.name, upload, upload.size)
            )
        except StorageError:
            raise  # the 507/503 page (kechuang.web.edge): not a fault of the form
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("附件已上传。"))
                return redirect(kind.url("detail", item.pk))
            form = AttachmentForm()
    if is_htmx(request):
        ctx = attachments_context(kind, item, can_edit=True, upload_form=form)
        return render(request, "catalog/partials/attachments.html", ctx)
    return render_detail(request, kind, item, upload_form=form)


@login_required
@require_POST
@page_errors
@access_rule("achievement", "need")
def listing_attachment_remove(
    request: HttpRequest, kind: ListingKind, pk: int, attachment_id: int
) -> HttpResponse:
    item = kind.access(request.user, pk, action="edit")
    attachment = item.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404()
    try:
        attachment_remove(actor=request.user, attachment=attachment)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        if is_htmx(request):
            ctx = attachments_context(kind, item, can_edit=True)
            return render(request, "catalog/partials/attachments.html", ctx)
        messages.success(request, _("附件已删除。"))
    return redirect_for(request, kind.url("detail", item.pk))


@access_rule("achievement", "need")
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Stream an attachment to whoever may see the need or achievement it belongs to."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404()
    try:
        if attachment.need_id is not None:
            access_need_by_id(request.user, attachment.need_id)
        else:
            access_achievement_by_id(request.user, attachment.achievement_id)
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
