"""Public pages of open challenges: the list (榜单), a call with its problems, results
(winners and published acceptance outcomes) and an association's filing statistics.

The call page also carries the organiser's buttons (publish, close, start review …)
when the viewer runs the call; those POST to ``views/organiser.py``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.access import access_call_by_id, organiser_side
from kechuang.challenges.choices import CALL_TRANSITIONS, CallStatus
from kechuang.challenges.forms import CallFilterForm
from kechuang.challenges.models import Call
from kechuang.challenges.selectors import problem_details_visible, published_acceptances
from kechuang.challenges.selectors.pages import (
    CallFilters,
    call_awards,
    call_search,
    problems_of,
    published_winners,
    subtree_stats,
    winner_name,
)
from kechuang.challenges.services.handoff import review_final
from kechuang.common.access_rules import access_rule, public
from kechuang.common.errors import NotFound
from kechuang.orgs.selectors import associations
from kechuang.web.errors import page_errors
from kechuang.web.htmx import render_page_or_fragment

PER_PAGE = 20

# Organiser buttons on a call, in order, with their style and confirmation.
CALL_ACTIONS: tuple[tuple[str, Any, str, Any], ...] = (
    ("publish", _("发布榜单"), "btn-success", _("发布后题目和条件不能再修改，确定发布吗？")),
    ("close", _("截止揭榜"), "btn-outline-primary", ""),
    ("start_review", _("开始评审"), "btn-primary", _("符合条件的申请将进入评审，确定开始吗？")),
    ("start_awarding", _("进入确定揭榜方"), "btn-primary", ""),
    ("finish", _("完成榜单"), "btn-outline-success", _("未获选的申请将标记为未揭榜成功。")),
)


@page_errors
@access_rule("call")
def call_list_page(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    values = form.values()
    page_obj = Paginator(call_search(request.user, CallFilters(**values)), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "page_obj": page_obj,
        "calls": list(page_obj.object_list),
        "filtered": any(values.values()),
        "query_prefix": f"{query.urlencode()}&" if query else "",
        "hx_target": "#results",
        "now": timezone.now(),
    }
    return render_page_or_fragment(
        request, "challenges/call_list.html", "challenges/partials/call_results.html", ctx
    )


def call_actions(call: Call, now: datetime.datetime) -> list[dict[str, Any]]:
    """The buttons that can work now: closing waits for the deadline, awarding for the
    review to be final (the services refuse both otherwise)."""
    ready = {
        "close": now >= call.deadline,
        "start_awarding": call.status in CALL_TRANSITIONS["start_awarding"][0]
        and review_final(call),
    }
    return [
        {"action": a, "label": label, "style": style, "confirm": confirm}
        for a, label, style, confirm in CALL_ACTIONS
        if call.status in CALL_TRANSITIONS[a][0] and ready.get(a, True)
    ]


@page_errors
@access_rule("call")
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = access_call_by_id(request.user, pk)
    organiser = organiser_side(request.user, call)
    now = timezone.now()
    problems = list(problems_of(call))
    for item in problems:
        item.call = call  # the visibility check reads the organiser from here
        item.visible = problem_details_visible(request.user, item)  # type: ignore[attr-defined]
    awards = call_awards(call)
    actions = call_actions(call, now) if organiser else []
    ctx = {
        "call": call,
        "problems": problems,
        "organiser": organiser,
        "actions": actions,
        "awarding_waits": call.status == CallStatus.REVIEWING
        and all(a["action"] != "start_awarding" for a in actions),
        "can_cancel": organiser and call.status in CALL_TRANSITIONS["cancel"][0],
        "open_for_bids": call.status == CallStatus.PUBLISHED
        and call.opens_at <= now < call.deadline,
        "deadline_passed": now >= call.deadline,
        "winners": [(a, winner_name(a.application)) for a in awards],
    }
    return render(request, "challenges/call_detail.html", ctx)


@access_rule("project")
def results(request: HttpRequest) -> HttpResponse:
    """Published winners and acceptance outcomes (public)."""
    winners = Paginator(published_winners(), PER_PAGE).get_page(request.GET.get("page"))
    ctx = {
        "winners": [(a, winner_name(a.application)) for a in winners.object_list],
        "page_obj": winners,
        "acceptances": list(published_acceptances()[:PER_PAGE]),
    }
    return render(request, "challenges/results.html", ctx)


@page_errors
@public("备案统计：只有公开的计数")
def stats(request: HttpRequest) -> HttpResponse:
    """Filing statistics of an association's subtree (counts, public)."""
    options = list(associations().filter(depth__lte=2).only("pk", "name", "depth"))
    chosen = request.GET.get("association") or (options[0].pk if options else None)
    association = next((o for o in options if str(o.pk) == str(chosen)), None)
    if chosen and association is None:
        raise NotFound()
    ctx = {
        "options": options,
        "stats": subtree_stats(association) if association else None,
    }
    return render(request, "challenges/stats.html", ctx)
