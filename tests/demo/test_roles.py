"""Every login the demo prints can try its job right away: the reviewer scores, the
organiser runs an open review, the enterprise finishes a draft bid and takes a
published need to docking, the association reviews, the winner reports; and every link
of the organiser's page opens for each of them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.catalog.selectors import review_queue
from kechuang.challenges import models as m
from kechuang.demo.challenges_data import DRAFT_BID, OPEN_REVIEW, OPEN_REVIEW_ITEMS
from kechuang.demo.loader import demo_accounts, demo_load
from kechuang.demo.needs import DOCKING_NEED
from kechuang.orgs.models import Organization
from kechuang.review import models as r
from kechuang.review.selectors.pages import my_tasks

pytestmark = pytest.mark.django_db

LOGINS = [
    "admin@kechuang.example",
    "zhejiang@kechuang.example",
    "hangzhou@kechuang.example",
    "enterprise@kechuang.example",
    "expert@kechuang.example",
    "reviewer@kechuang.example",
    "admin-jinmin@kechuang.example",
]


def client(email: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(email=email))
    return c


def test_every_printed_login_can_try_what_its_sentence_says() -> None:
    demo_load()
    now = timezone.now()
    accounts = demo_accounts()
    assert [login for login, _, _ in accounts] == LOGINS
    can_try = {login: hint for login, _, hint in accounts}
    assert all(hint.split("：", 1)[1] for hint in can_try.values())

    # the reviewer: three items to score in a round open for two more weeks
    reviewer = User.objects.get(email="reviewer@kechuang.example")
    assert can_try[reviewer.email] == (
        f"评审专家：给《{OPEN_REVIEW['title']}》的 {len(OPEN_REVIEW_ITEMS)} 个评审对象打分"
    )
    process = r.ReviewProcess.objects.get(title=OPEN_REVIEW["title"])
    assert (process.purpose, process.status) == ("other", "round_1")
    assert process.round_1_deadline is not None
    assert process.round_1_deadline > now + datetime.timedelta(days=13)
    tasks = [t for t in my_tasks(reviewer) if t.assignment.item.process_id == process.pk]
    assert len(tasks) == 3 and all(t.due for t in tasks)
    assert not r.Score.objects.filter(assignment__item__process=process).exists()
    score = client(reviewer.email).get(reverse("review:score", args=[tasks[0].assignment.pk]))
    assert score.status_code == 200 and score.context["can_score"] is True

    # the organiser runs it: progress and the deadline form on the process page
    organiser = client("zhejiang@kechuang.example")
    page = organiser.get(reverse("review:process_detail", args=[process.pk]))
    assert page.status_code == 200 and page.context["roles"].runner
    assert page.context["open_round"] == 1
    assert OPEN_REVIEW["title"] in can_try["zhejiang@kechuang.example"]

    # the enterprise: a draft bid on the open call to finish and submit
    bid = m.Application.objects.get(title=DRAFT_BID.title)
    assert (bid.status, bid.applicant.email) == ("draft", "enterprise@kechuang.example")
    assert bid.call.opens_at < now < bid.call.deadline
    edit = client("enterprise@kechuang.example").get(
        reverse("challenges:application_edit", args=[bid.pk])
    )
    assert edit.status_code == 200
    assert DRAFT_BID.title in can_try["enterprise@kechuang.example"]
    # … and a published need of its own, months to go, with profiles to match
    need = Need.objects.get(title=DOCKING_NEED)
    assert (need.status, need.organization.short_name) == ("published", "澜储能源")
    assert need.deadline >= timezone.localdate() + datetime.timedelta(days=60)
    assert need.expires_on is not None and need.expires_on >= need.deadline
    words = {"热管理", "液冷", "储能"}
    published_experts = ExpertProfile.objects.filter(status="published")
    assert any(w in e.keywords for e in published_experts for w in words)
    published_achievements = Achievement.objects.filter(status="published")
    assert any(w in a.keywords for a in published_achievements for w in words)

    # the city association: needs and achievements waiting for its review
    hangzhou = User.objects.get(email="hangzhou@kechuang.example")
    assert (
        review_queue(Need, user=hangzhou).count() + review_queue(Achievement, user=hangzhou).count()
        >= 1
    )

    # the winner: a project under way with its second milestone to report on
    project = m.Project.objects.get(award__application__organization__short_name="锦岷动力")
    assert project.status == "active"
    assert project.milestones.filter(status="pending").count() == 1
    detail = client("admin-jinmin@kechuang.example").get(
        reverse("challenges:project_detail", args=[project.pk])
    )
    assert detail.status_code == 200
    assert reverse("challenges:report_create", args=[project.pk]) in detail.content.decode()

    # the platform admin creates calls for any organisation
    create = client("admin@kechuang.example").get(reverse("challenges:call_create"))
    assert create.status_code == 200
    assert len(create.context["form"].fields["organiser"].choices) == Organization.objects.count()


def test_every_link_of_the_organisers_page_opens_for_every_login() -> None:
    demo_load()
    offered = {}
    for login in LOGINS:
        c = client(login)

        page = c.get(reverse("challenges:call_manage")).content.decode()

        links = sorted(set(re.findall(r'href="(/challenges/[^"]*)"', page)))
        for link in links:
            assert c.get(link).status_code == 200, (login, link)
        offered[login] = {
            name
            for name in ("recommendations", "filings", "call_create")
            if reverse(f"challenges:{name}") in links
        }
    everything = {"recommendations", "filings", "call_create"}
    assert offered == {
        "admin@kechuang.example": everything,
        "zhejiang@kechuang.example": everything,
        "hangzhou@kechuang.example": everything,
        "enterprise@kechuang.example": {"filings", "call_create"},
        "expert@kechuang.example": set(),
        "reviewer@kechuang.example": set(),
        "admin-jinmin@kechuang.example": {"filings", "call_create"},
    }


def test_stats_count_the_demo_problems_and_submitted_bids() -> None:
    demo_load()
    national = Organization.objects.get(short_name="中国科协")

    stats = Client().get(reverse("challenges:stats"), {"association": national.pk})

    counts = dict(stats.context["stats"].by_kind)
    assert stats.context["stats"].calls == 3
    assert counts["已发布榜单的题目数"] == 6  # 1 + 3 + 2
    # 2 + 6 bids received by the two closed calls; the open call's draft is not counted
    assert counts["揭榜申请数（已截止榜单收到的，不含草稿和撤回）"] == 8
    assert m.Application.objects.count() == 9
