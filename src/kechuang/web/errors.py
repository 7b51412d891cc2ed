"""Show a service's ``KechuangError`` on a page: on a form's fields, or as the 404/403 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from kechuang.common.errors import KechuangError, NotAuthenticated, NotFound, PermissionDenied

# Service field names that differ from form field names (``region_id`` → ``region``).
_SUFFIXES = ("_id", "_ids")


def _form_field_for(form: forms.BaseForm, name: str) -> str | None:
    if name in form.fields:
        return name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in form.fields:
            return name[: -len(suffix)]
    return None


def apply_error_to_form(form: forms.BaseForm, exc: KechuangError) -> None:
    """Put ``exc.fields`` messages on the matching form fields.

    Messages for fields the form does not have (and ``__all__``) become non-field errors;
    an error without field messages shows its own message as a non-field error. The form
    must have been validated (``is_valid()``) before, as ``add_error`` needs ``cleaned_data``.
    """
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, messages in exc.fields.items():
        target = None if name == NON_FIELD_ERRORS else _form_field_for(form, name)
        for message in messages:
            # add_error removes the field from cleaned_data; that is what we want.
            form.add_error(target, str(message))


def raise_as_http(exc: KechuangError) -> None:
    """Re-raise a gatekeeper's error as what Django pages understand (404 / 403)."""
    if isinstance(exc, NotFound):
        raise Http404(str(exc.message)) from exc
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(str(exc.message)) from exc
    raise exc


def page_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn ``NotFound`` / ``PermissionDenied`` / ``NotAuthenticated`` escaping a view into
    the 404 page, the 403 page and the login redirect. Other errors are the view's job."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except (NotFound, PermissionDenied) as exc:
            raise_as_http(exc)
            raise  # unreachable; keeps type checkers content

    return wrapper
