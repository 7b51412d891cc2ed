"""The invitations inbox and the invitation notices speak English to an English user."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kechuang.notifications.models import Notification
from kechuang.orgs.services import membership_invite
from tests.conftest import World, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_inbox_in_english(world: World) -> None:
    newcomer = UserFactory(display_name="Newcomer")
    with translation.override("en"):
        membership_invite(
            actor=world.owner_admin, organization=world.enterprise, login=newcomer.email
        )
    client = client_for(newcomer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("invitations:list")).content.decode()

    assert "My invitations" in html
    assert "Join the organisation “杭州测温科技有限公司” (Members)" in html
    assert ">Accept<" in html and ">Decline<" in html
    note = Notification.objects.get(recipient=newcomer)
    assert note.title == "Invitation: Join the organisation “杭州测温科技有限公司” (Members)"
