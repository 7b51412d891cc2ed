"""The data migration keeps existing team members counting: an accepted invitation for
each expert account already linked from a team row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kechuang.challenges.models import Application, Call
from kechuang.challenges.services.consent import accepted_team_expert_ids
from kechuang.invitations.models import Invitation
from tests.challenges.conftest import Tree, bid
from tests.review.conftest import make_expert

BEFORE = [("invitations", "0001_invitation")]
AFTER = [("invitations", "0002_existing_team_members_accepted")]


@pytest.mark.django_db(transaction=True)
def test_existing_team_members_are_marked_accepted(tree: Tree, published: Call) -> None:
    expert = make_expert("钱工", frontline=True)
    application = bid(
        tree, published, team=[{"name": "钱工", "expert": expert.pk}, {"name": "孙工"}]
    )
    Invitation.objects.all().delete()  # as before consent existed
    assert accepted_team_expert_ids(application) == set()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    application = Application.objects.get(pk=application.pk)
    assert accepted_team_expert_ids(application) == {expert.pk}
    assert list(Invitation.objects.values_list("kind", "status", "invitee_user")) == [
        ("team_member", "accepted", expert.user_id)
    ]
