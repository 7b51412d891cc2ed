"""Applications (揭榜): create, edit until the deadline, submit, withdraw, attachments.

The per-applicant limit of a call is checked with the call's row locked, so two
concurrent creations by the same applicant cannot both pass the count.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.uploads import CheckedUpload
from kechuang.challenges.choices import (
    ACTIVE_APPLICATION_STATUSES,
    APPLICATION_TRANSITIONS,
    ApplicantKind,
    ApplicationStatus,
    CallStatus,
    EventType,
)
from kechuang.challenges.models import (
    Application,
    ApplicationAttachment,
    Call,
    CallProblem,
)
from kechuang.challenges.services.consent import partners_invite, team_invite
from kechuang.challenges.services.steps import clean_indicators, created, event_record, move
from kechuang.challenges.tree import recommendation_chain
from kechuang.common.errors import InvalidTransition, NotAuthenticated, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, full_clean, refuse, to_decimal
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

APPLICATION_FIELDS = ("title", "technical_route", "indicators", "budget", "schedule", "team")
MAX_TEAM = 50
MAX_ATTACHMENTS = 10
ORG_KINDS = frozenset({ApplicantKind.ORGANIZATION, ApplicantKind.CONSORTIUM})


def applicant_key(kind: str, applicant: Any, organization: Organization | None) -> str:
    """Who the per-call limit counts: the (lead) organisation, else the person."""
    if kind in ORG_KINDS and organization is not None:
        return f"org:{organization.pk}"
    return f"user:{applicant.pk}"


def speaks_for(user: Any, organization: Organization) -> bool:
    """Admin or staff of ``organization`` itself: associations above it manage it too, but
    they recommend its bids and so must not write them."""
    return organization.path in viewer_for(user).managed_paths


def is_applicant_side(user: Any, application: Application) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if application.applicant_id == user.pk:
        return True
    org = application.organization
    return org is not None and speaks_for(user, org)


def _check_window(call: Call) -> None:
    now = timezone.now()
    if call.status != CallStatus.PUBLISHED or now >= call.deadline:
        raise InvalidTransition(_("揭榜已截止，不能再提交或修改申请。"), code="deadline_passed")
    if now < call.opens_at:
        raise InvalidTransition(_("揭榜尚未开始。"), code="not_open")


def _team(errors: Errors, rows: Any) -> list[dict[str, Any]]:
    """``[{"name", "role", "affiliation", "expert"?}]``: ``expert`` links a member's expert
    profile, so the review's conflict checks know the person, not only the name."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list) or len(rows) > MAX_TEAM:
        errors.add("team", _("团队成员最多 %(n)d 人。") % {"n": MAX_TEAM})
        return []
    team: list[dict[str, Any]] = []
    for row in rows:
        if not isinstance(row, dict) or not str(row.get("name") or "").strip():
            errors.add("team", _("每位成员须有姓名。"))
            return []
        member: dict[str, Any] = {
            k: str(row.get(k) or "").strip()[:100] for k in ("name", "role", "affiliation")
        }
        expert = row.get("expert")
        if expert is not None:
            if not isinstance(expert, int) or isinstance(expert, bool):
                errors.add("team", _("专家编号须为整数。"))
                return []
            member["expert"] = expert
        team.append(member)
    known = set(
        ExpertProfile.objects.filter(
            pk__in=[m["expert"] for m in team if "expert" in m]
        ).values_list("pk", flat=True)
    )
    if any("expert" in m and m["expert"] not in known for m in team):
        errors.add("team", _("团队成员关联的专家不存在。"))
    return team


def _apply_fields(errors: Errors, item: Application, data: dict[str, Any]) -> list[str]:
    for name in sorted(set(data) - set(APPLICATION_FIELDS)):
        errors.add(name, _("该字段不可修改。"))
    for name in APPLICATION_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "indicators":
            value = clean_indicators(errors, name, value, required=True)
        elif name == "budget":
            value = to_decimal(errors, name, value)
        elif name == "team":
            value = _team(errors, value)
        else:
            value = str(value or "").strip()
        setattr(item, name, value)
    return [name for name in APPLICATION_FIELDS if name in data]


def _partners(
    errors: Errors, call: Call, kind: str, lead: Organization | None, partners: Any
) -> list[tuple[Organization, str]]:
    partners = partners or []
    if kind != ApplicantKind.CONSORTIUM:
        if partners:
            errors.add("partners", _("只有联合体申报才有成员单位。"))
        return []
    if len(partners) > call.max_partners:
        raise refuse(
            "partners",
            _("联合体成员单位最多 %(n)d 家（不含牵头单位）。") % {"n": call.max_partners},
            code="too_many_partners",
        )
    if not partners:
        errors.add("partners", _("联合体至少需要一家成员单位。"))
        return []
    ids = [int(p["organization"]) for p in partners]
    orgs = Organization.objects.in_bulk(ids)
    if len(set(ids)) != len(ids) or (lead is not None and lead.pk in ids):
        errors.add("partners", _("成员单位不能重复，也不能是牵头单位。"))
    if set(ids) - set(orgs):
        errors.add("partners", _("成员单位不存在。"))
        return []
    return [(orgs[int(p["organization"])], str(p.get("role") or "")[:200]) for p in partners]


