"""Expert pages: list, detail, own profile and organisation-kept profiles, status, works."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.catalog.models import ExpertProfile, ExpertWork
from kechuang.catalog.services import expert_create, expert_set_status, expert_work_add
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

LIST = reverse("web:expert_list")
CREATE = reverse("web:expert_create")


def expert_fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "李明",
        "title_level": "senior",
        "title_name": "教授",
        "affiliation": "浙江某大学能源工程学院",
        "region_id": "330100",
        "keywords": "多相流，流量测量",
        "biography": "长期从事多相流测量研究。",
        "disciplines": ["460"],
        "industries": ["C40"],
        "is_frontline_engineer": True,
        "is_government_staff": False,
    }
    data.update(overrides)
    return data


def form_data(**overrides: Any) -> dict[str, Any]:
    data = expert_fields()
    data["region"] = data.pop("region_id")
    data["keeper"] = "self"
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not False}  # unchecked boxes are absent
    return {k: "" if v is None else v for k, v in data.items()}


def own_expert(user: Any, **overrides: Any) -> ExpertProfile:
    return expert_create(actor=user, **expert_fields(**overrides))


def detail(expert: ExpertProfile) -> str:
    return reverse("web:expert_detail", args=[expert.pk])


def names(response: Any) -> list[str]:
    return [e.name for e in response.context["items"]]


def test_list_shows_published_profiles_only(world: World) -> None:
    shown = own_expert(world.owner_member, name="王公开")
    expert_set_status(actor=world.owner_member, expert=shown, status="published")
    own_expert(world.other_admin, name="赵草稿")

    response = Client().get(LIST)

    assert response.status_code == 200
    assert names(response) == ["王公开"]
    assert "赵草稿" not in response.content.decode()


def test_list_filters(world: World) -> None:
    a = own_expert(world.owner_member, name="王公开", region_id="330100", disciplines=["460"])
    b = own_expert(
        world.other_admin,
        name="钱江苏",
        region_id="320500",
        disciplines=["470"],
        is_frontline_engineer=False,
        keywords="电机控制",
    )
    for expert, user in ((a, world.owner_member), (b, world.other_admin)):
        expert_set_status(actor=user, expert=expert, status="published")
    anonymous = Client()

    assert names(anonymous.get(LIST, {"region": "330000"})) == ["王公开"]
    assert names(anonymous.get(LIST, {"discipline": "470"})) == ["钱江苏"]
    assert names(anonymous.get(LIST, {"q": "电机"})) == ["钱江苏"]
    assert sorted(names(anonymous.get(LIST, {"frontline": "on"}))) == ["王公开", "钱江苏"]
    # The frontline flag is for managers: they may filter by it, others may not.
    manager = client_for(world.hangzhou_staff)
    assert names(manager.get(LIST, {"frontline": "on"})) == ["王公开"]


def test_list_htmx_fragment(world: World) -> None:
    response = Client().get(LIST, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.startswith('<div id="results"')
    assert "专家库中还没有公开的专家" in body


def test_create_own_profile(world: World) -> None:
    response = client_for(world.owner_member).post(CREATE, form_data())

    expert = ExpertProfile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(expert)
    assert expert.user == world.owner_member
    assert expert.organization is None
    assert expert.status == "draft"
    assert expert.is_frontline_engineer is True
    assert [d.pk for d in expert.disciplines.all()] == ["460"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "此字段不能为空。"),
        ({"disciplines": []}, "disciplines", "请至少选择一个学科。"),
        ({"region": "999999"}, "region", "未知的行政区划代码：999999。"),
        ({"keywords": "、".join(f"词{n}" for n in range(11))}, "keywords", "关键词最多 10 个。"),
    ],
)
def test_create_rejects_bad_input(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = client_for(world.owner_member).post(CREATE, form_data(**overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert response.context["form"]["affiliation"].value() == "浙江某大学能源工程学院"
    assert ExpertProfile.objects.count() == 0


def test_manager_creates_a_profile_kept_by_the_organisation(world: World) -> None:
    response = client_for(world.owner_admin).post(
        CREATE, form_data(keeper=str(world.enterprise.pk), name="孙工程师")
    )

    expert = ExpertProfile.objects.get()
    assert response.status_code == 302
    assert expert.user is None
    assert expert.organization == world.enterprise


def test_keeper_choices(world: World) -> None:
    own_expert(world.owner_admin)

    response = client_for(world.owner_admin).get(CREATE)

    assert list(response.context["form"].fields["keeper"].choices) == [
        (str(world.enterprise.pk), "由“杭州测温科技有限公司”代管")
    ]


def test_forged_keeper_is_refused(world: World) -> None:
    response = client_for(world.owner_member).post(
        CREATE, form_data(keeper=str(world.other_enterprise.pk))
    )

    assert response.status_code == 200
    assert "keeper" in response.context["form"].errors
    assert ExpertProfile.objects.count() == 0


def test_member_with_a_profile_is_sent_to_edit_it(world: World) -> None:
    expert = own_expert(world.owner_member)

    response = client_for(world.owner_member).get(CREATE)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:expert_edit", args=[expert.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("other_admin", 404), ("owner_member", 200), ("platform_admin", 200)],
)
def test_draft_profile_detail(world: World, who: str, status: int) -> None:
    expert = own_expert(world.owner_member)
    user = None if who == "anonymous" else getattr(world, who)

    assert client_for(user).get(detail(expert)).status_code == status


def test_flags_are_shown_to_those_who_manage_the_profile_only(world: World) -> None:
    expert = own_expert(world.owner_member)
    expert_set_status(actor=world.owner_member, expert=expert, status="published")

    public = Client().get(detail(expert))
    own = client_for(world.owner_member).get(detail(expert))

    assert public.status_code == 200
    assert "一线科技人员" not in public.content.decode()
    assert "一线科技人员" in own.content.decode()


def test_publish_and_hide(world: World) -> None:
    expert = own_expert(world.owner_member)
    url = reverse("web:expert_status", args=[expert.pk])
    owner = client_for(world.owner_member)

    assert owner.post(url, {"status": "published"}).status_code == 302
    assert names(Client().get(LIST)) == ["李明"]

    assert owner.post(url, {"status": "hidden"}).status_code == 302
    expert.refresh_from_db()
    assert expert.status == "hidden"
    assert names(Client().get(LIST)) == []


def test_other_admin_cannot_change_status(world: World) -> None:
    expert = own_expert(world.owner_member)
    expert_set_status(actor=world.owner_member, expert=expert, status="published")
    url = reverse("web:expert_status", args=[expert.pk])

    response = client_for(world.other_admin).post(url, {"status": "hidden"})

    assert response.status_code == 403
    expert.refresh_from_db()
    assert expert.status == "published"


def test_edit_profile(world: World) -> None:
    expert = own_expert(world.owner_member)
    url = reverse("web:expert_edit", args=[expert.pk])
    owner = client_for(world.owner_member)

    page = owner.get(url)
    assert page.context["form"]["name"].value() == "李明"
    assert "keeper" not in page.context["form"].fields

    bad = owner.post(url, form_data(name=""))
    assert bad.context["form"].errors["name"] == ["此字段不能为空。"]
    expert.refresh_from_db()
    assert expert.name == "李明"

    good = owner.post(url, form_data(title_name="研究员"))
    assert good.status_code == 302
    expert.refresh_from_db()
    assert expert.title_name == "研究员"


def test_add_and_remove_works(world: World) -> None:
    expert = own_expert(world.owner_member)
    owner = client_for(world.owner_member)
    add = reverse("web:expert_work_add", args=[expert.pk])

    bad = owner.post(add, {"kind": "paper", "title": "", "year": "2023"})
    assert bad.status_code == 422
    assert bad.context["work_form"].errors["title"] == ["此字段不能为空。"]
    assert ExpertWork.objects.count() == 0

    good = owner.post(
        add,
        {
            "kind": "paper",
            "title": "两相流电容层析成像方法",
            "year": "2023",
            "venue": "仪器仪表学报",
        },
    )
    assert good.status_code == 302
    work = ExpertWork.objects.get()
    page = owner.get(detail(expert)).content.decode()
    assert "两相流电容层析成像方法" in page
    assert "论文" in page

    outsider = client_for(world.other_admin).post(
        reverse("web:expert_work_remove", args=[expert.pk, work.pk])
    )
    assert outsider.status_code == 404
    assert ExpertWork.objects.count() == 1

    removed = owner.post(reverse("web:expert_work_remove", args=[expert.pk, work.pk]))
    assert removed.status_code == 302
    assert ExpertWork.objects.count() == 0


def test_works_grouped_by_kind(world: World) -> None:
    expert = own_expert(world.owner_member)
    expert_set_status(actor=world.owner_member, expert=expert, status="published")
    expert_work_add(
        actor=world.owner_member, expert=expert, kind="patent", title="一种流量计", year=2021
    )
    expert_work_add(
        actor=world.owner_member, expert=expert, kind="paper", title="论文甲", year=2022
    )

    response = Client().get(detail(expert))

    groups = [(g["kind"], [w.title for w in g["works"]]) for g in response.context["work_groups"]]
    assert groups == [("paper", ["论文甲"]), ("patent", ["一种流量计"])]
    assert response.context["can_edit"] is False
