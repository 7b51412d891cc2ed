"""Template helpers for the Tabler markup: form controls, status badges, money amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kechuang.vocab.models import english_active

register = template.Library()

STATUS_COLOURS = {
    "draft": "secondary",
    "submitted": "yellow",
    "returned": "orange",
    "published": "green",
    "expired": "muted",
    "closed": "dark",
    "withdrawn": "muted",
    "hidden": "muted",
}
ROLE_COLOURS = {"admin": "red", "staff": "blue", "member": "secondary"}


@register.filter
def control(field: BoundField) -> SafeString:
    """Render a form field's widget with the Tabler class that fits it."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, Any] = {"class": css}
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def role_colour(role: str) -> str:
    return ROLE_COLOURS.get(role, "secondary")


# Amounts are stored in 万元 (10,000 yuan). Chinese readers get 万元 (亿元 from 10,000 万元 on),
# English readers the amount in yuan with thousands separators: "80 万元" / "CNY 800,000".
WAN = Decimal(10_000)


def _plain(value: Decimal) -> str:
    """80.00 → "80", 12.50 → "12.5" (no exponent, no grouping)."""
    text = format(value.quantize(Decimal("0.0001")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(amount: Decimal) -> str:
    """The number of one amount, without its unit."""
    if english_active():
        return f"{int((amount * WAN).quantize(Decimal(1))):,}"
    if amount >= WAN:
        return _plain(amount / WAN)
    return _plain(amount)


def _unit(amount: Decimal) -> str:
    if english_active():
        return "CNY {}"
    return "{} 亿元" if amount >= WAN else "{} 万元"


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@register.simple_tag
def money(amount: Any) -> str:
    """One amount in 万元, written for the page's language: "80 万元", "CNY 800,000"."""
    value = _to_decimal(amount)
    if value is None:
        return _("面议")
    return _unit(value).format(_number(value))


@register.simple_tag
def money_range(low: Any, high: Any) -> str:
    """A budget from ``low`` to ``high`` (万元, either may be missing): "30–80 万元",
    "CNY 300,000–800,000", "不超过 80 万元", "80 万元起", or 面议 when neither is known."""
    a, b = _to_decimal(low), _to_decimal(high)
    if a is not None and b is not None:
        if a == b:
            return money(a)
        if _unit(a) == _unit(b):  # one unit for both ends
            return _unit(b).format(f"{_number(a)}–{_number(b)}")
        return f"{money(a)}–{money(b)}"
    if b is not None:
        return _("不超过 %(amount)s") % {"amount": money(b)}
    if a is not None:
        return _("%(amount)s起") % {"amount": money(a)}
    return _("面议")


@register.filter
def percent(value: Any) -> str:
    """A fraction as a percentage for people: 0.500 → "50%", 0.125 → "12.5%"."""
    if value is None or value == "":
        return ""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return ""
    text = f"{number.quantize(Decimal('0.1')):f}".removesuffix(".0")
    return f"{text}%"
