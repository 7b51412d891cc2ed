"""A need's deadline lies within its publication period: refused with the same field
error in the service, the API (problem+json with its own code) and the form."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Need
from kechuang.catalog.services import PUBLICATION_DAYS, need_create
from kechuang.common.errors import ValidationFailed
from tests.api.conftest import Api, db_state
from tests.api.test_needs import body
from tests.conftest import World, client_for, need_data
from tests.web.test_needs_pages import CREATE, form_data

pytestmark = pytest.mark.django_db


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def message() -> str:
    return f"截止日期不能晚于发布有效期（发布后 180 天，即 {in_days(180).isoformat()}）。"


def test_the_last_day_of_the_publication_period_is_accepted(world: World) -> None:
    need = need_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **need_data(deadline=in_days(PUBLICATION_DAYS).isoformat()),
    )
    assert need.deadline == in_days(180)


def test_service_refuses_a_deadline_after_the_publication_period(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(deadline=in_days(181).isoformat()),
        )
    assert exc.value.code == "deadline_after_expiry"
    assert exc.value.fields == {"deadline": [message()]}
    assert Need.objects.count() == 0


def test_api_answers_problem_json_with_its_code(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post("/needs", body(world, deadline=in_days(181).isoformat()))

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert data["code"] == "deadline_after_expiry"
    assert data["errors"] == {"deadline": [message()]}
    assert db_state() == before


def test_form_shows_the_error_on_the_deadline_field(world: World) -> None:
    audit_before = AuditEntry.objects.count()

    response = client_for(world.owner_admin).post(
        CREATE, form_data(world, deadline=in_days(200).isoformat())
    )

    assert response.context["form"].errors["deadline"] == [message()]
    assert message() in response.content.decode()
    assert Need.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
