"""Expert profiles and their works."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.access import can_edit_expert
from kechuang.catalog.choices import ExpertStatus
from kechuang.catalog.models import ExpertProfile, ExpertWork
from kechuang.catalog.public_lists import lists_changed
from kechuang.catalog.services.validation import (
    _check_codes,
    _check_common,
    _clean_value,
    _full_clean,
    _save_with_m2m,
)
from kechuang.common.errors import (
    InvalidTransition,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.common.validation import Errors
from kechuang.matching.services import mark_dirty
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

EXPERT_FIELDS = (
    "name",
    "title_level",
    "title_name",
    "affiliation",
    "region_id",
    "keywords",
    "biography",
    "is_frontline_engineer",
    "is_government_staff",
)


def _expert_write(
    *, actor: Any, expert: ExpertProfile, creating: bool, data: dict[str, Any]
) -> ExpertProfile:
    unknown = set(data) - set(EXPERT_FIELDS) - {"disciplines", "industries"}
    if unknown:
        raise ValidationFailed(fields={n: [_("该字段不可修改。")] for n in sorted(unknown)})
    errors = Errors()
    before = None if creating else snapshot(expert, m2m=("disciplines", "industries"))
    for field in EXPERT_FIELDS:
        if field in data:
            setattr(expert, field, _clean_value(field, data[field]))
    resolved = _check_codes(
        errors, {"disciplines": data.get("disciplines"), "industries": data.get("industries")}
    )
    if (creating or "disciplines" in resolved) and not resolved.get("disciplines"):
        errors.setdefault("disciplines", [_("请至少选择一个学科。")])
    _check_common(errors, expert)
    _full_clean(
        errors, expert, exclude=["disciplines", "industries", "user", "organization", "created_by"]
    )
    errors.raise_if_any()
    changed = None if creating else [f.removesuffix("_id") for f in EXPERT_FIELDS if f in data]
    with transaction.atomic():
        _save_with_m2m(expert, resolved, changed)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            obj=expert,
            organization=expert.organization,
            before=before,
            after=snapshot(expert, m2m=("disciplines", "industries")),
        )
        mark_dirty(expert)
        lists_changed()
    return expert


def expert_create(
    *, actor: Any, organization: Organization | None = None, for_self: bool = True, **data: Any
) -> ExpertProfile:
    """Create a profile: one's own (``for_self``), or one kept by ``organization``'s managers."""
    if for_self:
        if actor is None or not actor.is_authenticated:
            raise NotAuthenticated()
        if ExpertProfile.objects.filter(user=actor).exists():
            raise ValidationFailed(fields={"__all__": [_("您已有专家档案。")]}, code="conflict")
        if organization is not None and organization.pk not in viewer_for(actor).member_org_ids:
            organization = None
        expert = ExpertProfile(user=actor, organization=organization, created_by=actor)
    else:
        if organization is None or not viewer_for(actor).manages(organization):
            raise PermissionDenied()
        expert = ExpertProfile(organization=organization, created_by=actor)
    data.setdefault("region_id", None)
    return _expert_write(actor=actor, expert=expert, creating=True, data=data)


def expert_update(*, actor: Any, expert: ExpertProfile, **changes: Any) -> ExpertProfile:
    if not can_edit_expert(actor, expert):
        raise PermissionDenied()
    return _expert_write(actor=actor, expert=expert, creating=False, data=changes)


@transaction.atomic
def expert_set_status(*, actor: Any, expert: ExpertProfile, status: str) -> ExpertProfile:
    if not can_edit_expert(actor, expert):
        raise PermissionDenied()
    if status not in ExpertStatus.values or status == ExpertStatus.DRAFT:
        raise InvalidTransition(_("未知的状态。"))
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    before = snapshot(expert)
    expert.status = status
    expert.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=expert,
        organization=expert.organization,
        before=before,
        after=snapshot(expert),
    )
    mark_dirty(expert)
    lists_changed()
    return expert


def expert_work_add(*, actor: Any, expert: ExpertProfile, **data: Any) -> ExpertWork:
    if not can_edit_expert(actor, expert):
        raise PermissionDenied()
    allowed = {"kind", "title", "year", "venue", "description"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(fields={n: [_("该字段不可修改。")] for n in sorted(unknown)})
    work = ExpertWork(expert=expert, **{k: _clean_value(k, v) for k, v in data.items()})
    if work.year == "":
        work.year = None
    errors = Errors()
    _full_clean(errors, work, exclude=["expert"])
    errors.raise_if_any()
    with transaction.atomic():
        work.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=expert,
            organization=expert.organization,
            after={"work_added": snapshot(work)},
        )
        mark_dirty(work)
        lists_changed()
    return work


def expert_work_remove(*, actor: Any, work: ExpertWork) -> None:
    expert = work.expert
    if not can_edit_expert(actor, expert):
        raise PermissionDenied()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=expert,
            organization=expert.organization,
            before={"work_removed": snapshot(work)},
        )
        work.delete()
        mark_dirty(expert)
        lists_changed()
