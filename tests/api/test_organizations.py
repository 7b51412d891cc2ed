"""/api/v1/organizations: the tree, members and the subtree's audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kechuang.orgs.models import Membership
from tests.api.conftest import Api, db_state
from tests.conftest import World


def test_detail_has_the_parent_chain(world: World) -> None:
    data = Api().get(f"/organizations/{world.enterprise.pk}").json()

    assert [p["name"] for p in data["parents"]] == [
        "中国科学技术协会",
        "浙江省科学技术协会",
        "杭州市科学技术协会",
    ]
    assert (data["kind"], data["kind_label"], data["depth"]) == ("enterprise", "企业", 3)
    assert data["region"] == {"code": "330106", "name": "西湖区", "name_en": "Xihu District"}


def test_list_filters(world: World) -> None:
    def names(**params: Any) -> list[str]:
        return [o["name"] for o in Api().get("/organizations", params).json()["items"]]

    assert names(within=world.zhejiang.pk) == [
        "浙江省科学技术协会",
        "杭州市科学技术协会",
        "杭州测温科技有限公司",
    ]
    assert names(parent=world.national.pk) == ["浙江省科学技术协会", "江苏省科学技术协会"]
    assert names(kind="enterprise", region="320000") == ["苏州流量仪表有限公司"]
    assert names(q="测温") == ["杭州测温科技有限公司"]


def test_create_checks_the_shape_of_the_tree(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("hangzhou_staff")
    before = db_state()

    # a city association cannot sit under a city association
    response = api.post(
        "/organizations",
        {
            "parent": world.hangzhou.pk,
            "kind": "association",
            "level": "city",
            "name": "宁波市科学技术协会",
            "region": "330200",
        },
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"parent"}
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "castle"}, {"kind"}),
        ({"parent": 999999}, {"parent"}),
        ({"region": "999999"}, {"region"}),
        ({"name": ""}, {"name"}),
        # taken under the same parent: the model's unique constraint names no single field
        ({"name": "杭州测温科技有限公司"}, {"__all__"}),
        ({"website": "not a url"}, {"website"}),
        ({"motto": "创新"}, {"motto"}),
    ],
)
def test_create_with_bad_input(
    world: World, api_as: Callable[[str], Api], body: dict[str, Any], fields: set[str]
) -> None:
    api = api_as("hangzhou_staff")
    before = db_state()
    data = {"parent": world.hangzhou.pk, "kind": "enterprise", "name": "新企业", "region": "330106"}

    response = api.post("/organizations", {**data, **body})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert set(response.json()["errors"]) == fields
    assert db_state() == before


def test_member_lifecycle(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    org = f"/organizations/{world.enterprise.pk}"

    invited = api.post(f"{org}/members", {"login": world.jiangsu_staff.email, "role": "staff"})
    assert (invited.status_code, invited.json()) == (
        202,
        {"detail": "已向该账号发送邀请（如账号存在）。对方接受后即成为成员。"},
    )
    assert not Membership.objects.filter(
        user=world.jiangsu_staff, organization=world.enterprise
    ).exists()  # no member before the person agrees
    assert api.get(f"{org}/members").json()["count"] == 2

    invitee = api_as("jiangsu_staff")
    [invitation] = invitee.get("/invitations/mine").json()["items"]
    assert (invitation["kind"], invitation["summary"], invitation["status"]) == (
        "membership",
        "加入组织“杭州测温科技有限公司”（工作人员）",
        "pending",
    )
    accepted = invitee.post(f"/invitations/{invitation['id']}/accept")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    membership = Membership.objects.get(user=world.jiangsu_staff, organization=world.enterprise)
    assert membership.role == "staff"

    changed = api.patch(f"{org}/members/{membership.pk}", {"role": "member"})
    assert (changed.status_code, changed.json()["role"]) == (200, "member")

    listed = api.get(f"{org}/members").json()
    assert listed["count"] == 3

    removed = api.delete(f"{org}/members/{membership.pk}")
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_member_invite_reveals_nothing_about_accounts(
    world: World, api_as: Callable[[str], Api]
) -> None:
    """An existing account, one already a member and a login nobody uses get the very
    same answer, and none of them shows the person's mobile number or e-mail."""
    world.jiangsu_staff.mobile = "13900000017"
    world.jiangsu_staff.save(update_fields=["mobile"])
    api = api_as("owner_admin")
    path = f"/organizations/{world.enterprise.pk}/members"

    answers = [
        api.post(path, {"login": login})
        for login in (
            "13900000017",  # a registered account, by mobile
            world.owner_member.email,  # already a member
            "nobody@example.com",  # no such account
            "13900000099",  # no such mobile
        )
    ]

    assert {(r.status_code, r.content) for r in answers} == {(202, answers[0].content)}
    assert answers[0].json() == {
        "detail": "已向该账号发送邀请（如账号存在）。对方接受后即成为成员。"
    }
    assert all(b"13900000017" not in r.content for r in answers)
    assert not Membership.objects.filter(
        user=world.jiangsu_staff, organization=world.enterprise
    ).exists()


