"""Calls (榜单): create and edit drafts, list problems on them, move them along their life."""

from __future__ import annotations

import datetime
from dataclasses import fields as dataclass_fields
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import (
    CALL_TRANSITIONS,
    ApplicationStatus,
    CallStatus,
    EventType,
    FilingKind,
    FundingMode,
    ProblemStatus,
)
from kechuang.challenges.models import Application, Call, CallProblem, Problem
from kechuang.challenges.services.applications import application_move
from kechuang.challenges.services.eligibility import check_eligibility
from kechuang.challenges.services.handoff import (
    require_review_final,
    review_cancel,
    review_open,
)
from kechuang.challenges.services.indexing import call_reindex
from kechuang.challenges.services.steps import (
    clean_indicators,
    created,
    event_record,
    filing_record,
    move,
)
from kechuang.common.errors import InvalidTransition, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, clean_text, full_clean, refuse, to_date, to_decimal
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import AssociationLevel
from kechuang.orgs.models import Organization
from kechuang.review.rules import ReviewRules

CALL_FIELDS = (
    "title",
    "description",
    "opens_at",
    "deadline",
    "application_limit",
    "max_partners",
    "requires_recommendation",
    "recommendation_quotas",
    "review_rounds",
    "review_rules",
)
QUOTA_LEVELS = (AssociationLevel.DISTRICT, AssociationLevel.CITY, AssociationLevel.PROVINCE)


def _to_datetime(errors: Errors, field: str, value: Any) -> datetime.datetime | None:
    parsed = value if isinstance(value, datetime.datetime) else parse_datetime(str(value or ""))
    if parsed is None:
        errors.add(field, _("请输入有效时间，格式为 YYYY-MM-DDTHH:MM。"))
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _quotas(errors: Errors, value: Any) -> dict[str, int]:
    if not value:
        return {}
    if not isinstance(value, dict):
        errors.add("recommendation_quotas", _("推荐名额应为“层级 → 名额”的 JSON 对象。"))
        return {}
    quotas: dict[str, int] = {}
    for level, quota in value.items():
        if level not in QUOTA_LEVELS:
            errors.add(
                "recommendation_quotas",
                _("未知的层级“%(level)s”；可用：district、city、province。") % {"level": level},
            )
        elif not isinstance(quota, int) or isinstance(quota, bool) or quota < 1:
            errors.add("recommendation_quotas", _("推荐名额须为正整数。"))
        else:
            quotas[level] = quota
    return quotas


SHARE_MESSAGE = gettext_lazy("一线人员比例须是 0 到 1 之间的分数，如 1/3。")


def parse_share(value: Any) -> Fraction | None:
    """The front-line share of a panel (``"1/3"``, ``0.5``), or None unless within 0–1."""
    try:
        share = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None
    return share if 0 <= share <= 1 else None


def _review_rules(errors: Errors, value: Any) -> dict[str, Any]:
    """Panel rules for the review, checked now so a bad rule cannot stop the review later."""
    if not value:
        return {}
    if not isinstance(value, dict):
        errors.add("review_rules", _("评审规则应为 JSON 对象。"))
        return {}
    known = {f.name: f.type for f in dataclass_fields(ReviewRules)}
    rules: dict[str, Any] = {}
    for name, rule in value.items():
        if name not in known:
            errors.add("review_rules", _("未知的评审规则“%(n)s”。") % {"n": name})
        elif name == "frontline_share":
            share = parse_share(rule)
            if share is None:
                errors.add("review_rules", str(SHARE_MESSAGE))
            rules[name] = str(share)
        elif name in {"exclude_government", "conflict_subtree"}:
            if not isinstance(rule, bool):
                errors.add("review_rules", _("“%(n)s”须为 true 或 false。") % {"n": name})
            rules[name] = rule
        else:
            low = 0 if name == "conflict_years" else 1
            if not isinstance(rule, int) or isinstance(rule, bool) or not low <= rule <= 500:
                errors.add("review_rules", _("“%(n)s”须为整数。") % {"n": name})
            rules[name] = rule
    return rules


def _apply_call_fields(errors: Errors, call: Call, data: dict[str, Any]) -> list[str]:
    unknown = set(data) - set(CALL_FIELDS)
    for name in sorted(unknown):
        errors.add(name, _("该字段不可修改。"))
    for name in CALL_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in {"opens_at", "deadline"}:
            value = _to_datetime(errors, name, value)
        elif name == "recommendation_quotas":
            value = _quotas(errors, value)
        elif name == "review_rules":
            value = _review_rules(errors, value)
        elif isinstance(value, str):
            value = clean_text(value)
        setattr(call, name, value)
    if call.deadline and call.deadline <= timezone.now():
        errors.add("deadline", _("截止时间须晚于现在。"))
    return [name for name in CALL_FIELDS if name in data]


