"""Lists and details of bids and projects come from one rule (issue 10, finding 4), and a
party to a bid gets the applicant's view of it whatever other role it holds."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kechuang.challenges import models as m
from kechuang.orgs.choices import Role
from kechuang.orgs.services import membership_add
from tests.challenges.conftest import Tree, bid, challenge_state
from tests.challenges.test_api import api, user_for
from tests.conftest import client_for

ROLES = (
    "anonymous",
    "lab_admin",
    "xihu_staff",
    "world.hangzhou_staff",
    "world.zhejiang_staff",
    "national_staff",
    "world.jiangsu_staff",
    "world.other_admin",
    "world.owner_member",
    "world.platform_admin",
)


def _user(tree: Tree, role: str) -> Any:
    return user_for(tree, role.removeprefix("world."))


def _listed(user: Any, path: str) -> list[int]:
    response = api(user).get(path)
    return [row["id"] for row in response.json()["items"]] if response.status_code == 200 else []


def test_a_draft_is_listed_to_whoever_may_open_it_and_no_one_else(
    tree: Tree, published: m.Call
) -> None:
    draft = bid(tree, published)
    for role in ROLES:
        user = _user(tree, role)
        detail = api(user).get(f"/challenges/applications/{draft.pk}").status_code
        listed = draft.pk in _listed(user, "/challenges/applications/mine")
        assert (role, listed) == (role, detail == 200)
    # the associations above the lab: neither the API list nor the page shows the draft
    for role in ("xihu_staff", "world.hangzhou_staff", "world.zhejiang_staff"):
        user = _user(tree, role)
        assert draft.pk not in _listed(user, "/challenges/applications/mine")
        page = client_for(user).get(reverse("challenges:applications_mine"))
        assert draft.pk not in [a.pk for a in page.context["applications"]]
        assert api(user).get(f"/challenges/applications/{draft.pk}").status_code == 404
    assert _listed(tree.lab_admin, "/challenges/applications/mine") == [draft.pk]


def test_a_submitted_bid_is_listed_upward_as_its_detail_is_shown(
    tree: Tree, published: m.Call
) -> None:
    from kechuang.challenges.services.applications import application_submit

    application = application_submit(actor=tree.lab_admin, application=bid(tree, published))
    for role in ("xihu_staff", "world.hangzhou_staff"):
        user = _user(tree, role)
        assert application.pk in _listed(user, "/challenges/applications/mine")
        assert api(user).get(f"/challenges/applications/{application.pk}").status_code == 200


def test_projects_list_and_detail_agree_for_every_role(tree: Tree, project: m.Project) -> None:
    seen = {}
    for role in ROLES:
        user = _user(tree, role)
        detail = api(user).get(f"/challenges/projects/{project.pk}").status_code
        listed = project.pk in _listed(user, "/challenges/projects")
        assert (role, listed) == (role, detail == 200)
        if user is not None:
            page = client_for(user)
            shown = [p.pk for p in page.get(reverse("challenges:project_list")).context["projects"]]
            opened = page.get(reverse("challenges:project_detail", args=[project.pk])).status_code
            assert (role, project.pk in shown) == (role, opened == 200)
        seen[role] = detail
    assert seen == {
        "anonymous": 401,
        "lab_admin": 200,
        "xihu_staff": 200,  # associations above the applicant see its project (read only)
        "world.hangzhou_staff": 200,
        "world.zhejiang_staff": 200,
        "national_staff": 200,  # the organiser
        "world.jiangsu_staff": 404,
        "world.other_admin": 404,
        "world.owner_member": 404,
        "world.platform_admin": 200,
    }


def test_an_organiser_who_is_a_party_to_a_bid_gets_the_applicant_view(
    tree: Tree, published: m.Call
) -> None:
    from kechuang.challenges.services.applications import application_submit

    application = application_submit(actor=tree.lab_admin, application=bid(tree, published))
    organiser = tree.national_staff
    client = api(organiser)
    assert client.get(f"/challenges/applications/{application.pk}/duplicates").status_code == 200
    # the organiser's staff member also belongs to the bidding lab: a party to the bid
    membership_add(
        actor=None, organization=tree.lab, user=organiser, role=Role.MEMBER, check_permission=False
    )
    organiser.__dict__.pop("_kechuang_viewer", None)
    before = challenge_state()
    assert client.get(f"/challenges/applications/{application.pk}").status_code == 200
    assert client.get(f"/challenges/applications/{application.pk}/duplicates").status_code == 403
    award = client.post(f"/challenges/applications/{application.pk}/award", {"justification": "—"})
    assert award.status_code == 403
    assert challenge_state() == before
    page = client_for(organiser).get(
        reverse("challenges:application_detail", args=[application.pk])
    )
    assert (page.status_code, page.context["organiser"], page.context["own"]) == (200, False, False)
