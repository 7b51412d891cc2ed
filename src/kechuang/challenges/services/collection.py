"""Problem collection (征集): rounds, submissions, classification, screening, release."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import (
    PROBLEM_TRANSITIONS,
    ROUND_TRANSITIONS,
    EventType,
    RoundStatus,
)
from kechuang.challenges.models import CollectionRound, Problem
from kechuang.challenges.services.steps import created, event_record, move
from kechuang.common.errors import InvalidTransition, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, clean_text, full_clean, refuse, to_date
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.vocab.models import Discipline, Industry

MAX_KEYWORDS = 10


def in_subtree(org: Organization, root: Organization) -> bool:
    return org.path.startswith(root.path)


@transaction.atomic
def round_open(
    *,
    actor: Any,
    owner: Organization,
    title: str,
    opens_on: Any,
    closes_on: Any,
    description: str = "",
) -> CollectionRound:
    """Open a collection round of ``owner`` (an association the actor manages)."""
    if not viewer_for(actor).manages(owner):
        raise PermissionDenied()
    if not owner.is_association:
        raise refuse("owner", _("只有科协（含企业科协、园区科协等）可以开展难题征集。"))
    errors = Errors()
    item = CollectionRound(
        owner=owner,
        title=clean_text(title),
        description=clean_text(description),
        opens_on=to_date(errors, "opens_on", opens_on),
        closes_on=to_date(errors, "closes_on", closes_on),
        created_by=actor,
    )
    full_clean(item, exclude=["owner", "created_by"], errors=errors)
    errors.raise_if_any()
    item.save()
    created(item, actor=actor, call=None, type=EventType.ROUND_OPENED, organization=owner)
    return item


@transaction.atomic
def round_transition(*, actor: Any, round: CollectionRound, action: str) -> CollectionRound:
    round = locked(CollectionRound.objects.select_related("owner"), pk=round.pk)
    if not viewer_for(actor).manages(round.owner):
        raise PermissionDenied()
    move(
        round,
        table=ROUND_TRANSITIONS,
        action=action,
        actor=actor,
        call=None,
        organization=round.owner,
    )
    return round


@transaction.atomic
def problem_submit(
    *,
    actor: Any,
    round: CollectionRound,
    organization: Organization,
    title: str,
    description: str,
    keywords: str = "",
) -> Problem:
    """A member of ``organization`` (inside the round owner's subtree) submits a problem."""
    round = locked(CollectionRound.objects.select_related("owner"), pk=round.pk)
    viewer = viewer_for(actor)
    if not (organization.pk in viewer.member_org_ids or viewer.manages(organization)):
        raise PermissionDenied(_("只能以本人所在单位的名义提交难题。"))
    if not in_subtree(organization, round.owner):
        raise PermissionDenied(_("本轮征集只面向征集单位及其下属单位。"))
    if round.status != RoundStatus.OPEN:
        raise InvalidTransition(_("本轮征集已截止。"))
    errors = Errors()
    item = Problem(
        round=round,
        organization=organization,
        submitted_by=actor,
        title=clean_text(title),
        description=clean_text(description),
        keywords=_keywords(errors, keywords),
    )
    full_clean(item, exclude=["round", "organization", "submitted_by"], errors=errors)
    errors.raise_if_any()
    item.save()
    created(
        item,
        actor=actor,
        call=None,
        type=EventType.PROBLEM_SUBMITTED,
        organization=round.owner,
        round=round.pk,
    )
    return item


def _keywords(errors: Errors, text: str) -> str:
    words = [w.strip() for w in (text or "").replace(",", "，").split("，") if w.strip()]
    words = list(dict.fromkeys(words))
    if len(words) > MAX_KEYWORDS:
        errors.add("keywords", _("关键词最多 %(n)d 个。") % {"n": MAX_KEYWORDS})
    return "，".join(words)


def _locked(problem: Problem, actor: Any) -> Problem:
    problem = locked(Problem.objects.select_related("round__owner", "organization"), pk=problem.pk)
    if not viewer_for(actor).manages(problem.round.owner):
        raise PermissionDenied(_("只有征集单位的管理员或工作人员可以处理难题。"))
    return problem


@transaction.atomic
def problem_classify(
    *,
    actor: Any,
    problem: Problem,
    industry: str | None = None,
    discipline: str | None = None,
    keywords: str | None = None,
) -> Problem:
    """The round owner sets the industry (GB/T 4754), discipline (GB/T 13745) and keywords."""
    problem = _locked(problem, actor)
    before = snapshot(problem)
    errors = Errors()
    if industry is not None:
        if industry and not Industry.objects.filter(pk=industry).exists():
            errors.add("industry", _("未知的行业代码：%(code)s。") % {"code": industry})
        problem.industry_id = industry or None
    if discipline is not None:
        if discipline and not Discipline.objects.filter(pk=discipline).exists():
            errors.add("discipline", _("未知的学科代码：%(code)s。") % {"code": discipline})
        problem.discipline_id = discipline or None
    if keywords is not None:
        problem.keywords = _keywords(errors, keywords)
    errors.raise_if_any()
    problem.save(update_fields=["industry", "discipline", "keywords", "updated_at"])
    event_record(
        call=None,
        type=EventType.PROBLEM_CLASSIFIED,
        obj=problem,
        actor=actor,
        industry=problem.industry_id,
        discipline=problem.discipline_id,
        keywords=problem.keywords,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=problem,
        organization=problem.round.owner,
        before=before,
        after=snapshot(problem),
    )
    return problem


@transaction.atomic
def problem_transition(
    *,
    actor: Any,
    problem: Problem,
    action: str,
    reason: str = "",
    taken_by: Organization | None = None,
) -> Problem:
    """Screen (accept/reject), offer internally, take internally, or publish externally.

    ``take`` is done by a manager of an organisation inside the owner's subtree, naming
    it as ``taken_by``; every other action by the round owner's managers.
    """
    if action == "take":
        problem = locked(Problem.objects.select_related("round__owner"), pk=problem.pk)
        if taken_by is None or not viewer_for(actor).manages(taken_by):
            raise PermissionDenied(_("只有承接单位的管理员或工作人员可以承接。"))
        if not in_subtree(taken_by, problem.round.owner):
            raise PermissionDenied(_("内部揭榜只面向征集单位及其下属单位。"))
        problem.taken_by = taken_by
        fields: list[str] = ["taken_by"]
    else:
        problem = _locked(problem, actor)
        reason = (reason or "").strip()
        if action == "reject" and not reason:
            raise refuse("reason", _("请填写未入选的理由。"))
        if len(reason) > 500:
            raise refuse("reason", _("理由不超过 500 字。"))
        problem.screening_reason = reason
        fields = ["screening_reason"]
    move(
        problem,
        table=PROBLEM_TRANSITIONS,
        action=action,
        actor=actor,
        call=None,
        organization=problem.round.owner,
        fields=fields,
        reason=reason,
        taken_by=taken_by.pk if taken_by else None,
    )
    return problem
