"""The page shell: navigation, language switch, error pages and the htmx helpers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.test import Client, RequestFactory
from django.urls import reverse

from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.web.errors import apply_error_to_form
from kechuang.web.htmx import hx_redirect, render_page_or_fragment
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def test_anonymous_nav_links_to_every_section() -> None:
    response = Client().get(reverse("web:home"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "web:need_list",
        "web:achievement_list",
        "web:expert_list",
        "web:organization_list",
        "accounts:login",
        "accounts:signup",
    ):
        assert f'href="{reverse(name)}"' in html
    assert "需求大厅" in html
    assert "退出" not in html


def test_user_menu_shows_manage_link_only_to_managers(world: World) -> None:
    manager_html = client_for(world.hangzhou_staff).get(reverse("web:home")).content.decode()
    member_html = client_for(world.owner_member).get(reverse("web:home")).content.decode()

    assert f'href="{reverse("web:manage")}"' in manager_html
    assert f'href="{reverse("web:manage")}"' not in member_html
    for name in ("web:workspace", "accounts:profile", "accounts:tokens"):
        assert f'href="{reverse(name)}"' in member_html
    assert f'action="{reverse("accounts:logout")}"' in member_html


def test_language_switch_to_english_renders_english_nav() -> None:
    client = Client()

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("web:home"))

    assert response.status_code == 302
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="en">' in html
    nav = html.split('id="navbar-menu"')[1].split("</header>")[0]
    titles = re.findall(r'<span class="nav-link-title">([^<]+)</span>', nav)
    assert titles == [
        "Home",
        "Needs",
        "Achievements",
        "Experts",
        "Organisations",
        "Challenges",
        "Search",
        "Events",
    ]
    assert ">Sign in</a>" in html
    # The switcher now offers the way back to Chinese.
    assert 'name="language" value="zh-hans"' in html


def test_default_language_is_chinese() -> None:
    html = Client().get(reverse("web:home")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert 'name="language" value="en"' in html


def test_unknown_page_renders_chinese_404() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在，或您无权查看" in response.content.decode()


def test_render_page_or_fragment_picks_fragment_for_htmx() -> None:
    factory = RequestFactory()
    full = factory.get("/")
    partial = factory.get("/", headers={"HX-Request": "true"})
    restore = factory.get("/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    ctx = {"form": None}

    assert render_page_or_fragment(
        full, "500.html", "web/partials/form_errors.html", ctx
    ).content.startswith(b"<!doctype html>")
    assert (
        render_page_or_fragment(
            partial, "500.html", "web/partials/form_errors.html", ctx
        ).content.strip()
        == b""
    )
    assert render_page_or_fragment(
        restore, "500.html", "web/partials/form_errors.html", ctx
    ).content.startswith(b"<!doctype html>")


def test_hx_redirect_sets_header() -> None:
    response = hx_redirect("/workspace/")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/workspace/"


class _Form(forms.Form):
    name = forms.CharField()
    region = forms.CharField()


def test_apply_error_to_form_puts_messages_on_fields() -> None:
    form = _Form({"name": "x", "region": "330100"})
    assert form.is_valid()

    apply_error_to_form(
        form,
        ValidationFailed(
            fields={
                "name": ["同一上级下已有同名组织。"],
                "region_id": ["请选择地区。"],
                "budget": ["预算有误。"],
                "__all__": ["整体有误。"],
            }
        ),
    )

    assert form.errors["name"] == ["同一上级下已有同名组织。"]
    assert form.errors["region"] == ["请选择地区。"]
    assert form.non_field_errors() == ["预算有误。", "整体有误。"]
    assert "name" not in form.cleaned_data


def test_apply_error_without_fields_becomes_non_field_error() -> None:
    form = _Form({"name": "x", "region": "y"})
    assert form.is_valid()

    apply_error_to_form(form, NotFound())

    assert form.non_field_errors() == ["未找到该对象，或您无权查看。"]


# --- public pages: home and the organisation directory ---------------------------------


def test_home_shows_counts_and_only_published_items(
    world: World, draft_need: Any, draft_achievement: Any
) -> None:
    from kechuang.catalog.services import listing_transition

    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    listing_transition(actor=world.hangzhou_staff, item=draft_need, action="publish")

    response = Client().get(reverse("web:home"))

    assert response.context["counts"] == {
        "needs": 1,
        "achievements": 0,
        "experts": 0,
        "organizations": 6,
    }
    assert [n.title for n in response.context["needs"]] == [draft_need.title]
    assert list(response.context["achievements"]) == []
    html = response.content.decode()
    assert f'href="{reverse("web:need_detail", args=[draft_need.pk])}"' in html
    assert draft_achievement.title not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "enterprise"}, ["杭州测温科技有限公司", "苏州流量仪表有限公司"]),
        ({"region": "320000"}, ["江苏省科学技术协会", "苏州流量仪表有限公司"]),
        ({"q": "杭州"}, ["杭州市科学技术协会", "杭州测温科技有限公司"]),
        ({"kind": "association", "region": "330000"}, ["浙江省科学技术协会", "杭州市科学技术协会"]),
    ],
)
def test_organisation_directory_filters(
    world: World, query: dict[str, str], expected: list[str]
) -> None:
    response = Client().get(reverse("web:organization_list"), query)

    assert response.status_code == 200
    assert sorted(o.name for o in response.context["page_obj"]) == sorted(expected)


def test_organisation_directory_fragment_for_htmx(world: World) -> None:
    response = Client().get(
        reverse("web:organization_list"), {"q": "苏州"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.startswith('<div id="org-results">')
    assert "苏州流量仪表有限公司" in html


def test_organisation_detail(world: World, draft_need: Any) -> None:
    response = Client().get(reverse("web:organization_detail", args=[world.hangzhou.pk]))

    assert response.status_code == 200
    assert [a.name for a in response.context["ancestors"]] == [
        "中国科学技术协会",
        "浙江省科学技术协会",
    ]
    assert [c.name for c in response.context["children"]] == ["杭州测温科技有限公司"]
    enterprise = Client().get(reverse("web:organization_detail", args=[world.enterprise.pk]))
    # A draft is not counted on the public page.
    assert (enterprise.context["need_count"], enterprise.context["achievement_count"]) == (0, 0)
    assert Client().get(reverse("web:organization_detail", args=[999_999])).status_code == 404