@transaction.atomic
def application_create(
    *,
    actor: Any,
    call_problem: CallProblem,
    kind: str,
    organization: Organization | None = None,
    partners: list[dict[str, Any]] | None = None,
    **data: Any,
) -> Application:
    """A draft application on ``call_problem``; counts against the call's limit at once."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    call = locked(Call, pk=call_problem.call_id)
    _check_window(call)
    viewer = viewer_for(actor)
    if kind in ORG_KINDS:
        if organization is None or not speaks_for(actor, organization):
            raise PermissionDenied(_("单位或联合体申报须由牵头单位的管理员或工作人员提交。"))
    elif organization is not None and organization.pk not in viewer.member_org_ids:
        raise PermissionDenied(_("个人或团队申报只能填写本人所在单位。"))
    errors = Errors()
    allowed_kinds = call_problem.eligibility.get("applicant_kinds")
    if allowed_kinds and kind not in allowed_kinds:
        errors.add("kind", _("本题目不接受此类申报主体。"))
    key = applicant_key(kind, actor, organization)
    active = Application.objects.filter(
        call=call, applicant_key=key, status__in=ACTIVE_APPLICATION_STATUSES
    ).count()
    if active >= call.application_limit:
        raise refuse(
            "call",
            _("每个申报主体在本榜单最多提交 %(n)d 份申请。") % {"n": call.application_limit},
            code="limit_reached",
        )
    rows = _partners(errors, call, kind, organization, partners)
    item = Application(
        call=call,
        call_problem=call_problem,
        kind=kind,
        applicant=actor,
        organization=organization,
        applicant_key=key,
    )
    _apply_fields(errors, item, data)
    full_clean(item, exclude=["call", "call_problem", "applicant", "organization"], errors=errors)
    errors.raise_if_any()
    item.save()
    # the partners and the team's experts are asked; each counts once it accepts
    partners_invite(actor=actor, application=item, rows=rows)
    team_invite(actor=actor, application=item)
    created(
        item,
        actor=actor,
        call=call,
        type=EventType.APPLICATION_CREATED,
        organization=organization,
        partners=[org.pk for org, _ in rows],
    )
    return item


def _lock_own(application: Application, actor: Any) -> Application:
    application = locked(
        Application.objects.select_related("call", "organization", "applicant"), pk=application.pk
    )
    if not is_applicant_side(actor, application):
        raise PermissionDenied(_("只有申报人或申报单位的管理员可以操作此申请。"))
    return application


def editable(application: Application) -> bool:
    """Drafts; and submitted bids not passed up the tree (editing would change what was
    recommended)."""
    return application.status == ApplicationStatus.DRAFT or (
        application.status == ApplicationStatus.ELIGIBLE
        and not application.recommendations.exists()
    )


@transaction.atomic
def application_update(*, actor: Any, application: Application, **changes: Any) -> Application:
    """Edit a bid until the call's deadline."""
    application = _lock_own(application, actor)
    _check_window(application.call)
    if not editable(application):
        raise InvalidTransition(_("此申请已进入推荐或评审，不能再修改。"))
    before = snapshot(application)
    errors = Errors()
    fields = _apply_fields(errors, application, changes)
    full_clean(
        application, exclude=["call", "call_problem", "applicant", "organization"], errors=errors
    )
    errors.raise_if_any()
    application.save(update_fields=[*fields, "updated_at"])
    if "team" in fields:
        team_invite(actor=actor, application=application)
    event_record(
        call=application.call,
        type=EventType.APPLICATION_UPDATED,
        obj=application,
        actor=actor,
        fields=fields,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=application,
        organization=application.organization,
        before=before,
        after=snapshot(application),
    )
    return application


def application_move(application: Application, *, action: str, actor: Any, **params: Any) -> None:
    """The one way an application's status changes (callers hold the needed locks)."""
    fields = []
    if action == "submit":
        application.submitted_at = timezone.now()
        fields.append("submitted_at")
    move(
        application,
        table=APPLICATION_TRANSITIONS,
        action=action,
        actor=actor,
        call=application.call,
        organization=application.organization,
        fields=fields,
        **params,
    )


@transaction.atomic
def application_submit(*, actor: Any, application: Application) -> Application:
    """Submit before the deadline; then up the tree if the call says so, else to review."""
    application = _lock_own(application, actor)
    _check_window(application.call)
    chain = recommendation_chain(application)
    if application.call.requires_recommendation and application.organization is None:
        raise refuse("organization", _("本榜单须逐级推荐，请填写所在单位。"))
    application_move(application, action="submit", actor=actor)
    if application.call.requires_recommendation and chain:
        application_move(application, action="route", actor=actor, chain=[org.pk for org in chain])
    else:
        application_move(application, action="qualify", actor=actor)
    return application


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    application = _lock_own(application, actor)
    application_move(application, action="withdraw", actor=actor, reason=(reason or "")[:500])
    return application


@transaction.atomic
def application_attachment_add(
    *, actor: Any, application: Application, upload: CheckedUpload
) -> ApplicationAttachment:
    application = _lock_own(application, actor)
    _check_window(application.call)
    if not editable(application):
        raise InvalidTransition(_("此申请已进入推荐或评审，不能再修改附件。"))
    if application.attachments.count() >= MAX_ATTACHMENTS:
        raise refuse("file", _("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS})
    attachment = ApplicationAttachment(
        application=application,
        original_name=upload.name,
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    attachment.save()
    event_record(
        call=application.call,
        type=EventType.APPLICATION_UPDATED,
        obj=application,
        actor=actor,
        attachment_added=upload.name,
        sha256=upload.sha256,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=application,
        organization=application.organization,
        after={"attachment_added": upload.name, "sha256": upload.sha256},
    )
    return attachment
