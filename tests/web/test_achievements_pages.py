"""Achievement pages: the listing views shared with needs, with the achievement's fields."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Achievement, Attachment
from kechuang.catalog.services import achievement_create, attachment_add, listing_transition
from kechuang.catalog.uploads import check_upload
from tests.conftest import World, achievement_data, client_for

pytestmark = pytest.mark.django_db

LIST = reverse("web:achievement_list")
CREATE = reverse("web:achievement_create")
PNG_HEADER = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def detail(item: Achievement) -> str:
    return reverse("web:achievement_detail", args=[item.pk])


def action(item: Achievement, name: str) -> str:
    return reverse("web:achievement_action", args=[item.pk, name])


def published(world: World, **overrides: Any) -> Achievement:
    item = achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data(**overrides)
    )
    listing_transition(actor=world.owner_admin, item=item, action="submit")
    return listing_transition(actor=world.hangzhou_staff, item=item, action="publish")


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = achievement_data()
    data["region"] = data.pop("region_id")
    data["industry"] = data.pop("industry_id")
    data["organization"] = world.enterprise.pk
    data.update(overrides)
    return {k: "" if v is None else v for k, v in data.items()}


def listed_titles(response: Any) -> list[str]:
    return [item.title for item in response.context["items"]]


def test_list_shows_only_published(world: World, draft_achievement: Achievement) -> None:
    published(world, title="已发布的层析成像成果")

    response = Client().get(LIST)

    body = response.content.decode()
    assert response.status_code == 200
    assert listed_titles(response) == ["已发布的层析成像成果"]
    assert draft_achievement.title not in body
    assert "TRL 7 级" in body
    assert "发明专利" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"trl_min": "7"}, ["七级成果"]),
        ({"trl_min": "4"}, ["四级成果", "七级成果"]),
        ({"trl_min": "8"}, []),
        ({"trl_min": "abc"}, ["四级成果", "七级成果"]),  # an unparsable filter filters nothing
        ({"region": "330000"}, ["四级成果", "七级成果"]),
        ({"region": "320000"}, []),
        ({"industry": "C40"}, ["四级成果", "七级成果"]),
        ({"discipline": "460"}, ["四级成果", "七级成果"]),
        ({"discipline": "470"}, []),
        ({"cooperation_mode": "licensing"}, ["四级成果", "七级成果"]),
        ({"q": "层析"}, ["四级成果", "七级成果"]),
    ],
)
def test_list_filters(world: World, query: dict[str, str], expected: list[str]) -> None:
    published(world, title="七级成果", trl=7)
    published(world, title="四级成果", trl=4)

    response = Client().get(LIST, query)

    assert response.status_code == 200
    assert sorted(listed_titles(response)) == sorted(expected)


@pytest.mark.parametrize("who", ["anonymous", "other_admin", "jiangsu_staff"])
def test_draft_detail_is_404_for_outsiders(
    world: World, draft_achievement: Achievement, who: str
) -> None:
    user = None if who == "anonymous" else getattr(world, who)

    assert client_for(user).get(detail(draft_achievement)).status_code == 404


@pytest.mark.parametrize("who", ["owner_admin", "owner_member", "hangzhou_staff"])
def test_draft_detail_is_visible_inside(
    world: World, draft_achievement: Achievement, who: str
) -> None:
    response = client_for(getattr(world, who)).get(detail(draft_achievement))

    body = response.content.decode()
    assert response.status_code == 200
    assert "高精度气液两相流量测量技术" in body
    assert "7 级：典型使用环境下的工程样机通过验证" in body
    assert "ZL202110000000.1" in body
    assert "技术许可" in body


def test_create_happy_path(world: World) -> None:
    response = client_for(world.owner_admin).post(CREATE, form_data(world))

    item = Achievement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(item)
    assert item.status == "draft"
    assert item.trl == 7
    assert item.ip_type == "invention_patent"
    assert sorted(m.pk for m in item.cooperation_modes.all()) == ["licensing", "transfer"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "此字段不能为空。"),
        ({"trl": ""}, "trl", "请选择技术就绪度。"),
        ({"summary": "太短了"}, "summary", "确保该变量至少包含 20 字符(目前字符数 3)。"),
        ({"industry": "Z99"}, "industry", "未知的行业代码：Z99。"),
        ({"asking_price": "-1"}, "asking_price", "确保该值大于或等于0。"),
    ],
)
def test_create_rejects_bad_input_and_saves_nothing(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    audit_before = AuditEntry.objects.count()

    response = client_for(world.owner_admin).post(CREATE, form_data(world, **overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert response.context["form"]["ip_number"].value() == "ZL202110000000.1"
    assert Achievement.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_edit_rejects_bad_input_and_changes_nothing(
    world: World, draft_achievement: Achievement
) -> None:
    url = reverse("web:achievement_edit", args=[draft_achievement.pk])
    updated_at = draft_achievement.updated_at

    response = client_for(world.owner_admin).post(url, form_data(world, title="", trl="9"))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["此字段不能为空。"]
    draft_achievement.refresh_from_db()
    assert (draft_achievement.title, draft_achievement.trl) == ("高精度气液两相流量测量技术", 7)
    assert draft_achievement.updated_at == updated_at


def test_published_achievement_cannot_be_edited(world: World) -> None:
    item = published(world)
    url = reverse("web:achievement_edit", args=[item.pk])

    response = client_for(world.owner_admin).post(
        url, form_data(world, title="新标题新标题"), follow=True
    )

    assert "只有草稿或被退回的内容可以修改。" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "高精度气液两相流量测量技术"


def test_submit_publish_flow(world: World, draft_achievement: Achievement) -> None:
    assert (
        client_for(world.owner_admin).post(action(draft_achievement, "submit")).status_code == 302
    )
    assert (
        client_for(world.zhejiang_staff).post(action(draft_achievement, "publish")).status_code
        == 302
    )

    draft_achievement.refresh_from_db()
    assert draft_achievement.status == "published"
    assert listed_titles(Client().get(LIST)) == ["高精度气液两相流量测量技术"]


def test_jiangsu_staff_cannot_review(world: World, draft_achievement: Achievement) -> None:
    listing_transition(actor=world.owner_admin, item=draft_achievement, action="submit")

    response = client_for(world.jiangsu_staff).post(action(draft_achievement, "publish"))

    assert response.status_code == 404
    draft_achievement.refresh_from_db()
    assert draft_achievement.status == "submitted"


def test_withdraw_then_reopen(world: World) -> None:
    item = published(world)
    owner = client_for(world.owner_admin)

    owner.post(action(item, "withdraw"))
    item.refresh_from_db()
    assert item.status == "withdrawn"
    assert listed_titles(Client().get(LIST)) == []

    owner.post(action(item, "reopen"))
    item.refresh_from_db()
    assert item.status == "draft"


def test_upload_a_png_and_reject_a_png_named_pdf(
    world: World, draft_achievement: Achievement
) -> None:
    url = reverse("web:achievement_attachment_add", args=[draft_achievement.pk])
    owner = client_for(world.owner_admin)

    bad = owner.post(url, {"file": SimpleUploadedFile("scan.pdf", png_bytes())})
    assert bad.status_code == 200
    assert bad.context["upload_form"].errors["file"] == ["文件扩展名与文件内容不符。"]
    assert Attachment.objects.count() == 0

    good = owner.post(url, {"file": SimpleUploadedFile("样机照片.png", png_bytes())})
    assert good.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.achievement == draft_achievement
    assert attachment.content_type == "image/png"


def test_attachment_download_follows_the_achievement(
    world: World, draft_achievement: Achievement
) -> None:
    content = png_bytes()
    attachment = attachment_add(
        actor=world.owner_admin,
        item=draft_achievement,
        upload=check_upload("photo.png", io.BytesIO(content), len(content)),
    )
    url = reverse("web:attachment_download", args=[attachment.pk])

    assert Client().get(url).status_code == 404
    assert client_for(world.other_admin).get(url).status_code == 404
    response = client_for(world.owner_member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert b"".join(response.streaming_content) == content
    assert content.startswith(PNG_HEADER)
