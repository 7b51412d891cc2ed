"""The scheduled step: due calls close and file their application count; reminders once."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kechuang.challenges.models import Call, ChallengeEvent, Filing
from kechuang.challenges.services.tick import challenges_tick
from kechuang.cli import main
from kechuang.notifications.models import Notification
from tests.challenges.conftest import Tree, bid, past_deadline, submitted_bid


def test_due_calls_close_and_file_the_number_of_applications(tree: Tree, published: Call) -> None:
    submitted_bid(tree, published)
    past_deadline(published)
    assert main(["challenges-tick"]) == 0
    published.refresh_from_db()
    assert published.status == "closed"
    assert Filing.objects.get(kind="applications").params == {
        "total": 1,
        "by_problem": {str(published.problems.get().pk): 1},
    }


def test_drafts_are_reminded_once_before_the_deadline(tree: Tree, published: Call) -> None:
    bid(tree, published)
    now = published.deadline - datetime.timedelta(days=2)
    assert challenges_tick(now=now).reminded == 1
    assert challenges_tick(now=now).reminded == 0
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (tree.lab_admin.pk, "deadline")
    ]
    assert ChallengeEvent.objects.filter(type="call_reminded").count() == 1
    assert challenges_tick(now=timezone.now()).closed == 0
