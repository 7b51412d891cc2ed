"""The association admin area: scope, child organisations, members, audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from kechuang.audit.models import AuditEntry
from kechuang.orgs.choices import OrgKind, Role
from kechuang.orgs.models import Membership, Organization
from kechuang.orgs.services import membership_add
from tests.conftest import World, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"web:{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def membership_of(world: World, user: Any, org: Organization) -> Membership:
    return Membership.objects.get(user=user, organization=org)


# --- who gets in -----------------------------------------------------------------------


def test_manage_needs_login() -> None:
    response = Client().get(url("manage"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["owner_member"])
def test_manage_is_404_for_non_managers(world: World, who: str) -> None:
    client = client_for(getattr(world, who))

    assert client.get(url("manage")).status_code == 404
    for name in (
        "manage_org",
        "manage_members",
        "manage_org_edit",
        "manage_audit",
        "manage_org_create",
    ):
        assert client.get(url(name, world.enterprise.pk)).status_code == 404


def test_manage_index_lists_managed_organisations(world: World) -> None:
    staff = client_for(world.hangzhou_staff).get(url("manage"))
    platform = client_for(world.platform_admin).get(url("manage"))

    assert [o.pk for o in staff.context["orgs"]] == [world.hangzhou.pk]
    assert [o.pk for o in platform.context["orgs"]] == [world.national.pk]


@pytest.mark.parametrize(
    "page", ["manage_org", "manage_members", "manage_org_edit", "manage_audit", "manage_org_create"]
)
def test_subtree_only(world: World, page: str) -> None:
    """江苏 staff manage 江苏 and below, and see nothing of 浙江."""
    client = client_for(world.jiangsu_staff)

    for org in (world.jiangsu, world.other_enterprise):
        assert client.get(url(page, org.pk)).status_code == 200
    for org in (world.zhejiang, world.hangzhou, world.enterprise, world.national):
        assert client.get(url(page, org.pk)).status_code == 404
    assert client.get(url(page, 999_999)).status_code == 404


def test_subtree_page_lists_children_with_counts(world: World, draft_need: Any) -> None:
    response = client_for(world.hangzhou_staff).get(url("manage_org", world.hangzhou.pk))

    assert response.status_code == 200
    children = response.context["children"]
    assert [(c.name, c.member_count, counts) for c, counts in children] == [
        ("杭州测温科技有限公司", 2, {"needs": 1, "achievements": 0})
    ]
    # The breadcrumb only shows associations this user manages.
    assert response.context["ancestors"] == []


# --- child organisations and editing ---------------------------------------------------


def child_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "杭州新材料研究院",
        "short_name": "新材院",
        "kind": OrgKind.INSTITUTE,
        "level": "",
        "region": "330100",
        "industry": "",
        "credit_code": "",
        "website": "",
        "description": "新型功能材料研发与中试。",
    }
    data.update(overrides)
    return data


def test_create_child_organisation(world: World) -> None:
    response = client_for(world.hangzhou_staff).post(
        url("manage_org_create", world.hangzhou.pk), child_data()
    )

    org = Organization.objects.get(name="杭州新材料研究院")
    assert response.status_code == 302
    assert response["Location"] == url("manage_org", org.pk)
    assert (org.parent_id, org.kind, org.short_name, org.path) == (
        world.hangzhou.pk,
        OrgKind.INSTITUTE,
        "新材院",
        f"{world.hangzhou.path}{org.pk}/",
    )


def test_create_child_with_wrong_level_shows_error_and_changes_nothing(world: World) -> None:
    count = Organization.objects.count()

    response = client_for(world.hangzhou_staff).post(
        url("manage_org_create", world.hangzhou.pk),
        child_data(kind=OrgKind.ASSOCIATION, level="province"),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["上级必须是全国科协。"]
    assert Organization.objects.count() == count


def test_create_child_outside_scope_is_404(world: World) -> None:
    count = Organization.objects.count()

    response = client_for(world.jiangsu_staff).post(
        url("manage_org_create", world.zhejiang.pk), child_data()
    )

    assert response.status_code == 404
    assert Organization.objects.count() == count


def test_edit_organisation(world: World) -> None:
    response = client_for(world.owner_admin).post(
        url("manage_org_edit", world.enterprise.pk),
        {
            "name": "杭州测温科技股份有限公司",
            "short_name": "测温科技",
            "region": "330106",
            "industry": "C40",
            "credit_code": "",
            "website": "https://example.com",
            "description": "工业测温仪表。",
        },
    )

    assert response.status_code == 302
    world.enterprise.refresh_from_db()
    assert (world.enterprise.name, world.enterprise.industry_id, world.enterprise.region_id) == (
        "杭州测温科技股份有限公司",
        "C40",
        "330106",
    )
    entry = AuditEntry.objects.filter(
        object_type="organization", object_id=str(world.enterprise.pk)
    ).first()
    assert entry is not None and entry.after["name"] == "杭州测温科技股份有限公司"


def test_edit_form_keeps_county_region(world: World) -> None:
    response = client_for(world.owner_admin).get(url("manage_org_edit", world.enterprise.pk))

    assert 'value="330106" selected' in response.content.decode()


def test_edit_invalid_changes_nothing(world: World) -> None:
    before = Organization.objects.filter(pk=world.enterprise.pk).values().get()

    response = client_for(world.owner_admin).post(
        url("manage_org_edit", world.enterprise.pk),
        {"name": "", "region": "330106", "website": "not a url"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "website"}
    assert Organization.objects.filter(pk=world.enterprise.pk).values().get() == before


# --- members ---------------------------------------------------------------------------


def test_members_list(world: World) -> None:
    response = client_for(world.hangzhou_staff).get(url("manage_members", world.enterprise.pk))

    assert sorted((m.user.display_name, m.role) for m in response.context["members"]) == [
        ("企业成员", Role.MEMBER),
        ("企业管理员", Role.ADMIN),
    ]


INVITE_SENT = "已向该账号发送邀请（如账号存在）。对方接受后即成为成员。"


@pytest.mark.parametrize("by", ["email", "mobile"])
def test_invite_member_by_login_who_accepts(world: World, by: str) -> None:
    newcomer = UserFactory(display_name="新同事", mobile="13600001111")

    response = client_for(world.owner_admin).post(
        url("manage_members", world.enterprise.pk),
        {"login": getattr(newcomer, by), "role": Role.STAFF},
    )

    assert response.status_code == 302
    assert messages_of(response) == [INVITE_SENT]
    assert not Membership.objects.filter(user=newcomer).exists()  # not before consent
    invitee = client_for(newcomer)
    inbox = invitee.get(reverse("invitations:list"))
    [(invitation, summary)] = inbox.context["pending"]
    assert summary == "加入组织“杭州测温科技有限公司”（工作人员）"

    accepted = invitee.post(reverse("invitations:accept", args=[invitation.pk]))

    assert accepted.status_code == 302
    assert messages_of(accepted) == ["已接受邀请。"]
    assert membership_of(world, newcomer, world.enterprise).role == Role.STAFF


def test_invite_answers_the_same_for_any_login(world: World) -> None:
    """A registered account, a member already and an unknown login: the same redirect
    and the same message; the page after it shows no mobile number."""
    UserFactory(display_name="新同事", email="new@example.com", mobile="13600001111")
    count = Membership.objects.count()

    answers = [
        client_for(world.owner_admin).post(
            url("manage_members", world.enterprise.pk), {"login": login, "role": Role.ADMIN}
        )
        for login in ("new@example.com", "13600001111", world.owner_member.email, "nobody@x.cn")
    ]

    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, url("manage_members", world.enterprise.pk))
    }
    assert [messages_of(r) for r in answers] == [[INVITE_SENT]] * 4
    page = client_for(world.owner_admin).get(url("manage_members", world.enterprise.pk))
    page = page.content.decode()
    assert "13600001111" not in page and "new@example.com" not in page
    assert Membership.objects.count() == count
    assert membership_of(world, world.owner_member, world.enterprise).role == Role.MEMBER


def test_declined_invitation_adds_nobody(world: World) -> None:
    newcomer = UserFactory(display_name="新同事")
    client_for(world.owner_admin).post(
        url("manage_members", world.enterprise.pk), {"login": newcomer.email, "role": Role.ADMIN}
    )
    invitee = client_for(newcomer)
    [(invitation, _summary)] = invitee.get(reverse("invitations:list")).context["pending"]

    declined = invitee.post(reverse("invitations:decline", args=[invitation.pk]))
    late = invitee.post(reverse("invitations:accept", args=[invitation.pk]))

    assert messages_of(declined) == ["已谢绝邀请。"]
    assert messages_of(late)[-1] == "该邀请已谢绝，不能再答复。"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_change_role(world: World) -> None:
    m = membership_of(world, world.owner_member, world.enterprise)

    response = client_for(world.hangzhou_staff).post(
        url("manage_member_role", world.enterprise.pk, m.pk), {"role": Role.STAFF}
    )

    assert response.status_code == 302
    assert response["Location"] == url("manage_members", world.enterprise.pk)
    m.refresh_from_db()
    assert m.role == Role.STAFF


def test_keep_one_admin(world: World) -> None:
    m = membership_of(world, world.owner_admin, world.enterprise)

    demote = client_for(world.owner_admin).post(
        url("manage_member_role", world.enterprise.pk, m.pk), {"role": Role.MEMBER}
    )
    remove = client_for(world.owner_admin).post(
        url("manage_member_remove", world.enterprise.pk, m.pk)
    )

    assert demote.status_code == remove.status_code == 302
    assert messages_of(demote) == ["组织至少需要保留一名管理员。"]
    assert messages_of(remove) == ["组织至少需要保留一名管理员。"]
    m.refresh_from_db()
    assert m.role == Role.ADMIN


def test_remove_member(world: World) -> None:
    m = membership_of(world, world.owner_member, world.enterprise)

    response = client_for(world.owner_admin).post(
        url("manage_member_remove", world.enterprise.pk, m.pk)
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()
    assert messages_of(response) == ["成员已移除。"]


def test_member_actions_outside_scope_are_404(world: World) -> None:
    m = membership_of(world, world.owner_member, world.enterprise)
    client = client_for(world.jiangsu_staff)

    role = client.post(url("manage_member_role", world.enterprise.pk, m.pk), {"role": Role.ADMIN})
    # An organisation the user manages, with a membership of another one.
    mixed = client.post(url("manage_member_remove", world.jiangsu.pk, m.pk))

    assert role.status_code == mixed.status_code == 404
    m.refresh_from_db()
    assert m.role == Role.MEMBER


def test_member_actions_need_post(world: World) -> None:
    m = membership_of(world, world.owner_member, world.enterprise)

    response = client_for(world.owner_admin).get(
        url("manage_member_remove", world.enterprise.pk, m.pk)
    )

    assert response.status_code == 405
    assert Membership.objects.filter(pk=m.pk).exists()


# --- audit log -------------------------------------------------------------------------


def test_audit_log_is_scoped_to_subtree(world: World) -> None:
    hangzhou = client_for(world.hangzhou_staff).get(url("manage_audit", world.hangzhou.pk))
    jiangsu = client_for(world.jiangsu_staff).get(url("manage_audit", world.jiangsu.pk))

    def orgs_in(response: Any) -> set[int]:
        return {e.organization_id for e in response.context["page_obj"].object_list}

    assert orgs_in(hangzhou) == {world.hangzhou.pk, world.enterprise.pk}
    assert orgs_in(jiangsu) == {world.jiangsu.pk, world.other_enterprise.pk}


def test_audit_log_shows_actor_and_diff(world: World) -> None:
    m = membership_of(world, world.owner_member, world.enterprise)
    client_for(world.owner_admin).post(
        url("manage_member_role", world.enterprise.pk, m.pk), {"role": Role.STAFF}
    )

    response = client_for(world.owner_admin).get(url("manage_audit", world.enterprise.pk))

    row = response.context["rows"][0]
    entry = row.entry
    assert (entry.action, entry.object_type, entry.actor_id) == (
        "update",
        "membership",
        world.owner_admin.pk,
    )
    assert [(r["label"], r["before"], r["after"], r["changed"]) for r in row.diff] == [
        ("角色", "member", "staff", True)
    ]
    html = response.content.decode()
    assert "企业管理员" in html
    assert '<td class="kc-after">staff</td>' in html


def test_audit_log_paginates_and_serves_fragment(world: World) -> None:
    for i in range(30):
        membership_add(
            actor=world.owner_admin,
            organization=world.enterprise,
            user=UserFactory(display_name=f"成员{i}"),
        )
    client = client_for(world.owner_admin)

    first = client.get(url("manage_audit", world.enterprise.pk))
    second = client.get(
        url("manage_audit", world.enterprise.pk) + "?page=2", headers={"HX-Request": "true"}
    )

    assert len(first.context["page_obj"].object_list) == 25
    assert first.context["page_obj"].paginator.count == 33
    assert len(second.context["page_obj"].object_list) == 8
    assert second.content.decode().startswith('<div id="audit-entries">')
