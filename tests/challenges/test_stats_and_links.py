"""The public filing statistics count what their labels say, and the organiser's page
links only to pages the viewer may open."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.challenges import models as m
from kechuang.challenges.services.applications import (
    application_create,
    application_submit,
    application_withdraw,
)
from kechuang.challenges.services.calls import call_problem_add, call_transition
from kechuang.orgs.choices import OrgKind, Role
from tests.challenges.conftest import (
    Tree,
    application_data,
    past_deadline,
    problem_data,
    submitted_bid,
)
from tests.conftest import client_for
from tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"challenges:{name}", args=args)


def test_stats_count_problems_and_received_applications_not_filings(
    tree: Tree, call: m.Call
) -> None:
    # given a published call with three problems, bids from three organisations on it:
    # two submitted, one withdrawn after submitting, and one left as a draft
    for n in (2, 3):
        call_problem_add(actor=tree.national_staff, call=call, **problem_data(title=f"题目{n}"))
    call_transition(actor=tree.national_staff, call=call, action="publish")
    submitted_bid(tree, call)
    others = []
    for n in range(3):
        org = OrganizationFactory(
            name=f"投标企业{n}", parent=tree.xihu, region_id="330106", kind=OrgKind.ENTERPRISE
        )
        others.append((org, member(org, Role.ADMIN, display_name=f"投标人{n}")))
    drafts = [
        application_create(
            actor=admin,
            call_problem=call.problems.order_by("id")[1],
            kind="organization",
            organization=org,
            **application_data(),
        )
        for org, admin in others
    ]
    application_submit(actor=others[0][1], application=drafts[0])
    application_submit(actor=others[1][1], application=drafts[1])
    application_withdraw(actor=others[1][1], application=drafts[1], reason="改投其他题目")
    past_deadline(call)
    call_transition(actor=tree.national_staff, call=call, action="close")

    # when anybody looks at the statistics of the national association
    page = client_for(None).get(url("stats"), {"association": tree.world.national.pk})

    # then the problems and the applications received are counted, not the filings
    stats = page.context["stats"]
    assert stats.calls == 1
    assert dict(stats.by_kind) == {
        "榜单发布次数": 1,
        "已发布榜单的题目数": 3,
        "揭榜申请数（已截止榜单收到的，不含草稿和撤回）": 2,
        "确定的揭榜方": 0,
        "立项项目": 0,
        "里程碑评审结论": 0,
        "已作出的验收结论": 0,
    }
    assert m.Application.objects.count() == 4
    assert "已发布榜单的题目数" in page.content.decode()


# ---------------------------------------------------------------- the organiser's page

MANAGE_LINKS = {
    "recommendations": "推荐队列",
    "filings": "备案汇总",
    "call_create": "创建榜单",
}


def _challenge_links(page: str) -> set[str]:
    return set(re.findall(r'href="(/challenges/[^"]*)"', page))


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("owner_member", set()),  # a plain member manages nothing
        ("owner_admin", {"filings", "call_create"}),  # an enterprise admin: no recommending
        ("hangzhou_staff", {"recommendations", "filings", "call_create"}),
        ("zhejiang_staff", {"recommendations", "filings", "call_create"}),
        ("platform_admin", {"recommendations", "filings", "call_create"}),
    ],
)
def test_manage_page_offers_each_link_only_to_who_may_use_it_and_every_link_opens(
    tree: Tree, call: m.Call, who: str, offered: set[str]
) -> None:
    user = getattr(tree.world, who)
    client = client_for(user)

    page = client.get(url("call_manage")).content.decode()

    for name, label in MANAGE_LINKS.items():
        assert (url(name) in page) == (name in offered), name
        assert (label in page) == (name in offered), label
    links = _challenge_links(page)
    assert url("round_list") in links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link
    # and what is not offered is not there either
    for name in set(MANAGE_LINKS) - offered:
        assert client.get(url(name)).status_code == 404, name


def test_platform_admin_creates_a_call_for_an_organisation_he_is_no_member_of(
    tree: Tree,
) -> None:
    now = timezone.localtime()
    client = client_for(tree.world.platform_admin)
    form = client.get(url("call_create")).context["form"]
    assert (tree.world.national.pk, tree.world.national.name) in form.fields["organiser"].choices

    response = client.post(
        url("call_create"),
        {
            "organiser": tree.world.national.pk,
            "title": "平台代建榜单",
            "description": "平台管理员为中国科协创建的榜单草稿",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "deadline": (now + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "application_limit": 1,
            "max_partners": 4,
            "review_rounds": 2,
            "rule_panel_size": 5,
            "rule_frontline_share": "1/3",
            "rule_max_load": 10,
            "rule_conflict_years": 3,
        },
    )

    created = m.Call.objects.get(title="平台代建榜单")
    assert response.status_code == 302
    assert response["Location"] == url("call_detail", created.pk)
    assert (created.organiser, created.status) == (tree.world.national, "draft")
