"""Validation shared by the services: field errors collected over a whole input, the
model's own checks, and the amounts and dates people type.

A service that checks a whole input collects into ``Errors`` and raises once
(``errors.raise_if_any()``); one that has a single thing to say raises ``refuse(...)``.
"""

from __future__ import annotations

import datetime
import decimal
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from kechuang.common.errors import ValidationFailed


def clean_text(value: Any) -> str:
    """Text as a service stores and measures it: format characters (Unicode category Cf:
    zero-width spaces and joiners, direction marks and overrides, soft hyphens) removed,
    surrounding whitespace stripped. A title of only such characters is then empty, and a
    minimum length counts what a reader sees."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


class Errors(dict[str, list[str]]):
    """Field errors collected over a whole input, raised together."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, code: str | None = None) -> None:
        if self:
            raise ValidationFailed(fields=dict(self), code=code)


def refuse(field: str, message: str, *, code: str | None = None) -> ValidationFailed:
    """The error for one field with one message (also the error's own message)."""
    return ValidationFailed(message, fields={field: [message]}, code=code)


def full_clean(
    obj: models.Model, *, exclude: Iterable[str] = (), errors: Errors | None = None
) -> None:
    """``obj.full_clean()`` with Django's messages as ``ValidationFailed`` field errors.

    Without ``errors`` it raises at once. With ``errors`` it adds the messages there for
    the caller to raise with the rest, and leaves out the fields already refused: their
    own message says what is wrong, and the model's check of the placeholder value would
    only add a second, vaguer one (constraints are checked once the input is clean).
    """
    collected = Errors() if errors is None else errors
    try:
        obj.full_clean(exclude=[*exclude, *collected], validate_constraints=not collected)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                collected.add(field, message)
    if errors is None:
        collected.raise_if_any()


def to_decimal(errors: Errors, field: str, value: Any, *, required: bool = True) -> Any:
    """A money amount in 万元 with two decimals (a ``Decimal``), or None and an error on
    ``field``: typed ``Any`` so a model field can take it before ``full_clean`` reports."""
    if value is None or value == "":
        if required:
            errors.add(field, _("此字段不能为空。"))
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        errors.add(field, _("请输入数字。"))
        return None
    if not amount.is_finite() or amount < 0:
        errors.add(field, _("金额不能为负数。"))
        return None
    return amount


def to_date(errors: Errors, field: str, value: Any) -> Any:
    """A ``date``, or None and an error on ``field`` (typed like ``to_decimal``)."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, _("请输入有效日期，格式为 YYYY-MM-DD。"))
        return None
