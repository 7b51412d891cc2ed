"""Every write on needs, achievements, expert profiles and attachments.

Needs and achievements share one lifecycle (``choices.TRANSITIONS``) and one path
through it: ``listing_transition``. Creation and update validate the whole input at once,
so a form or an API body gets every field error together, and nothing is saved unless
all of it is valid.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.access import can_edit_expert
from kechuang.catalog.choices import (
    EDITABLE_STATUSES,
    TRANSITIONS,
    ExpertStatus,
    ListingAction,
    ListingStatus,
)
from kechuang.catalog.models import (
    Achievement,
    Attachment,
    ExpertProfile,
    ExpertWork,
    Need,
    split_keywords,
)
from kechuang.catalog.uploads import CheckedUpload
from kechuang.common.errors import (
    InvalidTransition,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.common.validation import Errors, to_date
from kechuang.matching.services import mark_dirty
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

PUBLICATION_DAYS = 180
MAX_KEYWORDS = 10
MAX_ATTACHMENTS = 10

NEED_FIELDS = (
    "title",
    "description",
    "region_id",
    "industry_id",
    "keywords",
    "budget_min",
    "budget_max",
    "deadline",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_visibility",
)
ACHIEVEMENT_FIELDS = (
    "title",
    "summary",
    "region_id",
    "industry_id",
    "keywords",
    "team",
    "trl",
    "ip_type",
    "ip_number",
    "ip_status",
    "terms",
    "asking_price",
)
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
LISTING_M2M = ("disciplines", "cooperation_modes")
M2M_MODELS: dict[str, Any] = {
    "disciplines": Discipline,
    "cooperation_modes": CooperationMode,
    "industries": Industry,
}

L = TypeVar("L", Need, Achievement)


# ---------------------------------------------------------------- validation helpers


def _clean_value(field: str, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if field in {"budget_min", "budget_max", "asking_price", "deadline", "trl"} and not value:
            return None
    return value


def _check_codes(errors: Errors, m2m: dict[str, Iterable[str] | None]) -> dict[str, list[Any]]:
    resolved: dict[str, list[Any]] = {}
    for name, codes in m2m.items():
        if codes is None:
            continue
        codes = list(dict.fromkeys(str(c) for c in codes))
        rows = list(M2M_MODELS[name].objects.filter(pk__in=codes))
        missing = sorted(set(codes) - {str(r.pk) for r in rows})
        if missing:
            errors.add(name, _("未知的代码：%(codes)s。") % {"codes": "、".join(missing)})
        resolved[name] = rows
    return resolved


def _check_common(errors: Errors, obj: models.Model) -> None:
    """Rules shared by every catalog object, beyond what the model fields check."""
    region_id = getattr(obj, "region_id", None)
    if region_id and not Region.objects.filter(pk=region_id).exists():
        errors.add("region", _("未知的行政区划代码：%(code)s。") % {"code": region_id})
        obj.region_id = None  # type: ignore[attr-defined]
    industry_id = getattr(obj, "industry_id", None)
    if industry_id and not Industry.objects.filter(pk=industry_id).exists():
        errors.add("industry", _("未知的行业代码：%(code)s。") % {"code": industry_id})
        obj.industry_id = None  # type: ignore[attr-defined]
    keywords = list(dict.fromkeys(split_keywords(getattr(obj, "keywords", "") or "")))
    if len(keywords) > MAX_KEYWORDS:
        errors.add("keywords", _("关键词最多 %(n)d 个。") % {"n": MAX_KEYWORDS})
    if any(len(k) > 20 for k in keywords):
        errors.add("keywords", _("每个关键词不超过 20 个字。"))
    obj.keywords = "，".join(keywords)  # type: ignore[attr-defined]
    # Django does not enforce a TextField's max_length outside forms; the API has no form.
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname, None)
        if isinstance(field, models.DecimalField) and value is not None:
            # Stored as the column stores it, so the audit log sees "120" and "120.00" as equal.
            try:
                value = Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
            except InvalidOperation:
                errors.add(field.name, _("请输入数字。"))
                value = None
            setattr(obj, field.attname, value)
        too_long = isinstance(value, str) and len(value) > (field.max_length or len(value))
        if isinstance(field, models.TextField) and too_long:
            errors.add(field.name, _("不超过 %(n)d 个字。") % {"n": field.max_length})


def _check_need(errors: Errors, need: Need) -> None:
    for field in ("budget_min", "budget_max"):
        value = getattr(need, field)
        if value is not None and not isinstance(value, Decimal):
            try:
                setattr(need, field, Decimal(str(value)))
            except InvalidOperation:
                errors.add(field, _("请输入数字。"))
                setattr(need, field, None)
    if (
        need.budget_min is not None
        and need.budget_max is not None
        and need.budget_min > need.budget_max
    ):
        errors.add("budget_max", _("预算下限不能高于预算上限。"))
    if isinstance(need.deadline, str):
        need.deadline = to_date(errors, "deadline", need.deadline)
    if need.deadline is not None and need.deadline < timezone.localdate():
        errors.add("deadline", _("截止日期不能早于今天。"))


def _full_clean(errors: Errors, obj: models.Model, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=not errors)
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            if field == "__all__" or field not in errors:
                for error in field_errors:
                    # Django says "this value may not be null" for a missing required
                    # value: say what a person filling in a form understands.
                    if error.code in {"null", "blank"}:
                        errors.add(field, _("此字段不能为空。"))
                    else:
                        errors.add(field, " ".join(str(m) for m in error.messages))


def _save_with_m2m(
    obj: models.Model, resolved: dict[str, list[Any]], fields: list[str] | None
) -> None:
    if fields is None:
        obj.save()
    elif fields:
        obj.save(update_fields=[*fields, "updated_at"])
    for name, rows in resolved.items():
        getattr(obj, name).set(rows)


# ---------------------------------------------------------------- needs and achievements


@transaction.atomic
def _listing_write(
    item: L, *, actor: Any, creating: bool, fields: tuple[str, ...], data: dict[str, Any]
) -> L:
    """Validate ``data`` as a whole onto ``item`` (new, or locked and editable) and save it."""
    unknown = set(data) - set(fields) - set(LISTING_M2M)
    if unknown:
        raise ValidationFailed(fields={n: [_("该字段不可修改。")] for n in sorted(unknown)})
    if not viewer_for(actor).manages(item.organization):
        raise PermissionDenied(_("只有本单位的管理员或工作人员可以发布。") if creating else None)
    if creating:
        for field in fields:
            if field not in data and field.endswith("_id"):
                data.setdefault(field, None)
    else:
        # The caller's object may be stale: judge (and audit) by the row as stored now.
        item.refresh_from_db(from_queryset=type(item).objects.select_for_update())
        if item.status not in EDITABLE_STATUSES:
            raise InvalidTransition(_("只有草稿或被退回的内容可以修改。"))
    errors = Errors()
    before = None if creating else snapshot(item, m2m=LISTING_M2M)
    for field in fields:
        if field in data:
            setattr(item, field, _clean_value(field, data[field]))
    resolved = _check_codes(errors, {n: data.get(n) for n in LISTING_M2M})
    modes_required = creating or "cooperation_modes" in resolved
    if (
        modes_required
        and not resolved.get("cooperation_modes")
        and "cooperation_modes" not in errors
    ):
        errors.add("cooperation_modes", _("请至少选择一种合作方式。"))
    _check_common(errors, item)
    if isinstance(item, Need):
        _check_need(errors, item)
    _full_clean(errors, item, exclude=[*LISTING_M2M, "organization", "created_by"])
    errors.raise_if_any()
    changed = None if creating else [f.removesuffix("_id") for f in fields if f in data]
    _save_with_m2m(item, resolved, changed)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        obj=item,
        organization=item.organization,
        before=before,
        after=snapshot(item, m2m=LISTING_M2M),
    )
    mark_dirty(item)
    return item


def need_create(*, actor: Any, organization: Organization, **data: Any) -> Need:
    """Save a new need as a draft of ``organization``. Fields: ``NEED_FIELDS`` + codes."""
    need = Need(organization=organization, created_by=actor)
    return _listing_write(need, actor=actor, creating=True, fields=NEED_FIELDS, data=data)


def need_update(*, actor: Any, need: Need, **changes: Any) -> Need:
    return _listing_write(need, actor=actor, creating=False, fields=NEED_FIELDS, data=changes)


def achievement_create(*, actor: Any, organization: Organization, **data: Any) -> Achievement:
    """Save a new achievement as a draft. Fields: ``ACHIEVEMENT_FIELDS`` + codes."""
    item = Achievement(organization=organization, created_by=actor)
    return _listing_write(item, actor=actor, creating=True, fields=ACHIEVEMENT_FIELDS, data=data)


def achievement_update(*, actor: Any, achievement: Achievement, **changes: Any) -> Achievement:
    return _listing_write(
        achievement, actor=actor, creating=False, fields=ACHIEVEMENT_FIELDS, data=changes
    )


def _require_manager(actor: Any, organization: Organization) -> None:
    if not viewer_for(actor).manages(organization):
        raise PermissionDenied()


@transaction.atomic
def listing_transition(*, actor: Any, item: L, action: str, reason: str = "") -> L:
    """Move a need or achievement along ``TRANSITIONS``; the one way its status changes."""
    if action not in TRANSITIONS:
        raise InvalidTransition(_("未知的操作。"))
    sources, target, who = TRANSITIONS[action]
    item = type(item).objects.select_for_update().select_related("organization").get(pk=item.pk)
    viewer = viewer_for(actor)
    if who == "owner" and not viewer.manages(item.organization):
        raise PermissionDenied()
    if who == "reviewer" and not viewer.reviews_for(item.organization):
        raise PermissionDenied(_("只有上级科协的工作人员可以审核。"))
    if who == "system" and actor is not None:
        raise PermissionDenied()
    if item.status not in sources:
        raise InvalidTransition(
            _("“%(status)s”状态下不能%(action)s。")
            % {"status": ListingStatus(item.status).label, "action": ListingAction(action).label}
        )
    reason = (reason or "").strip()
    if action == ListingAction.RETURN and not reason:
        raise ValidationFailed(fields={"reason": [_("请填写退回理由。")]})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("理由不超过 500 字。")]})
    today = timezone.localdate()
    if (
        action in {ListingAction.SUBMIT, ListingAction.PUBLISH, ListingAction.RENEW}
        and isinstance(item, Need)
        and item.deadline is not None
        and item.deadline < today
    ):
        raise ValidationFailed(fields={"deadline": [_("截止日期已过，请修改截止日期后再提交。")]})
    before = snapshot(item)
    now = timezone.now()
    updated: list[str] = ["status"]
    item.status = target
    if action == ListingAction.SUBMIT:
        item.submitted_at, item.return_reason = now, ""
        updated += ["submitted_at", "return_reason"]
    elif action == ListingAction.RETURN:
        item.return_reason = reason
        updated.append("return_reason")
    elif action in {ListingAction.PUBLISH, ListingAction.RENEW}:
        if action == ListingAction.PUBLISH:
            item.published_at = now
            updated.append("published_at")
        item.expires_on = _expiry(item, today)
        updated.append("expires_on")
    item.save(update_fields=[*updated, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=item,
        organization=item.organization,
        before=before,
        after=snapshot(item),
        note=f"{action}: {reason}" if reason else str(action),
    )
    mark_dirty(item)  # unpublishing removes it from the index right after the commit
    return item


def _expiry(item: Need | Achievement, today: datetime.date) -> datetime.date:
    expiry = today + datetime.timedelta(days=PUBLICATION_DAYS)
    if isinstance(item, Need) and item.deadline is not None:
        return min(expiry, item.deadline)
    return expiry


def listings_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire every published need and achievement whose publication period has ended."""
    today = today or timezone.localdate()
    due = {"status": ListingStatus.PUBLISHED, "expires_on__lt": today}
    needs = list(Need.objects.filter(**due))
    achievements = list(Achievement.objects.filter(**due))
    for need in needs:
        listing_transition(actor=None, item=need, action=ListingAction.EXPIRE)
    for achievement in achievements:
        listing_transition(actor=None, item=achievement, action=ListingAction.EXPIRE)
    return len(needs) + len(achievements)


