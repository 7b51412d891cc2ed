"""Need pages: list and filters, detail permissions, create/edit, lifecycle, attachments."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Attachment, Need
from kechuang.catalog.services import attachment_add, listing_transition, need_create
from kechuang.catalog.uploads import CheckedUpload, check_upload
from tests.conftest import World, client_for, need_data

pytestmark = pytest.mark.django_db

LIST = reverse("web:need_list")
CREATE = reverse("web:need_create")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def detail(need: Need) -> str:
    return reverse("web:need_detail", args=[need.pk])


def action(need: Need, name: str) -> str:
    return reverse("web:need_action", args=[need.pk, name])


def published_need(world: World, **overrides: Any) -> Need:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(**overrides)
    )
    listing_transition(actor=world.owner_admin, item=need, action="submit")
    return listing_transition(actor=world.hangzhou_staff, item=need, action="publish")


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    """``need_data`` as the create form posts it."""
    data = need_data()
    data["region"] = data.pop("region_id")
    data["industry"] = data.pop("industry_id")
    data["organization"] = world.enterprise.pk
    data.update(overrides)
    return {k: "" if v is None else v for k, v in data.items()}


def listed_titles(response: Any) -> list[str]:
    return [item.title for item in response.context["items"]]


def snapshot(need: Need) -> dict[str, Any]:
    need.refresh_from_db()
    return {
        "title": need.title,
        "status": need.status,
        "budget_min": need.budget_min,
        "budget_max": need.budget_max,
        "deadline": need.deadline,
        "region": need.region_id,
        "updated_at": need.updated_at,
    }


# ---------------------------------------------------------------- list


def test_list_shows_only_published_needs(world: World, draft_need: Need) -> None:
    published_need(world, title="已发布的流量计需求")

    response = Client().get(LIST)

    assert response.status_code == 200
    assert listed_titles(response) == ["已发布的流量计需求"]
    body = response.content.decode()
    assert "已发布的流量计需求" in body
    assert draft_need.title not in body
    assert "杭州测温科技有限公司" in body
    assert "50–120 万元" in body


def test_list_empty_state_is_chinese(world: World) -> None:
    response = Client().get(LIST)

    assert response.status_code == 200
    assert "还没有已发布的技术需求" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "330000"}, ["杭州需求甲"]),  # province code: prefix of 330106
        ({"region": "330100"}, ["杭州需求甲"]),  # city code
        ({"region": "320000"}, ["苏州需求乙"]),
        ({"industry": "C"}, ["苏州需求乙", "杭州需求甲"]),  # section matches its divisions
        ({"industry": "C38"}, ["杭州需求甲"]),
        ({"discipline": "460"}, ["苏州需求乙"]),
        ({"cooperation_mode": "consulting"}, ["苏州需求乙"]),
        ({"q": "液冷"}, ["杭州需求甲"]),
        ({"q": "液冷 储能"}, ["杭州需求甲"]),
        ({"q": "没有这个词"}, []),
    ],
)
def test_list_filters(world: World, query: dict[str, str], expected: list[str]) -> None:
    published_need(world, title="杭州需求甲")
    need = need_create(
        actor=world.other_admin,
        organization=world.other_enterprise,
        **need_data(
            title="苏州需求乙",
            region_id="320500",
            industry_id="C40",
            disciplines=["460"],
            cooperation_modes=["consulting"],
            description="两相流量计现场标定装置研制，需要在含气率 0–90% 范围内达到 5% 精度。",
            keywords="流量计，标定",
        ),
    )
    listing_transition(actor=world.other_admin, item=need, action="submit")
    listing_transition(actor=world.jiangsu_staff, item=need, action="publish")

    response = Client().get(LIST, query)

    assert response.status_code == 200
    assert listed_titles(response) == expected
    if not expected:
        assert "没有符合条件的结果" in response.content.decode()


def test_list_htmx_request_gets_only_the_results_fragment(world: World) -> None:
    published_need(world)

    response = Client().get(LIST, {"q": "液冷"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert "动力电池包液冷热管理优化" in body


def test_list_paginates_by_20_and_keeps_filters_in_page_links(world: World) -> None:
    for n in range(21):
        published_need(world, title=f"批量需求第{n:02d}号")

    first = Client().get(LIST, {"q": "批量"})
    second = Client().get(LIST, {"q": "批量", "page": "2"})

    assert len(first.context["items"]) == 20
    assert first.context["page_obj"].paginator.count == 21
    assert 'href="?q=%E6%89%B9%E9%87%8F&amp;page=2"' in first.content.decode()
    assert len(second.context["items"]) == 1


# ---------------------------------------------------------------- detail


@pytest.mark.parametrize("who", ["anonymous", "other_admin", "jiangsu_staff"])
def test_detail_of_another_organisations_draft_is_404(
    world: World, draft_need: Need, who: str
) -> None:
    user = None if who == "anonymous" else getattr(world, who)

    response = client_for(user).get(detail(draft_need))

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["owner_admin", "owner_member", "hangzhou_staff", "platform_admin"])
def test_detail_of_a_draft_is_visible_to_its_organisation_and_reviewers(
    world: World, draft_need: Need, who: str
) -> None:
    response = client_for(getattr(world, who)).get(detail(draft_need))

    assert response.status_code == 200
    body = response.content.decode()
    assert "动力电池包液冷热管理优化" in body
    assert "草稿" in body
    assert "电气机械和器材制造业" in body  # the vocabulary name, not the code only
    assert "技术开发" in body


def test_detail_shows_owner_actions_allowed_from_draft_only(world: World, draft_need: Need) -> None:
    response = client_for(world.owner_admin).get(detail(draft_need))

    body = response.content.decode()
    assert response.context["can_edit"] is True
    assert [a["action"] for a in response.context["owner_actions"]] == ["submit", "withdraw"]
    assert response.context["can_review"] is False
    assert f'action="{action(draft_need, "submit")}"' in body
    assert f'action="{action(draft_need, "publish")}"' not in body


def test_detail_shows_no_actions_to_a_plain_member(world: World, draft_need: Need) -> None:
    response = client_for(world.owner_member).get(detail(draft_need))

    assert response.context["owner_actions"] == []
    assert response.context["can_edit"] is False
    assert action(draft_need, "submit") not in response.content.decode()


def test_detail_shows_review_actions_to_the_association(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")

    response = client_for(world.hangzhou_staff).get(detail(draft_need))

    body = response.content.decode()
    assert response.context["can_review"] is True
    assert f'action="{action(draft_need, "publish")}"' in body
    assert f'action="{action(draft_need, "return")}"' in body


def test_detail_unknown_id_is_404(world: World) -> None:
    assert client_for(world.owner_admin).get("/needs/999999/").status_code == 404


# ---------------------------------------------------------------- contact visibility


@pytest.mark.parametrize(
    ("visibility", "who", "visible", "note"),
    [
        ("public", "anonymous", True, ""),
        ("members", "anonymous", False, "登录后可见"),
        ("members", "other_admin", True, ""),
        ("after_docking", "anonymous", False, "对接后可见"),
        ("after_docking", "other_admin", False, "对接后可见"),
        ("after_docking", "owner_member", True, ""),
        ("after_docking", "hangzhou_staff", True, ""),
    ],
)
def test_contact_visibility(
    world: World, visibility: str, who: str, visible: bool, note: str
) -> None:
    need = published_need(world, contact_visibility=visibility)
    user = None if who == "anonymous" else getattr(world, who)

    response = client_for(user).get(detail(need))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["contact_visible"] is visible
    assert ("0571-88886666" in body) is visible
    assert ("wang@example.com" in body) is visible
    if note:
        assert response.context["contact_note"] == note
        assert note in body


# ---------------------------------------------------------------- create and edit


def test_create_needs_login() -> None:
    response = Client().get(CREATE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_create_form_offers_the_managed_organisations(world: World) -> None:
    response = client_for(world.owner_admin).get(CREATE)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["organization"].choices) == [
        (world.enterprise.pk, "杭州测温科技有限公司")
    ]
    assert form["organization"].value() == world.enterprise.pk


def test_create_without_a_managed_organisation_explains_why(world: World) -> None:
    response = client_for(world.owner_member).get(CREATE)

    assert response.status_code == 200
    assert "您还没有可以代表发布的单位" in response.content.decode()
    assert "form" not in response.context


def test_create_need_happy_path(world: World) -> None:
    response = client_for(world.owner_admin).post(CREATE, form_data(world))

    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(need)
    assert need.status == "draft"
    assert need.organization == world.enterprise
    assert need.created_by == world.owner_admin
    assert need.title == "动力电池包液冷热管理优化"
    assert need.region_id == "330106"
    assert need.industry_id == "C38"
    assert str(need.budget_min) == "50.00"
    assert str(need.budget_max) == "120.00"
    assert [d.pk for d in need.disciplines.all()] == ["470"]
    assert [m.pk for m in need.cooperation_modes.all()] == ["development"]
    assert need.keywords == "电池热管理，液冷板，储能"


PAST = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        # Django's own zh-hans messages, from the model field's validation in the service.
        ({"title": ""}, "title", "此字段不能为空。"),
        ({"title": "长" * 101}, "title", "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
        ({"budget_min": "200", "budget_max": "100"}, "budget_max", "预算下限不能高于预算上限。"),
        ({"region": "999999"}, "region", "未知的行政区划代码：999999。"),
        ({"deadline": PAST}, "deadline", "截止日期不能早于今天。"),
        ({"cooperation_modes": []}, "cooperation_modes", "请至少选择一种合作方式。"),
        ({"disciplines": ["999"]}, "disciplines", "未知的代码：999。"),
    ],
)
def test_create_rejects_bad_input_and_saves_nothing(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    audit_before = AuditEntry.objects.count()
    data = form_data(world, **overrides)

    response = client_for(world.owner_admin).post(CREATE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    body = response.content.decode()
    assert message in body
    # The user's input is kept.
    assert response.context["form"]["contact_name"].value() == "王工"
    assert Need.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_create_for_an_organisation_not_managed_is_refused(world: World) -> None:
    data = form_data(world, organization=world.other_enterprise.pk)

    response = client_for(world.owner_admin).post(CREATE, data)

    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert Need.objects.count() == 0


def test_edit_saves_changes(world: World, draft_need: Need) -> None:
    url = reverse("web:need_edit", args=[draft_need.pk])

    response = client_for(world.owner_admin).post(url, form_data(world, title="新的需求标题"))

    assert response.status_code == 302
    draft_need.refresh_from_db()
    assert draft_need.title == "新的需求标题"


def test_edit_form_is_prefilled(world: World, draft_need: Need) -> None:
    url = reverse("web:need_edit", args=[draft_need.pk])

    response = client_for(world.owner_admin).get(url)

    form = response.context["form"]
    assert response.status_code == 200
    assert form["title"].value() == "动力电池包液冷热管理优化"
    assert form["region"].value() == "330106"
    assert form["disciplines"].value() == ["470"]
    assert "organization" not in form.fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"budget_min": "500"}, "budget_max"),
        ({"region": "999999"}, "region"),
        ({"deadline": PAST}, "deadline"),
    ],
)
def test_edit_rejects_bad_input_and_changes_nothing(
    world: World, draft_need: Need, overrides: dict[str, Any], field: str
) -> None:
    before = snapshot(draft_need)
    url = reverse("web:need_edit", args=[draft_need.pk])

    response = client_for(world.owner_admin).post(url, form_data(world, **overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    # The page title shows the saved title, not the rejected one.
    assert response.context["heading"] == "动力电池包液冷热管理优化"
    assert snapshot(draft_need) == before


@pytest.mark.parametrize("who", ["other_admin", "jiangsu_staff"])
def test_edit_of_another_organisations_draft_is_404(
    world: World, draft_need: Need, who: str
) -> None:
    before = snapshot(draft_need)
    url = reverse("web:need_edit", args=[draft_need.pk])

    response = client_for(getattr(world, who)).post(url, form_data(world, title="被篡改的标题"))

    assert response.status_code == 404
    assert snapshot(draft_need) == before


def test_edit_by_a_plain_member_is_403(world: World, draft_need: Need) -> None:
    url = reverse("web:need_edit", args=[draft_need.pk])

    response = client_for(world.owner_member).get(url)

    assert response.status_code == 403


# ---------------------------------------------------------------- lifecycle


def test_submit_publish_then_anonymous_sees_it(world: World, draft_need: Need) -> None:
    submitted = client_for(world.owner_admin).post(action(draft_need, "submit"))
    draft_need.refresh_from_db()
    assert submitted.status_code == 302
    assert submitted["Location"] == detail(draft_need)
    assert draft_need.status == "submitted"
    assert listed_titles(Client().get(LIST)) == []

    published = client_for(world.hangzhou_staff).post(action(draft_need, "publish"))
    draft_need.refresh_from_db()
    assert published.status_code == 302
    assert draft_need.status == "published"

    response = Client().get(LIST)
    assert listed_titles(response) == ["动力电池包液冷热管理优化"]
    assert Client().get(detail(draft_need)).status_code == 200


def test_return_requires_a_reason(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    before = snapshot(draft_need)

    response = client_for(world.hangzhou_staff).post(action(draft_need, "return"), {"reason": "  "})

    assert response.status_code == 422
    assert response.context["return_form"].errors["reason"] == ["请填写退回理由。"]
    assert "请填写退回理由。" in response.content.decode()
    assert snapshot(draft_need) == before


def test_return_with_a_reason_shows_it_to_the_owner(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")

    response = client_for(world.hangzhou_staff).post(
        action(draft_need, "return"), {"reason": "请补充技术指标。"}
    )

    draft_need.refresh_from_db()
    assert response.status_code == 302
    assert draft_need.status == "returned"
    assert draft_need.return_reason == "请补充技术指标。"
    owner_page = client_for(world.owner_admin).get(detail(draft_need)).content.decode()
    assert "退回理由" in owner_page
    assert "请补充技术指标。" in owner_page


def test_owner_cannot_publish_their_own_need(world: World, draft_need: Need) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    before = snapshot(draft_need)

    response = client_for(world.owner_admin).post(action(draft_need, "publish"))

    assert response.status_code == 403
    assert snapshot(draft_need) == before


@pytest.mark.parametrize("name", ["submit", "withdraw", "publish", "return"])
def test_other_admin_posting_an_action_gets_404_and_nothing_changes(
    world: World, draft_need: Need, name: str
) -> None:
    before = snapshot(draft_need)
    audit_before = AuditEntry.objects.count()

    response = client_for(world.other_admin).post(action(draft_need, name), {"reason": "x"})

    assert response.status_code == 404
    assert snapshot(draft_need) == before
    assert AuditEntry.objects.count() == audit_before


def test_anonymous_action_redirects_to_login(world: World, draft_need: Need) -> None:
    response = Client().post(action(draft_need, "submit"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    draft_need.refresh_from_db()
    assert draft_need.status == "draft"


def test_action_not_allowed_from_status_shows_a_message(world: World, draft_need: Need) -> None:
    before = snapshot(draft_need)

    response = client_for(world.owner_admin).post(action(draft_need, "close"), follow=True)

    assert response.status_code == 200
    assert "“草稿”状态下不能关闭。" in response.content.decode()
    assert snapshot(draft_need) == before


@pytest.mark.parametrize("name", ["expire", "nonsense"])
def test_unknown_or_system_action_is_404(world: World, draft_need: Need, name: str) -> None:
    response = client_for(world.platform_admin).post(action(draft_need, name))

    assert response.status_code == 404
    draft_need.refresh_from_db()
    assert draft_need.status == "draft"


def test_action_needs_post(world: World, draft_need: Need) -> None:
    response = client_for(world.owner_admin).get(action(draft_need, "submit"))

    assert response.status_code == 405


# ---------------------------------------------------------------- attachments


def upload_url(need: Need) -> str:
    return reverse("web:need_attachment_add", args=[need.pk])


def test_upload_a_pdf(world: World, draft_need: Need) -> None:
    upload = SimpleUploadedFile("方案说明.pdf", PDF, content_type="application/pdf")

    response = client_for(world.owner_admin).post(upload_url(draft_need), {"file": upload})

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.need == draft_need
    assert attachment.original_name == "方案说明.pdf"
    assert attachment.content_type == "application/pdf"


def test_upload_htmx_returns_the_attachments_panel(world: World, draft_need: Need) -> None:
    upload = SimpleUploadedFile("方案说明.pdf", PDF, content_type="application/pdf")

    response = client_for(world.owner_admin).post(
        upload_url(draft_need), {"file": upload}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<section class="card mb-3" id="attachments">')
    assert "方案说明.pdf" in body


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("大文件.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "文件过大：最大 10 MB。"),
        (
            "tool.pdf",
            b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4096,
            "只能上传 PDF 或图片（PNG、JPEG、WebP、GIF）文件。",
        ),
        ("empty.pdf", b"", None),
    ],
)
def test_upload_rejects_bad_files_and_saves_nothing(
    world: World, draft_need: Need, name: str, content: bytes, message: str | None
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = client_for(world.owner_admin).post(upload_url(draft_need), {"file": upload})

    assert response.status_code == 200
    errors = response.context["upload_form"].errors["file"]
    assert len(errors) == 1
    if message:
        assert errors == [message]
        assert message in response.content.decode()
    assert Attachment.objects.count() == 0


def test_an_upload_far_past_the_limit_is_refused_at_the_edge_with_a_clear_page(
    world: World, draft_need: Need
) -> None:
    upload = SimpleUploadedFile(
        "大文件.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), content_type="application/pdf"
    )

    response = client_for(world.owner_admin).post(upload_url(draft_need), {"file": upload})

    assert response.status_code == 413
    assert "文件过大：最大 10 MB。请返回上一页，换一个较小的文件。" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_upload_by_another_organisation_is_404(world: World, draft_need: Need) -> None:
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")

    response = client_for(world.other_admin).post(upload_url(draft_need), {"file": upload})

    assert response.status_code == 404
    assert Attachment.objects.count() == 0


def add_pdf(world: World, need: Need, name: str = "方案说明.pdf") -> Attachment:
    import io

    checked: CheckedUpload = check_upload(name, io.BytesIO(PDF), len(PDF))
    return attachment_add(actor=world.owner_admin, item=need, upload=checked)


def test_remove_attachment(world: World, draft_need: Need) -> None:
    attachment = add_pdf(world, draft_need)
    url = reverse("web:need_attachment_remove", args=[draft_need.pk, attachment.pk])

    denied = client_for(world.other_admin).post(url)
    assert denied.status_code == 404
    assert Attachment.objects.count() == 1

    response = client_for(world.owner_admin).post(url)
    assert response.status_code == 302
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("other_admin", 404),
        ("jiangsu_staff", 404),
        ("owner_member", 200),
        ("owner_admin", 200),
        ("hangzhou_staff", 200),
    ],
)
def test_download_of_a_draft_attachment(
    world: World, draft_need: Need, who: str, status: int
) -> None:
    attachment = add_pdf(world, draft_need)
    user = None if who == "anonymous" else getattr(world, who)

    response = client_for(user).get(reverse("web:attachment_download", args=[attachment.pk]))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''%E6%96%B9%E6%A1%88%E8%AF%B4%E6%98%8E.pdf"
        )


def test_download_after_publication_is_public(world: World, draft_need: Need) -> None:
    attachment = add_pdf(world, draft_need, name="report.pdf")
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    listing_transition(actor=world.hangzhou_staff, item=draft_need, action="publish")

    response = Client().get(reverse("web:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'


def test_download_unknown_attachment_is_404(world: World) -> None:
    assert Client().get(reverse("web:attachment_download", args=[424242])).status_code == 404
