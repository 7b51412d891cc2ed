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

    added = api.post(f"{org}/members", {"login": world.jiangsu_staff.email, "role": "staff"})
    assert added.status_code == 201
    membership = added.json()["id"]
    assert (added.json()["role"], added.json()["role_label"]) == ("staff", "工作人员")

    changed = api.patch(f"{org}/members/{membership}", {"role": "member"})
    assert (changed.status_code, changed.json()["role"]) == (200, "member")

    listed = api.get(f"{org}/members").json()
    assert listed["count"] == 3

    removed = api.delete(f"{org}/members/{membership}")
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=membership).exists()


def test_member_add_of_an_unknown_login_is_422(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post(
        f"/organizations/{world.enterprise.pk}/members", {"login": "nobody@example.com"}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"login"}
    assert db_state() == before


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
