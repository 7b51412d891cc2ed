"""Pages of invitations: the inbox of pending ones with accept and decline buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.invitations.access import access_invitation_by_id
from kechuang.invitations.kinds import handler_for
from kechuang.invitations.selectors import invitations_for
from kechuang.invitations.services import invitation_accept, invitation_decline
from kechuang.web.errors import page_errors

ANSWERED_SHOWN = 20


CARD_SIZE = 5


def rows(qs: Any) -> list[tuple[Any, str]]:
    return [(inv, handler_for(inv.kind).describe(inv)) for inv in qs]


@login_required
@access_rule("invitation")
def invitation_card(request: HttpRequest) -> HttpResponse:
    """The workspace card (``hx-get``): pending invitations, or nothing at all."""
    pending = rows(invitations_for(request.user)[:CARD_SIZE])
    return render(request, "invitations/partials/card.html", {"pending": pending})


@login_required
@access_rule("invitation")
def invitation_list_page(request: HttpRequest) -> HttpResponse:
    answered = invitations_for(request.user, status=None).exclude(
        pk__in=invitations_for(request.user).values("pk")
    )
    return render(
        request,
        "invitations/list.html",
        {
            "pending": rows(invitations_for(request.user)),
            "answered": rows(answered[:ANSWERED_SHOWN]),
        },
    )


def _answer(request: HttpRequest, invitation_id: int, *, accept: bool) -> HttpResponse:
    invitation = access_invitation_by_id(request.user, invitation_id, action="answer")
    try:
        if accept:
            invitation_accept(actor=request.user, invitation=invitation)
        else:
            invitation_decline(actor=request.user, invitation=invitation)
    except KechuangError as exc:
        # nothing changed; say why
        for msg in [m for ms in exc.fields.values() for m in ms] or [str(exc.message)]:
            messages.error(request, msg)
    else:
        messages.success(request, _("已接受邀请。") if accept else _("已谢绝邀请。"))
    return redirect("invitations:list")


@login_required
@require_POST
@page_errors
@access_rule("invitation")
def invitation_accept_page(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _answer(request, invitation_id, accept=True)


@login_required
@require_POST
@page_errors
@access_rule("invitation")
def invitation_decline_page(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _answer(request, invitation_id, accept=False)
