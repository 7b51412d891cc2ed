"""Invitations: the inbox, answering, inviting twice, and expiry (membership as the example;
the evaluator's consent is in tests/review, the consortium's in tests/challenges)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.cli import main
from kechuang.common.errors import InvalidTransition
from kechuang.invitations.choices import ConsentStatus
from kechuang.invitations.models import Invitation
from kechuang.invitations.selectors import invitations_for
from kechuang.invitations.services import (
    invitation_accept,
    invitations_expire_due,
)
from kechuang.notifications.models import Notification
from kechuang.orgs.models import Membership
from kechuang.orgs.services import membership_invite
from tests.conftest import World, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invite_member(world: World) -> tuple[Any, Invitation]:
    newcomer = UserFactory(display_name="新同事")
    membership_invite(actor=world.owner_admin, organization=world.enterprise, login=newcomer.email)
    return newcomer, Invitation.objects.get(invitee_user=newcomer)


def test_an_unanswered_invitation_expires(world: World) -> None:
    newcomer, invitation = _invite_member(world)
    later = invitation.expires_at + datetime.timedelta(seconds=1)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        assert list(invitations_for(newcomer)) == []  # no longer offered
        with pytest.raises(InvalidTransition) as exc:
            invitation_accept(actor=newcomer, invitation=invitation)
        assert exc.value.code == "invitation_expired"
        assert invitations_expire_due() == 1
        assert invitations_expire_due() == 0

    invitation.refresh_from_db()
    assert invitation.status == ConsentStatus.EXPIRED
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_expire_command_expires_invitations(world: World, capsys: Any) -> None:
    _newcomer, invitation = _invite_member(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert main(["expire"]) == 0

    invitation.refresh_from_db()
    assert invitation.status == ConsentStatus.EXPIRED
    assert "已将 1 条逾期未答复的邀请标为已过期。" in capsys.readouterr().out


def test_inviting_again_while_pending_sends_one_invitation(world: World) -> None:
    newcomer, first = _invite_member(world)
    membership_invite(actor=world.owner_admin, organization=world.enterprise, login=newcomer.email)

    assert list(Invitation.objects.filter(invitee_user=newcomer)) == [first]
    assert Notification.objects.filter(recipient=newcomer, kind="invitation").count() == 1


def test_the_inbox_page_lists_pending_invitations_with_buttons(world: World) -> None:
    newcomer, invitation = _invite_member(world)

    page = client_for(newcomer).get(reverse("invitations:list"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "加入组织“杭州测温科技有限公司”（成员）" in html
    assert reverse("invitations:accept", args=[invitation.pk]) in html
    assert reverse("invitations:decline", args=[invitation.pk]) in html
    # someone else's invitation cannot be answered from the page either
    other = client_for(world.owner_member).post(reverse("invitations:accept", args=[invitation.pk]))
    assert other.status_code == 404
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_workspace_card_shows_pending_invitations(world: World) -> None:
    newcomer, _invitation = _invite_member(world)

    workspace = client_for(newcomer).get(reverse("web:workspace")).content.decode()
    card = client_for(newcomer).get(reverse("invitations:card")).content.decode()
    empty = client_for(world.owner_member).get(reverse("invitations:card")).content.decode()

    assert reverse("invitations:card") in workspace
    assert "加入组织“杭州测温科技有限公司”（成员）" in card
    assert reverse("invitations:list") in card
    assert empty == '<div id="invitations-card"></div>\n'
