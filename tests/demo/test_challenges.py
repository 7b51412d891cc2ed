"""The demo challenges: three calls replayed through the services, with real events,
audit entries, a finished two-round review and filings up to 中国科协."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.challenges import models as m
from kechuang.challenges.selectors import call_list, filing_list
from kechuang.demo.loader import demo_accounts, demo_load
from kechuang.review import models as r

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded() -> dict[str, int]:
    return demo_load()


def test_demo_loads_three_calls_in_their_expected_states(loaded: dict[str, int]) -> None:
    # eight bids submitted, and the enterprise account's draft on the open call
    assert (loaded["calls"], loaded["applications"], loaded["projects"]) == (3, 9, 4)
    calls = {c.title[:4]: c for c in m.Call.objects.all()}
    assert {k: c.status for k, c in calls.items()} == {
        "2024": "done",
        "2025": "done",
        "2026": "published",
    }
    assert Counter(calls["2025"].applications.values_list("status", flat=True)) == {
        "awarded": 3,
        "not_awarded": 2,
        "not_recommended": 1,
    }
    assert calls["2025"].applications.filter(kind="consortium").get().partners.count() == 2
    assert list(
        m.Recommendation.objects.order_by("id").values_list("association__short_name", "decision")
    ) == [
        ("杭州市科协", "recommended"),
        ("成都市科协", "recommended"),
        ("四川省科协", "recommended"),
        ("四川省科协", "recommended"),
        ("广东省科协", "not_recommended"),
    ]
    assert Counter(m.Problem.objects.values_list("status", flat=True)) == {"published": 3}
    # the open call takes applications now
    open_call = calls["2026"]
    now = timezone.now()
    assert open_call.opens_at < now < open_call.deadline
    assert open_call.problems.count() == 2
    assert open_call in call_list(None)


def test_demo_review_is_finished_under_the_panel_rules(loaded: dict[str, int]) -> None:
    process = r.ReviewProcess.objects.get(title__startswith="2025")
    assert (process.status, process.rounds, process.panel_size) == ("final", 2, 3)
    # both finished calls' reviews were opened by their own start_review, one item per bid
    assert {
        c.title[:4]: (c.review_process.status, c.review_process.items.count())
        for c in m.Call.objects.exclude(review_process=None).select_related("review_process")
    } == {"2024": ("final", 2), "2025": ("final", 5)}
    assert process.challenge_call.title.startswith("2025")
    members = r.PanelMember.objects.filter(panel__process=process).select_related("expert")
    assert members.count() == 6
    assert {mb.status for mb in members} == {"accepted"}
    assert not any(mb.expert.is_government_staff for mb in members)
    assert sorted((c.expert.name, c.kind) for c in r.Conflict.objects.filter(process=process)) == [
        ("林书航", "same_org"),
        ("林书航", "same_org"),
        ("汪可馨", "same_org"),
    ]
    active = r.ReviewAssignment.objects.filter(item__process=process, status="active")
    conflicted = set(r.Conflict.objects.filter(process=process).values_list("item", "expert"))
    for item in process.items.all():
        seats = [a for a in active.select_related("member__expert") if a.item_id == item.pk]
        assert len(seats) == 3
        assert sum(a.member.expert.is_frontline_engineer for a in seats) >= 1
        assert not {(item.pk, a.member.expert_id) for a in seats} & conflicted
    # round 1: 5 items × 3; the panel meeting: the 4 items that went on × 3
    assert Counter(
        r.Score.objects.filter(assignment__item__process=process).values_list("round", flat=True)
    ) == {1: 15, 2: 12}
    assert process.items.filter(eliminated_after_round=1).get().title.startswith("多孔介质")
    assert process.decision.selections.count() == 3
    assert process.notice_ends_at is not None and process.notice_ends_at < timezone.now()


def test_demo_projects_tranches_acceptance_and_filings(loaded: dict[str, int]) -> None:
    subsidised = m.Project.objects.get(award__application__organization__short_name="锦岷动力")
    assert subsidised.award.funding_cap == Decimal("152.00")  # 40 % of 380, under 200
    assert [
        (ms.status, getattr(ms, "payment", None) and ms.payment.amount)
        for ms in subsidised.milestones.order_by("due_on")
    ] == [("passed", Decimal("60.00")), ("pending", None)]
    older = m.Project.objects.get(award__application__call__title__startswith="2024")
    assert older.status == "accepted"
    assert older.acceptance.verdict == "passed" and older.acceptance.published_at is not None
    national = User.objects.get(email="staff-cast@kechuang.example")
    seen = Counter(filing_list(national).values_list("call__title", "kind"))
    assert seen[("2024 年杭州市数字经济揭榜挂帅榜单", "acceptance")] == 1
    assert seen[("2025 年浙江省产业关键技术揭榜挂帅榜单", "winner")] == 3
    # the 2024 steps went to 浙江省科协 (杭州's parent) and show at the national level too
    assert set(
        m.Filing.objects.filter(call__title__startswith="2024").values_list(
            "recipient__short_name", flat=True
        )
    ) == {"浙江省科协"}
    # every step happened when the services allowed it: nothing dated after now
    assert not m.ChallengeEvent.objects.filter(at__gt=timezone.now()).exists()
    first = m.ChallengeEvent.objects.order_by("at").first()
    assert first is not None and first.at < timezone.now() - datetime.timedelta(days=500)
    assert AuditEntry.objects.filter(object_type="award").count() == 4


def test_demo_prints_the_reviewer_and_winner_logins(loaded: dict[str, int]) -> None:
    logins = [login for login, _role, _try in demo_accounts()]
    assert logins[-2:] == ["reviewer@kechuang.example", "admin-jinmin@kechuang.example"]
    reviewer = User.objects.get(email="reviewer@kechuang.example")
    # the 2024 and 2025 panels, and the review open for scoring now
    assert r.PanelMember.objects.filter(expert__user=reviewer).count() == 3