# ---------------------------------------------------------------- attachments


@transaction.atomic
def attachment_add(*, actor: Any, item: Need | Achievement, upload: CheckedUpload) -> Attachment:
    # Judge by the stored row: the caller's copy may predate a submit.
    item = type(item).objects.select_for_update().select_related("organization").get(pk=item.pk)
    _require_manager(actor, item.organization)
    if item.status not in EDITABLE_STATUSES:
        raise InvalidTransition(_("只有草稿或被退回的内容可以修改附件。"))
    owner = {"need": item} if isinstance(item, Need) else {"achievement": item}
    if Attachment.objects.filter(**owner).count() >= MAX_ATTACHMENTS:
        raise ValidationFailed(fields={"file": [_("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}]})
    attachment = Attachment(
        **owner,
        original_name=upload.name,
        content_type=upload.content_type,
        extension=upload.extension,
        size=len(upload.content),
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        organization=item.organization,
        after={"attachment_added": attachment.original_name, "sha256": upload.sha256},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: Attachment) -> None:
    item: Need | Achievement = attachment.need or attachment.achievement  # type: ignore[assignment]
    _require_manager(actor, item.organization)
    if item.status not in EDITABLE_STATUSES:
        raise InvalidTransition(_("只有草稿或被退回的内容可以修改附件。"))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        organization=item.organization,
        before={"attachment_removed": attachment.original_name},
    )
    name, storage = attachment.file.name or "", attachment.file.storage
    attachment.delete()
    # Every upload gets a file of its own (the storage renames clashes), so the file goes
    # with its row; only once the deletion is committed, so a rollback keeps both.
    transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------- expert profiles


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