@transaction.atomic
def call_create(*, actor: Any, organiser: Organization, **data: Any) -> Call:
    """A draft call of ``organiser``, whose admins and staff run it. Fields: ``CALL_FIELDS``."""
    if not viewer_for(actor).manages(organiser):
        raise PermissionDenied(_("只有组织单位的管理员或工作人员可以创建榜单。"))
    errors = Errors()
    call = Call(organiser=organiser, created_by=actor)
    _apply_call_fields(errors, call, data)
    full_clean(call, exclude=["organiser", "created_by"], errors=errors)
    errors.raise_if_any()
    call.save()
    created(call, actor=actor, call=call, type=EventType.CALL_CREATED, organization=organiser)
    return call


def _lock_call(call: Call, actor: Any) -> Call:
    call = locked(Call.objects.select_related("organiser__parent"), pk=call.pk)
    if actor is not None and not viewer_for(actor).manages(call.organiser):
        raise PermissionDenied(_("只有组织单位的管理员或工作人员可以操作榜单。"))
    return call


@transaction.atomic
def call_update(*, actor: Any, call: Call, **changes: Any) -> Call:
    """Change a draft call; a published call is fixed (applicants rely on it)."""
    call = _lock_call(call, actor)
    if call.status != CallStatus.DRAFT:
        raise InvalidTransition(_("只有草稿状态的榜单可以修改。"))
    before = snapshot(call)
    errors = Errors()
    fields = _apply_call_fields(errors, call, changes)
    full_clean(call, exclude=["organiser", "created_by"], errors=errors)
    errors.raise_if_any()
    call.save(update_fields=[*fields, "updated_at"])
    event_record(call=call, type=EventType.CALL_UPDATED, obj=call, actor=actor, fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=call,
        organization=call.organiser,
        before=before,
        after=snapshot(call),
    )
    return call


@transaction.atomic
def call_problem_add(
    *,
    actor: Any,
    call: Call,
    problem: Problem | None = None,
    **data: Any,
) -> CallProblem:
    """List a problem on a draft call, with indicators, outcome, funding and eligibility.

    ``problem`` links a collected problem; it must have been published externally (or be
    the organiser's own, accepted in its own round).
    """
    call = _lock_call(call, actor)
    if call.status != CallStatus.DRAFT:
        raise InvalidTransition(_("只有草稿状态的榜单可以添加题目。"))
    errors = Errors()
    if problem is not None:
        problem = Problem.objects.select_related("round__owner").get(pk=problem.pk)
        own = problem.round.owner_id == call.organiser_id
        allowed = {ProblemStatus.PUBLISHED} | ({ProblemStatus.ACCEPTED} if own else set())
        if problem.status not in allowed:
            errors.add("problem", _("只能列入已对外发布的难题。"))
        data.setdefault("title", problem.title)
        data.setdefault("description", problem.description)
    mode = data.get("funding_mode")
    item = CallProblem(
        call=call,
        problem=problem,
        title=clean_text(data.get("title")),
        description=clean_text(data.get("description")),
        expected_outcome=str(data.get("expected_outcome") or "").strip(),
        funding_mode=mode or "",
        budget=to_decimal(errors, "budget", data.get("budget")),
        subsidy_ratio=None,
        guidance_fund=to_decimal(
            errors, "guidance_fund", data.get("guidance_fund"), required=False
        ),
        completion_deadline=to_date(errors, "completion_deadline", data.get("completion_deadline")),
        eligibility_text=str(data.get("eligibility_text") or "").strip(),
        confidentiality=data.get("confidentiality") or "public",
    )
    item.indicators = clean_indicators(errors, "indicators", data.get("indicators"), required=True)
    item.eligibility = check_eligibility(errors, item.eligibility_text, data.get("eligibility"))
    if mode == FundingMode.SUBSIDY:
        ratio = data.get("subsidy_ratio")
        item.subsidy_ratio = to_decimal(errors, "subsidy_ratio", ratio) if ratio else None
        if item.subsidy_ratio is None and "subsidy_ratio" not in errors:
            errors.add("subsidy_ratio", _("按比例补助须填写补助比例（0–1）。"))
    elif data.get("subsidy_ratio") not in (None, ""):
        errors.add("subsidy_ratio", _("只有按比例补助才填写补助比例。"))
    if mode != FundingMode.MARKET and item.guidance_fund is not None:
        errors.add("guidance_fund", _("只有企业或市场出资才配引导基金。"))
    unknown = set(data) - {
        "title",
        "description",
        "expected_outcome",
        "funding_mode",
        "budget",
        "subsidy_ratio",
        "guidance_fund",
        "completion_deadline",
        "eligibility_text",
        "eligibility",
        "confidentiality",
        "indicators",
    }
    for name in sorted(unknown):
        errors.add(name, _("该字段不可修改。"))
    full_clean(item, exclude=["call", "problem"], errors=errors)
    errors.raise_if_any()
    item.save()
    created(
        item,
        actor=actor,
        call=call,
        type=EventType.CALL_PROBLEM_ADDED,
        organization=call.organiser,
        title=item.title,
    )
    return item


