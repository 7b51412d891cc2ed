"""Input checks shared by every catalog write: codes, keywords, lengths, model rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from kechuang.catalog.models import split_keywords
from kechuang.common.validation import Errors, clean_text
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

MAX_KEYWORDS = 10
M2M_MODELS: dict[str, Any] = {
    "disciplines": Discipline,
    "cooperation_modes": CooperationMode,
    "industries": Industry,
}


def _clean_value(field: str, value: Any) -> Any:
    if isinstance(value, str):
        value = clean_text(value)
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
