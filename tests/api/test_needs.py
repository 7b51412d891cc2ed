"""/api/v1/needs: bad input changes nothing, the whole flow works, contacts stay private."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from kechuang.catalog.models import Attachment, Need
from tests.api.conftest import PDF, Api, db_state, move
from tests.conftest import World, need_data


def body(world: World, **overrides: Any) -> dict[str, Any]:
    data = need_data()
    data["region"] = data.pop("region_id")
    data["industry"] = data.pop("industry_id")
    data["keywords"] = ["电池热管理", "液冷板"]
    data["organization"] = world.enterprise.pk
    data.update(overrides)
    return data


def problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

BAD_BODIES = [
    pytest.param({"title": ""}, {"title"}, id="empty-title"),
    pytest.param({"title": "长" * 101}, {"title"}, id="over-long-title"),
    pytest.param({"budget_min": "200", "budget_max": "100"}, {"budget_max"}, id="budget-min>max"),
    pytest.param({"region": "999999"}, {"region"}, id="unknown-region"),
    pytest.param({"industry": "Z99"}, {"industry"}, id="unknown-industry"),
    pytest.param({"disciplines": ["000"]}, {"disciplines"}, id="unknown-discipline"),
    pytest.param({"cooperation_modes": []}, {"cooperation_modes"}, id="no-cooperation-mode"),
    pytest.param({"deadline": YESTERDAY}, {"deadline"}, id="past-deadline"),
    pytest.param({"title": 123, "budget_min": "abc"}, {"title", "budget_min"}, id="wrong-types"),
    pytest.param({"deadline": "next week"}, {"deadline"}, id="not-a-date"),
    pytest.param({"colour": "red"}, {"colour"}, id="unknown-field"),
    pytest.param({"contact_visibility": "everyone"}, {"contact_visibility"}, id="bad-choice"),
    pytest.param({"organization": 999999}, {"organization"}, id="unknown-organization"),
]


@pytest.mark.parametrize(("overrides", "fields"), BAD_BODIES)
def test_create_with_bad_input_is_422_and_saves_nothing(
    world: World, api_as: Callable[[str], Api], overrides: dict[str, Any], fields: set[str]
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post("/needs", body(world, **overrides))

    assert response.status_code == 422
    data = problem(response)
    assert data["code"] == "validation_failed"
    assert set(data["errors"]) == fields
    assert db_state() == before


def test_malformed_json_is_422(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post("/needs", raw='{"title": "未闭合')

    assert response.status_code == 422
    data = problem(response)
    assert data["code"] == "validation_failed"
    assert data["errors"] == {"__all__": ["请求体不是有效的 JSON。"]}
    assert db_state() == before


def test_json_that_is_not_an_object_is_422(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post("/needs", ["标题"])

    assert response.status_code == 422
    assert problem(response)["code"] == "validation_failed"
    assert db_state() == before


def test_update_with_bad_input_changes_nothing(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.patch(f"/needs/{draft_need.pk}", {"title": "好", "budget_min": "300"})

    assert response.status_code == 422
    assert set(problem(response)["errors"]) == {"title", "budget_max"}
    assert db_state() == before


def test_update_changes_only_the_fields_sent(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    response = api_as("owner_admin").patch(
        f"/needs/{draft_need.pk}", {"title": "储能电池包液冷板优化", "keywords": ["液冷"]}
    )

    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "储能电池包液冷板优化"
    assert data["keywords"] == ["液冷"]
    assert data["budget_min"] == "50.00"
    assert data["disciplines"] == [
        {"code": "470", "name": "动力与电气工程", "name_en": "Power and Electrical Engineering"}
    ]
    need = Need.objects.get(pk=draft_need.pk)
    assert (need.title, need.keywords, need.contact_name) == (
        "储能电池包液冷板优化",
        "液冷",
        "王工",
    )


def test_update_of_a_published_need_is_409(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    move(draft_need, world, "submit", "publish")
    api = api_as("owner_admin")
    before = db_state()

    response = api.patch(f"/needs/{draft_need.pk}", {"title": "新的标题内容"})

    assert response.status_code == 409
    assert problem(response)["code"] == "invalid_transition"
    assert db_state() == before


def test_another_organisations_draft_looks_missing(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    api = api_as("other_admin")
    before = db_state()

    hidden = api.patch(f"/needs/{draft_need.pk}", {"title": "抢先修改的标题"})
    missing = api.patch("/needs/999999", {"title": "抢先修改的标题"})

    assert (hidden.status_code, missing.status_code) == (404, 404)
    hidden_body, missing_body = problem(hidden), problem(missing)
    assert hidden_body.pop("instance") == f"/api/v1/needs/{draft_need.pk}"
    assert missing_body.pop("instance") == "/api/v1/needs/999999"
    assert hidden_body == missing_body
    assert hidden_body["code"] == "not_found"
    assert db_state() == before


def test_invalid_transition_is_409(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    api = api_as("hangzhou_staff")
    before = db_state()

    response = api.post(f"/needs/{draft_need.pk}/actions/publish")

    assert response.status_code == 409
    assert problem(response)["code"] == "invalid_transition"
    assert db_state() == before


def test_return_needs_a_reason(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    move(draft_need, world, "submit")
    api = api_as("hangzhou_staff")
    before = db_state()

    response = api.post(f"/needs/{draft_need.pk}/actions/return", {})

    assert response.status_code == 422
    assert problem(response)["errors"] == {"reason": ["请填写退回理由。"]}
    assert db_state() == before


def test_unknown_action_is_422(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post(f"/needs/{draft_need.pk}/actions/expire")

    assert response.status_code == 422
    assert set(problem(response)["errors"]) == {"action"}
    assert db_state() == before


def test_full_flow_create_submit_publish_then_anonymous_finds_it(
    world: World, api_as: Callable[[str], Api]
) -> None:
    owner, reviewer, anonymous = api_as("owner_admin"), api_as("hangzhou_staff"), Api()

    created = owner.post("/needs", body(world, title="高温熔盐泵密封技术攻关"))
    assert created.status_code == 201
    need_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert anonymous.get("/needs", {"q": "熔盐泵"}).json()["count"] == 0

    submitted = owner.post(f"/needs/{need_id}/actions/submit")
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")

    published = reviewer.post(f"/needs/{need_id}/actions/publish", {"reason": "符合要求"})
    assert (published.status_code, published.json()["status"]) == (200, "published")

    found = anonymous.get("/needs", {"q": "熔盐泵", "region": "330000", "industry": "C"})
    assert found.status_code == 200
    page = found.json()
    assert (page["count"], page["page"], page["page_size"]) == (1, 1, 20)
    assert [item["id"] for item in page["items"]] == [need_id]
    assert page["items"][0]["organization"] == {
        "id": world.enterprise.pk,
        "name": "杭州测温科技有限公司",
        "kind": "enterprise",
    }
    assert anonymous.get(f"/needs/{need_id}").status_code == 200


def test_list_filters(world: World, api_as: Callable[[str], Api]) -> None:
    owner = api_as("owner_admin")
    ids = [
        owner.post("/needs", body(world, title=f"液冷板需求第{i}号")).json()["id"] for i in (1, 2)
    ]
    for need_id in ids:
        move(Need.objects.get(pk=need_id), world, "submit", "publish")
    anonymous = Api()

    def found(**params: Any) -> list[int]:
        return sorted(item["id"] for item in anonymous.get("/needs", params).json()["items"])

    assert found() == sorted(ids)
    assert found(region="320000") == []
    assert found(industry="C38") == sorted(ids)
    assert found(discipline="470", cooperation_mode="development") == sorted(ids)
    assert found(cooperation_mode="licensing") == []
    assert found(organization=world.enterprise.pk) == sorted(ids)
    assert found(organization=world.other_enterprise.pk) == []


def test_drafts_are_listed_only_for_their_own_scope(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    def draft_ids(role: str) -> list[int]:
        client = Api() if role == "anonymous" else api_as(role)
        response = client.get("/needs", {"status": "draft"})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert draft_ids("anonymous") == []
    assert draft_ids("other_admin") == []
    assert draft_ids("jiangsu_staff") == []
    assert draft_ids("owner_member") == [draft_need.pk]
    assert draft_ids("hangzhou_staff") == [draft_need.pk]
    assert draft_ids("platform_admin") == [draft_need.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "first"}, "page"),
        ({"status": "archived"}, "status"),
    ],
)
def test_pagination_and_filter_bounds(world: World, params: dict[str, Any], field: str) -> None:
    response = Api().get("/needs", params)

    assert response.status_code == 422
    data = problem(response)
    assert data["code"] == "validation_failed"
    assert set(data["errors"]) == {field}


def test_pages(world: World, api_as: Callable[[str], Api]) -> None:
    owner = api_as("owner_admin")
    for i in range(3):
        owner.post("/needs", body(world, title=f"分页测试需求{i}"))

    first = owner.get("/needs", {"status": "draft", "page_size": 2}).json()
    second = owner.get("/needs", {"status": "draft", "page_size": 2, "page": 2}).json()
    beyond = owner.get("/needs", {"status": "draft", "page_size": 2, "page": 3}).json()

    assert (first["count"], len(first["items"])) == (3, 2)
    assert (second["count"], second["page"], len(second["items"])) == (3, 2, 1)
    assert (beyond["count"], beyond["items"]) == (3, [])
    seen = {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]}
    assert len(seen) == 3


# ---------------------------------------------------------------- contact visibility


@pytest.mark.parametrize(
    ("visibility", "role", "shown"),
    [
        ("public", "anonymous", True),
        ("members", "anonymous", False),
        ("members", "other_admin", True),
        ("after_docking", "other_admin", False),
        ("after_docking", "jiangsu_staff", False),
        ("after_docking", "owner_member", True),
        ("after_docking", "hangzhou_staff", True),
    ],
)
def test_contact_is_returned_only_when_visible(
    world: World, api_as: Callable[[str], Api], visibility: str, role: str, shown: bool
) -> None:
    need = Need.objects.get(
        pk=api_as("owner_admin")
        .post("/needs", body(world, contact_visibility=visibility))
        .json()["id"]
    )
    move(need, world, "submit", "publish")

    client = Api() if role == "anonymous" else api_as(role)
    data = client.get(f"/needs/{need.pk}").json()

    assert data["contact_visibility"] == visibility
    expected = {"name": "王工", "phone": "0571-88886666", "email": "wang@example.com"}
    assert data["contact"] == (expected if shown else None)


# ---------------------------------------------------------------- attachments


def test_upload_list_download_and_delete_an_attachment(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    owner = api_as("owner_admin")

    uploaded = owner.upload(f"/needs/{draft_need.pk}/attachments", "技术方案.pdf", PDF)
    assert uploaded.status_code == 201
    attachment = uploaded.json()
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "技术方案.pdf",
        "application/pdf",
        len(PDF),
    )

    listed = owner.get(f"/needs/{draft_need.pk}/attachments").json()
    assert [a["id"] for a in listed] == [attachment["id"]]

    file = owner.get(f"/needs/{draft_need.pk}/attachments/{attachment['id']}/file")
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == PDF

    deleted = owner.delete(f"/needs/{draft_need.pk}/attachments/{attachment['id']}")
    assert deleted.status_code == 204
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # over the 10 MB file limit, under the request limit: the file check answers
        pytest.param("大文件.pdf", PDF + b"0" * (11 * 1024 * 1024), id="11MB"),
        pytest.param("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, id="exe-as-pdf"),
        pytest.param("script.pdf", b"#!/bin/sh\nrm -rf /\n", id="script-as-pdf"),
        pytest.param("图纸.png", PDF, id="pdf-as-png"),
        pytest.param("空.pdf", b"", id="empty"),
    ],
)
def test_bad_upload_is_422_invalid_file(
    world: World, draft_need: Need, api_as: Callable[[str], Api], name: str, content: bytes
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.upload(f"/needs/{draft_need.pk}/attachments", name, content)

    assert response.status_code == 422
    data = problem(response)
    assert data["code"] == "invalid_file"
    assert set(data["errors"]) == {"file"}
    assert db_state() == before


def test_upload_over_the_request_limit_is_413_before_it_is_read(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    """Past the file limit plus the form limit (12 MB) the edge refuses the whole request
    from its Content-Length (kechuang.web.edge), before the body is stored anywhere."""
    api = api_as("owner_admin")
    before = db_state()

    response = api.upload(
        f"/needs/{draft_need.pk}/attachments", "大文件.pdf", PDF + b"0" * (20 * 1024 * 1024)
    )

    assert response.status_code == 413
    data = problem(response)
    assert data["code"] == "request_too_large"
    assert data["title"] == "请求体过大（上限 12582912 字节）。"
    assert db_state() == before


def test_upload_without_a_file_is_422(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.client.post(f"/api/v1/needs/{draft_need.pk}/attachments", {}, **api.headers)

    assert response.status_code == 422
    assert problem(response)["errors"] == {"file": ["必填。"]}
    assert db_state() == before


def test_attachment_of_another_need_is_404(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    owner = api_as("owner_admin")
    other = owner.post("/needs", body(world)).json()["id"]
    attachment = owner.upload(f"/needs/{other}/attachments", "a.pdf", PDF).json()["id"]
    before = db_state()

    response = owner.delete(f"/needs/{draft_need.pk}/attachments/{attachment}")

    assert response.status_code == 404
    assert db_state() == before


@pytest.mark.parametrize(
    "title",
    [
        "\u200b\u200b\u200b\u200b\u200b",  # zero-width spaces
        "\u202e\u202d\u200f\u200e\u2066\u2069",  # direction overrides, marks and isolates
        "好\u200b\u200b\u200b",  # one visible character
        "\ufeff\u00ad\u200d\u2060",  # BOM, soft hyphen, joiner, word joiner
    ],
)
def test_titles_of_format_characters_are_too_short(
    world: World, draft_need: Need, api_as: Callable[[str], Api], title: str
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.patch(f"/needs/{draft_need.pk}", {"title": title})

    assert response.status_code == 422
    assert set(problem(response)["errors"]) == {"title"}
    assert db_state() == before


def test_format_characters_are_removed_from_a_title(
    world: World, draft_need: Need, api_as: Callable[[str], Api]
) -> None:
    response = api_as("owner_admin").patch(
        f"/needs/{draft_need.pk}", {"title": "\u202e电池\u200b液冷优化\u200f"}
    )

    assert response.status_code == 200, response.content.decode()
    assert response.json()["title"] == "电池液冷优化"
