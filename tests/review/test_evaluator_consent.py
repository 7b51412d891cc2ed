"""A named third-party evaluator is only invited: it has no access and no power over the
process until its own admins or staff accept (API and pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.common.errors import InvalidTransition, NotFound
from kechuang.invitations.choices import InvitationKind
from kechuang.invitations.models import Invitation
from kechuang.invitations.selectors import invitations_for, invitations_of
from kechuang.invitations.services import (
    invitation_accept,
    invitation_decline,
    invitation_withdraw,
)
from kechuang.notifications.models import Notification
from kechuang.review.choices import Purpose
from kechuang.review.models import ReviewProcess
from kechuang.review.services import process_create
from tests.api.conftest import Api, token_for
from tests.conftest import client_for
from tests.review.conftest import Scene

pytestmark = pytest.mark.django_db


def _process_with_evaluator(scene: Scene) -> ReviewProcess:
    return process_create(
        actor=scene.runner,
        organiser=scene.world.hangzhou,
        title="验收评审",
        purpose=Purpose.ACCEPTANCE,
        rounds=1,
        evaluator=scene.evaluator,
    )


def _evaluator_invitation(process: ReviewProcess) -> Invitation:
    return invitations_of(InvitationKind.EVALUATOR, process.pk).get()


def test_a_named_evaluator_has_no_power_before_it_accepts(scene: Scene) -> None:
    process = _process_with_evaluator(scene)
    api = Api(token_for(scene.evaluator_admin))
    page = client_for(scene.evaluator_admin)

    assert process.evaluator is None
    assert api.get(f"/reviews/processes/{process.pk}").status_code == 404
    assert page.get(reverse("review:process_detail", args=[process.pk])).status_code == 404
    refused = api.post(
        f"/reviews/processes/{process.pk}/transitions", {"action": "start_assignment"}
    )
    assert refused.status_code == 404
    process.refresh_from_db()
    assert (process.status, process.evaluator) == ("setup", None)

    invitation = _evaluator_invitation(process)
    assert Notification.objects.filter(recipient=scene.evaluator_admin, kind="invitation").exists()
    answered = api.post(f"/invitations/{invitation.pk}/accept")

    assert answered.status_code == 200
    process.refresh_from_db()
    assert process.evaluator == scene.evaluator
    detail = api.get(f"/reviews/processes/{process.pk}")
    assert (detail.status_code, detail.json()["my_roles"]["evaluator"]) == (200, True)
    assert page.get(reverse("review:process_detail", args=[process.pk])).status_code == 200


def test_a_declined_evaluator_never_runs_the_process(scene: Scene) -> None:
    process = _process_with_evaluator(scene)
    invitation_decline(actor=scene.evaluator_admin, invitation=_evaluator_invitation(process))

    with pytest.raises(InvalidTransition):
        invitation_accept(actor=scene.evaluator_admin, invitation=_evaluator_invitation(process))
    process.refresh_from_db()
    assert process.evaluator is None
    assert (
        Api(token_for(scene.evaluator_admin)).get(f"/reviews/processes/{process.pk}").status_code
        == 404
    )


def test_only_the_invited_organisations_own_managers_answer(scene: Scene) -> None:
    """The runner (an association above) cannot accept on the evaluator's behalf."""
    process = _process_with_evaluator(scene)
    invitation = _evaluator_invitation(process)

    for outsider in (scene.runner, scene.world.platform_admin, scene.world.owner_admin):
        with pytest.raises(NotFound):
            invitation_accept(actor=outsider, invitation=invitation)
        assert [i.pk for i in invitations_for(outsider)] == []
    assert [i.pk for i in invitations_for(scene.evaluator_admin)] == [invitation.pk]
    process.refresh_from_db()
    assert process.evaluator is None


def test_the_inviting_side_withdraws(scene: Scene) -> None:
    process = _process_with_evaluator(scene)
    invitation = _evaluator_invitation(process)

    with pytest.raises(NotFound):  # the invited side does not withdraw
        invitation_withdraw(actor=scene.evaluator_admin, invitation=invitation)
    invitation_withdraw(actor=scene.runner, invitation=invitation)

    with pytest.raises(InvalidTransition):
        invitation_accept(actor=scene.evaluator_admin, invitation=invitation)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.responded_by) == ("withdrawn", scene.runner)
