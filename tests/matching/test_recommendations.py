"""Recommendations with reasons (API, detail-page panels, workspace), "not relevant", digest."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from kechuang.catalog.choices import ExpertStatus
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.services.digest import recommendation_digest_send as digest_send
from kechuang.matching import indexing
from kechuang.matching.models import Dismissal
from kechuang.orgs.choices import OrgKind
from tests.api.conftest import Api, token_for
from tests.conftest import World, client_for
from tests.factories import OrganizationFactory
from tests.matching.conftest import (
    Search,
    make_achievement,
    make_expert,
    make_need,
    make_other_achievement,
)


@pytest.fixture
def records(world: World, search_on: Search) -> dict[str, Any]:
    need = make_need(world)
    draft = make_need(world, title="储能电池液冷草稿", published=False)
    achievement = make_achievement(world, title="电池液冷板流道优化技术")
    expert = make_expert(world)
    far = make_expert(
        world,
        name="王教授",
        keywords="古籍修复",
        works=[("宋代刻本研究", "")],
        affiliation="浙江图书馆",
        biography="研究宋代版本学。",
    )
    battery_co = OrganizationFactory(
        name="宁波电池液冷科技有限公司",
        parent=world.zhejiang,
        kind=OrgKind.ENTERPRISE,
        region_id="330200",
        description="储能电池液冷系统制造",
    )
    battery_uni = OrganizationFactory(
        name="电池液冷研究大学",
        parent=world.zhejiang,
        kind=OrgKind.UNIVERSITY,
        region_id="330100",
        description="储能电池液冷研究",
    )
    indexing.rebuild_index()
    return {
        "need": need,
        "draft": draft,
        "achievement": achievement,
        "expert": expert,
        "far": far,
        "battery_co": battery_co,
        "battery_uni": battery_uni,
    }


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_need_to_experts_scores_by_the_best_work(records: dict[str, Any]) -> None:
    need, expert = records["need"], records["expert"]

    response = Api().get(f"/match/needs/{need.pk}/experts")

    assert response.status_code == 200
    body = response.json()
    assert (body["source"], body["target_kind"], body["degraded"]) == (
        f"need:{need.pk}",
        "expert",
        False,
    )
    assert ids(body) == [f"expert:{expert.pk}"]
    assert body["items"][0]["explanation"]["best_passage"] == (
        "锂离子电池液冷散热结构优化 工程热物理学报"
    )


def test_need_to_achievements_and_back(world: World, records: dict[str, Any]) -> None:
    need, own = records["need"], records["achievement"]
    theirs = make_other_achievement(world, title="电池液冷板流道优化技术")
    indexing.rebuild_index()

    forward = Api().get(f"/match/needs/{need.pk}/achievements").json()
    back = Api().get(f"/match/achievements/{theirs.pk}/needs").json()
    own_back = Api().get(f"/match/achievements/{own.pk}/needs").json()

    # the enterprise's own achievement is never recommended for its own need, and back
    assert ids(forward) == [f"achievement:{theirs.pk}"]
    assert ids(back) == [f"need:{need.pk}"]  # never the draft
    assert ids(own_back) == []


def test_achievement_to_organizations_lists_enterprises_only(records: dict[str, Any]) -> None:
    body = Api().get(f"/match/achievements/{records['achievement'].pk}/organizations").json()

    assert f"organization:{records['battery_co'].pk}" in ids(body)
    assert f"organization:{records['battery_uni'].pk}" not in ids(body)
    assert {item["kind"] for item in body["items"]} == {"organization"}


def test_expert_to_needs(records: dict[str, Any]) -> None:
    body = Api().get(f"/match/experts/{records['expert'].pk}/needs").json()

    assert ids(body) == [f"need:{records['need'].pk}"]


def test_hidden_expert_is_not_recommended_even_if_the_index_is_stale(
    records: dict[str, Any],
) -> None:
    ExpertProfile.objects.filter(pk=records["expert"].pk).update(status=ExpertStatus.HIDDEN)

    body = Api().get(f"/match/needs/{records['need'].pk}/experts").json()

    assert ids(body) == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("other_admin", 404),
        ("jiangsu_staff", 404),
        ("owner_member", 200),
        ("owner_admin", 200),
        ("hangzhou_staff", 200),
        ("platform_admin", 200),
    ],
)
def test_a_draft_source_follows_its_detail_visibility(
    world: World, records: dict[str, Any], role: str, status: int
) -> None:
    user = None if role == "anonymous" else getattr(world, role)
    api = Api(token_for(user) if user else None)

    response = api.get(f"/match/needs/{records['draft'].pk}/experts")

    assert response.status_code == status
    if status == 200:
        assert ids(response.json()) == [f"expert:{records['expert'].pk}"]
    else:
        assert response.json()["code"] == "not_found"


def test_limit_is_validated(records: dict[str, Any]) -> None:
    response = Api().get(f"/match/needs/{records['need'].pk}/experts", {"limit": 51})

    assert response.status_code == 422
    assert response.json()["errors"] == {"limit": ["不能大于 50。"]}


# ---------------------------------------------------------------- dismissals


def test_dismissing_hides_the_recommendation_for_that_user_only(
    world: World, records: dict[str, Any]
) -> None:
    need, expert = records["need"], records["expert"]
    api = Api(token_for(world.owner_admin))
    body = {"source": f"need:{need.pk}", "target": f"expert:{expert.pk}"}

    first = api.post("/match/dismissals", body)
    again = api.post("/match/dismissals", body)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["source"], first.json()["target"]) == (body["source"], body["target"])
    assert Dismissal.objects.filter(user=world.owner_admin).count() == 1
    assert ids(api.get(f"/match/needs/{need.pk}/experts").json()) == []
    other = Api(token_for(world.owner_member))
    assert ids(other.get(f"/match/needs/{need.pk}/experts").json()) == [f"expert:{expert.pk}"]


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (
            {"source": "need", "target": "expert:1"},
            422,
            {"source": ["不是有效的对象标识，应为 need:12 这样的形式。"]},
        ),
        (
            {"source": "need:1", "target": "bogus:1"},
            422,
            {"target": ["不是有效的对象标识，应为 expert:7 这样的形式。"]},
        ),
        ({"source": "need:1"}, 422, {"target": ["必填。"]}),
        ({"source": "need:1", "target": "expert:1", "x": 1}, 422, {"x": ["不允许的字段。"]}),
    ],
)
def test_bad_dismissals_change_nothing(
    world: World, records: dict[str, Any], body: dict[str, Any], status: int, errors: Any
) -> None:
    response = Api(token_for(world.owner_admin)).post("/match/dismissals", body)

    assert response.status_code == status
    assert response.json()["errors"] == errors
    assert Dismissal.objects.count() == 0


def test_dismissing_for_an_invisible_source_is_not_found(
    world: World, records: dict[str, Any]
) -> None:
    body = {"source": f"need:{records['draft'].pk}", "target": f"expert:{records['expert'].pk}"}

    outsider = Api(token_for(world.other_admin)).post("/match/dismissals", body)
    anonymous = Api().post("/match/dismissals", body)

    assert (outsider.status_code, anonymous.status_code) == (404, 401)
    assert Dismissal.objects.count() == 0


# ---------------------------------------------------------------- pages


def test_detail_pages_load_their_panels_with_htmx(world: World, records: dict[str, Any]) -> None:
    need, achievement, expert = records["need"], records["achievement"], records["expert"]
    client = client_for(None)

    need_page = client.get(f"/needs/{need.pk}/").content.decode()
    achievement_page = client.get(f"/achievements/{achievement.pk}/").content.decode()
    expert_page = client.get(f"/experts/{expert.pk}/").content.decode()

    assert f'hx-get="/match/need/{need.pk}/expert/"' in need_page
    assert f'hx-get="/match/need/{need.pk}/achievement/"' in need_page
    assert f'hx-get="/match/achievement/{achievement.pk}/need/"' in achievement_page
    assert f'hx-get="/match/achievement/{achievement.pk}/organization/"' in achievement_page
    assert f'hx-get="/match/expert/{expert.pk}/need/"' in expert_page


def test_panel_shows_reasons_and_the_dismiss_button(world: World, records: dict[str, Any]) -> None:
    need, expert = records["need"], records["expert"]

    html = client_for(world.owner_admin).get(f"/match/need/{need.pk}/expert/").content.decode()

    assert f'data-result="expert:{expert.pk}"' in html
    assert "为什么推荐" in html
    assert "锂离子电池液冷散热结构优化 工程热物理学报" in html
    assert f'name="target" value="expert:{expert.pk}"' in html


def test_panel_for_anonymous_has_no_dismiss_button(records: dict[str, Any]) -> None:
    html = client_for(None).get(f"/match/need/{records['need'].pk}/expert/").content.decode()

    assert 'data-result="expert:' in html
    assert "/match/dismiss/" not in html


def test_panel_refuses_what_the_viewer_may_not_see(world: World, records: dict[str, Any]) -> None:
    draft = records["draft"]

    assert client_for(None).get(f"/match/need/{draft.pk}/expert/").status_code == 404
    assert client_for(world.other_admin).get(f"/match/need/{draft.pk}/expert/").status_code == 404
    assert client_for(None).get(f"/match/need/{draft.pk}/organization/").status_code == 404
    assert client_for(None).get(f"/match/alien/{draft.pk}/need/").status_code == 404


def test_dismiss_with_htmx_removes_the_card(world: World, records: dict[str, Any]) -> None:
    need, expert = records["need"], records["expert"]
    client = client_for(world.owner_admin)

    response = client.post(
        "/match/dismiss/",
        {"source": f"need:{need.pk}", "target": f"expert:{expert.pk}"},
        HTTP_HX_REQUEST="true",
    )

    assert (response.status_code, response.content) == (200, b"")
    html = client.get(f"/match/need/{need.pk}/expert/").content.decode()
    assert 'data-result="expert:' not in html
    assert "暂无合适的匹配。" in html


def test_dismiss_needs_login_and_valid_ids(world: World, records: dict[str, Any]) -> None:
    anonymous = client_for(None).post("/match/dismiss/", {"source": "need:1", "target": "x"})
    bad = client_for(world.owner_admin).post("/match/dismiss/", {"source": "x", "target": "y"})

    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert bad.status_code == 422
    assert Dismissal.objects.count() == 0


def test_workspace_widget_recommends_for_the_users_published_items(
    world: World, records: dict[str, Any]
) -> None:
    client = client_for(world.owner_admin)

    page = client.get("/workspace/").content.decode()
    widget = client.get("/match/workspace/").content.decode()

    assert 'hx-get="/match/workspace/"' in page
    assert f'data-result="expert:{records["expert"].pk}"' in widget
    # the achievement and the need are both the enterprise's own: no need is recommended
    assert f'data-result="need:{records["need"].pk}"' not in widget


def test_degraded_panel_says_so(world: World, records: dict[str, Any], settings: Any) -> None:
    settings.KECHUANG_SEARCH_BACKEND = "database"

    html = client_for(None).get(f"/match/need/{records['need'].pk}/expert/").content.decode()

    assert "推荐暂不可用：搜索索引正在重建。" in html


# ---------------------------------------------------------------- digest


def test_digest_mails_each_managing_member_their_matches(
    world: World, records: dict[str, Any]
) -> None:
    sent = digest_send(days=7)

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert sent == len(mail.outbox) >= 1
    assert world.owner_admin.email in recipients
    assert world.owner_member.email not in recipients  # a plain member
    body = next(m.body for m in mail.outbox if m.to == [world.owner_admin.email])
    assert "· 「动力电池包液冷热管理优化」→ 专家：陈建国" in body


def test_digest_dry_run_prints_and_sends_nothing(world: World, records: dict[str, Any]) -> None:
    printed: list[str] = []

    sent = digest_send(days=7, dry_run=True, write=lambda *lines: printed.extend(lines))

    assert sent >= 1
    assert mail.outbox == []
    assert any("· 「动力电池包液冷热管理优化」→ 专家：陈建国" in line for line in printed)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/needs/", "/needs/"),
        ("http://testserver/achievements/", "http://testserver/achievements/"),
        ("https://evil.example/phish", "/workspace/"),
        ("//evil.example/phish", "/workspace/"),
        ("/\\evil.example", "/workspace/"),
        ("javascript:alert(1)", "/workspace/"),
        ("accounts:logout", "/workspace/"),  # a URL name is not reversed either
    ],
)
def test_dismiss_page_redirects_only_within_the_site(
    world: World, records: dict[str, Any], next_url: str, expected: str
) -> None:
    client = client_for(world.owner_admin)
    body = {
        "source": f"need:{records['need'].pk}",
        "target": f"expert:{records['expert'].pk}",
        "next": next_url,
    }

    response = client.post(reverse("web:dismiss"), body)

    assert response.status_code == 302
    assert response["Location"] == expected
