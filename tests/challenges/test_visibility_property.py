"""Property: for random users in random roles and bids in random states, the API (list,
detail, organiser action) and the pages agree with docs/security.md's rules table.

The oracle below is written from the table, not from the code: who manages what is
worked out from the organisation tree by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.challenges import models as m
from kechuang.challenges.services.applications import (
    application_create,
    application_submit,
    application_withdraw,
)
from kechuang.orgs.services import membership_add
from tests.api.conftest import Api, token_for
from tests.challenges.conftest import Tree, application_data, bid
from tests.factories import UserFactory

ORGS = ("national", "zhejiang", "hangzhou", "xihu", "lab", "jiangsu", "other")
PARENT = {
    "national": None,
    "zhejiang": "national",
    "hangzhou": "zhejiang",
    "xihu": "hangzhou",
    "lab": "xihu",
    "jiangsu": "national",
    "other": "jiangsu",
}
MANAGING = {"admin", "staff"}
STATES = ("draft", "submitted", "withdrawn")


def _ancestors(org: str) -> list[str]:
    out, cur = [], org
    while cur is not None:
        out.append(cur)
        cur = PARENT[cur]
    return out


@dataclass(frozen=True)
class Who:
    memberships: frozenset[tuple[str, str]]  # (org key, role)
    platform_admin: bool = False
    applicant: bool = False

    def manages(self, org: str) -> bool:
        return self.platform_admin or any(
            o in _ancestors(org) and r in MANAGING for o, r in self.memberships
        )

    def manages_by_membership(self, org: str) -> bool:
        return any(o in _ancestors(org) and r in MANAGING for o, r in self.memberships)

    def speaks_for(self, org: str) -> bool:
        return any(o == org and r in MANAGING for o, r in self.memberships)

    def member_of(self, org: str) -> bool:
        return any(o == org for o, _ in self.memberships)


@dataclass(frozen=True)
class Expect:
    detail: bool
    listed: bool
    organise: int  # the duplicates endpoint (organiser side, not a party)


def expected(who: Who, lead: str, state: str) -> Expect:
    """docs/security.md, row "application" (the call is organised by 中国科协)."""
    own = who.applicant or who.speaks_for(lead)
    party = who.applicant or who.member_of(lead)
    submitted = state != "draft"
    visible = own or (submitted and (who.manages("national") or who.manages(lead)))
    listed = visible and (
        who.applicant or (not who.platform_admin and who.manages_by_membership(lead))
    )
    organiser = submitted and who.manages("national") and not party
    return Expect(visible, listed, 200 if organiser else (403 if visible else 404))


memberships = st.dictionaries(
    st.sampled_from(ORGS), st.sampled_from(("member", "staff", "admin")), max_size=3
).map(lambda d: frozenset(d.items()))  # one membership per organisation
viewers = st.one_of(
    st.builds(Who, memberships=memberships, platform_admin=st.booleans()),
    st.builds(Who, memberships=memberships, applicant=st.just(True)),
)


@pytest.fixture
def bids(tree: Tree, published: m.Call) -> dict[tuple[str, str], m.Application]:
    """One bid of the lab and one of the Suzhou enterprise in each state."""
    other_applicant = tree.world.other_admin
    m.Call.objects.filter(pk=published.pk).update(application_limit=len(STATES))
    out = {}
    for state in STATES:
        out[("lab", state)] = bid(tree, published, title=f"实验室方案{state}")
        out[("other", state)] = application_create(
            actor=other_applicant,
            call_problem=published.problems.first(),
            kind="organization",
            organization=tree.world.other_enterprise,
            **application_data(title=f"苏州方案{state}"),
        )
        for lead in ("lab", "other"):
            actor = tree.lab_admin if lead == "lab" else other_applicant
            if state != "draft":
                out[(lead, state)] = application_submit(actor=actor, application=out[(lead, state)])
            if state == "withdrawn":
                out[(lead, state)] = application_withdraw(
                    actor=actor, application=out[(lead, state)], reason="改投其他榜单"
                )
    return out


def _org(tree: Tree, key: str) -> Any:
    w = tree.world
    return {
        "national": w.national,
        "zhejiang": w.zhejiang,
        "hangzhou": w.hangzhou,
        "xihu": tree.xihu,
        "lab": tree.lab,
        "jiangsu": w.jiangsu,
        "other": w.other_enterprise,
    }[key]


def _user(tree: Tree, who: Who, lead: str) -> Any:
    if who.applicant:
        base = tree.lab_admin if lead == "lab" else tree.world.other_admin
        # the applicant's own memberships are the ones the oracle must know: admin of lead
        return base, Who(frozenset({(lead, "admin")}), applicant=True)
    user = UserFactory(is_superuser=who.platform_admin)
    for org, role in who.memberships:
        membership_add(
            actor=None, organization=_org(tree, org), user=user, role=role, check_permission=False
        )
    return user, who


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(who=viewers, lead=st.sampled_from(("lab", "other")), state=st.sampled_from(STATES))
def test_api_and_pages_agree_with_the_rules_table(
    tree: Tree, bids: dict[tuple[str, str], m.Application], who: Who, lead: str, state: str
) -> None:
    application = bids[(lead, state)]
    user, who = _user(tree, who, lead)
    want = expected(who, lead, state)
    client = Api(token_for(user))
    detail = client.get(f"/challenges/applications/{application.pk}").status_code
    listed = application.pk in [
        a["id"] for a in client.get("/challenges/applications/mine?page_size=100").json()["items"]
    ]
    organise = client.get(f"/challenges/applications/{application.pk}/duplicates").status_code
    page = Client()
    page.force_login(user)
    shown = page.get(f"/challenges/applications/{application.pk}/").status_code
    assert (detail == 200, listed, organise, shown == 200) == (
        want.detail,
        want.listed,
        want.organise,
        want.detail,
    ), (who, lead, state)
