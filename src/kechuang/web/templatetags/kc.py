"""Template helpers for the Tabler markup: form controls and status badges."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

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
