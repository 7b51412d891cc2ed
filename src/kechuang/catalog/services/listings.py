"""Creating and editing needs and achievements (drafts and returned items only)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.choices import EDITABLE_STATUSES
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.services.validation import (
    _check_codes,
    _check_common,
    _clean_value,
    _full_clean,
    _save_with_m2m,
)
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.common.validation import Errors, to_date
from kechuang.matching.services import mark_dirty
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

# How long a published need or achievement stays published before it expires or is renewed.
PUBLICATION_DAYS = 180
DEADLINE_AFTER_EXPIRY = "deadline_after_expiry"

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
LISTING_M2M = ("disciplines", "cooperation_modes")

L = TypeVar("L", Need, Achievement)


def _check_need(errors: Errors, need: Need) -> bool:
    """Field errors of a need's own rules; True when its deadline lies after the end of
    the publication period."""
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
    today = timezone.localdate()
    if need.deadline is not None and need.deadline < today:
        errors.add("deadline", _("截止日期不能早于今天。"))
    elif need.deadline is not None and need.deadline > latest_deadline(today):
        # A published need expires after PUBLICATION_DAYS at the latest: a later deadline
        # would be shown to nobody for the rest of the time.
        errors.add(
            "deadline",
            _("截止日期不能晚于发布有效期（发布后 %(days)d 天，即 %(date)s）。")
            % {"days": PUBLICATION_DAYS, "date": latest_deadline(today).isoformat()},
        )
        return True
    return False


def latest_deadline(today: datetime.date) -> datetime.date:
    """The latest deadline a need written today may have: the end of the publication
    period it gets if published today (editing is only possible before publication)."""
    return today + datetime.timedelta(days=PUBLICATION_DAYS)


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
    late = isinstance(item, Need) and _check_need(errors, item)
    _full_clean(errors, item, exclude=[*LISTING_M2M, "organization", "created_by"])
    # the one refusal a client may want to handle on its own gets its own code
    errors.raise_if_any(
        code=DEADLINE_AFTER_EXPIRY if late and list(errors) == ["deadline"] else None
    )
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