@transaction.atomic
def call_transition(
    *,
    actor: Any,
    call: Call,
    action: str,
    reason: str = "",
    evaluator: Organization | None = None,
) -> Call:
    """Publish, close, start review, start awarding, finish or cancel a call.

    ``start_review`` hands the eligible applications to a new review process
    (``services/handoff.py``), run with ``evaluator`` if the organiser names one.
    ``actor=None`` is the scheduler (``challenges-tick``), which only closes calls.
    """
    if actor is None and action != "close":
        raise PermissionDenied()
    call = _lock_call(call, actor)
    now = timezone.now()
    fields: list[str] = []
    if action == "publish" and call.status == CallStatus.DRAFT:
        if not call.problems.exists():
            raise refuse("problems", _("榜单至少需要一个题目才能发布。"))
        if call.deadline <= now:
            raise refuse("deadline", _("截止时间已过，请修改后再发布。"))
        call.published_at = now
        fields.append("published_at")
    if action == "close" and call.status == CallStatus.PUBLISHED and call.deadline > now:
        raise InvalidTransition(_("揭榜截止时间未到，不能提前截止。"))
    if action == "start_awarding" and call.status == CallStatus.REVIEWING:
        require_review_final(call)
    reason = (reason or "").strip()
    if action == "cancel" and not reason:
        raise refuse("reason", _("请填写取消理由。"))
    if evaluator is not None and action != "start_review":
        raise refuse("evaluator", _("只有开始评审时才能指定第三方评价机构。"))
    if action == "start_review" and call.status == CallStatus.CLOSED:
        call.review_process = review_open(actor=actor, call=call, evaluator=evaluator)
        fields.append("review_process")
    move(
        call,
        table=CALL_TRANSITIONS,
        action=action,
        actor=actor,
        call=call,
        organization=call.organiser,
        fields=fields,
        reason=reason,
    )
    _after(call, action, actor, reason)
    call_reindex(call)  # open calls' problems are searchable (challenges/search.py)
    return call


def _after(call: Call, action: str, actor: Any, reason: str) -> None:
    """What each step of a call does besides the status: applications, filings, notices."""
    if action == "publish":
        problems = list(call.problems.order_by("id"))
        filing_record(
            call=call,
            kind=FilingKind.CALL_PUBLISHED,
            summary=_("发布榜单《%(t)s》") % {"t": call.title},
            deadline=call.deadline.isoformat(),
            problems=len(problems),
        )
        filing_record(
            call=call,
            kind=FilingKind.PROBLEMS,
            summary=_("榜单题目 %(n)d 项") % {"n": len(problems)},
            items=[
                {
                    "id": p.pk,
                    "title": p.title,
                    "funding_mode": p.funding_mode,
                    "budget": str(p.budget),
                }
                for p in problems
            ],
        )
    elif action == "close":
        counts = dict(
            Application.objects.filter(call=call)
            .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
            .values_list("call_problem_id")
            .annotate(n=Count("id"))
            .values_list("call_problem_id", "n")
        )
        filing_record(
            call=call,
            kind=FilingKind.APPLICATIONS,
            summary=_("收到揭榜申请 %(n)d 份") % {"n": sum(counts.values())},
            total=sum(counts.values()),
            by_problem={str(k): v for k, v in counts.items()},
        )
    elif action == "start_review":
        for application in call.applications.filter(status=ApplicationStatus.ELIGIBLE):
            application_move(application, action="review", actor=actor)
    elif action in {"finish", "cancel"}:
        if action == "cancel":
            review_cancel(actor=actor, call=call, reason=reason)
        losers = call.applications.filter(status=ApplicationStatus.IN_REVIEW)
        recipients = []
        for application in losers:
            application_move(application, action="not_award", actor=actor)
            recipients.append(application.applicant)
        notify(
            recipients=recipients,
            kind=NotificationKind.DECISION,
            title=_("《%(t)s》揭榜结果已公布") % {"t": call.title},
            subject=call,
        )