def test_declined_membership_invitation_adds_nobody(
    world: World, api_as: Callable[[str], Api]
) -> None:
    api_as("owner_admin").post(
        f"/organizations/{world.enterprise.pk}/members", {"login": world.jiangsu_staff.email}
    )
    invitee = api_as("jiangsu_staff")
    [invitation] = invitee.get("/invitations/mine").json()["items"]

    declined = invitee.post(f"/invitations/{invitation['id']}/decline")
    again = invitee.post(f"/invitations/{invitation['id']}/accept")

    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert (again.status_code, again.json()["code"]) == (409, "invitation_closed")
    assert not Membership.objects.filter(
        user=world.jiangsu_staff, organization=world.enterprise
    ).exists()
    assert invitee.get("/invitations/mine").json()["count"] == 0


def test_someone_elses_invitation_is_not_there(world: World, api_as: Callable[[str], Api]) -> None:
    api_as("owner_admin").post(
        f"/organizations/{world.enterprise.pk}/members", {"login": world.jiangsu_staff.email}
    )
    invitation = api_as("jiangsu_staff").get("/invitations/mine").json()["items"][0]
    others = {
        r: api_as(r) for r in ("owner_member", "other_admin", "hangzhou_staff", "platform_admin")
    }
    before = db_state()

    for role, api in others.items():
        response = api.post(f"/invitations/{invitation['id']}/accept")
        assert (role, response.status_code) == (role, 404)
    assert db_state() == before
    assert not Membership.objects.filter(
        user=world.jiangsu_staff, organization=world.enterprise
    ).exists()


def test_the_last_admin_stays(world: World, api_as: Callable[[str], Api]) -> None:
    membership = Membership.objects.get(user=world.owner_admin, organization=world.enterprise)
    api = api_as("owner_admin")
    before = db_state()

    response = api.patch(
        f"/organizations/{world.enterprise.pk}/members/{membership.pk}", {"role": "member"}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"role"}
    assert db_state() == before


def test_a_membership_is_addressed_through_its_organisation(
    world: World, api_as: Callable[[str], Api]
) -> None:
    # hangzhou_staff manages the enterprise, but not 江苏's enterprise, and the membership
    # id of the other enterprise's admin must not be reachable through the enterprise.
    other = Membership.objects.get(user=world.other_admin)
    api = api_as("hangzhou_staff")
    before = db_state()

    response = api.delete(f"/organizations/{world.enterprise.pk}/members/{other.pk}")

    assert response.status_code == 404
    assert db_state() == before


def test_audit_lists_the_subtree_only(world: World, api_as: Callable[[str], Api]) -> None:
    api_as("owner_admin").patch(f"/organizations/{world.enterprise.pk}", {"short_name": "测温"})
    api_as("other_admin").patch(
        f"/organizations/{world.other_enterprise.pk}", {"short_name": "流量"}
    )

    hangzhou = api_as("hangzhou_staff").get(f"/organizations/{world.hangzhou.pk}/audit").json()
    national = api_as("platform_admin").get(f"/organizations/{world.national.pk}/audit").json()

    org_ids = {e["organization"]["id"] for e in hangzhou["items"] if e["organization"]}
    assert org_ids <= {world.hangzhou.pk, world.enterprise.pk}
    assert hangzhou["items"][0]["after"] == {"short_name": "测温"}
    assert hangzhou["items"][0]["actor"]["display_name"] == "企业管理员"
    assert national["count"] > hangzhou["count"]
