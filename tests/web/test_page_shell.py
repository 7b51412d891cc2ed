"""The page shell of issues 9 and 10: the Content-Security-Policy and what it needs (no
inline script, handler or style anywhere), htmx's configuration, the footer's operator
fields, the favicon, money amounts per language, the searchable region select and the two
layout fixes of a new review's criteria."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kechuang.catalog.models import Need
from kechuang.catalog.services import listing_transition, need_create
from kechuang.web.templatetags.kc import money, money_range
from tests.conftest import World, client_for, need_data

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "kechuang"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=|<style\b", re.IGNORECASE)


def published(world: World, **overrides: Any) -> Need:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(**overrides)
    )
    listing_transition(actor=world.owner_admin, item=need, action="submit")
    return listing_transition(actor=world.hangzhou_staff, item=need, action="publish")


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def main_pages(world: World) -> list[tuple[Client, str]]:
    need = published(world, budget_min="30", budget_max="80")
    anonymous = Client()
    owner = client_for(world.owner_admin)
    return [
        (anonymous, reverse("web:home")),
        (anonymous, reverse("web:need_list")),
        (anonymous, reverse("web:need_detail", args=[need.pk])),
        (anonymous, reverse("web:achievement_list")),
        (anonymous, reverse("web:expert_list")),
        (anonymous, reverse("web:search") + "?q=液冷"),
        (anonymous, reverse("accounts:login")),
        (anonymous, reverse("challenges:call_list")),
        (owner, reverse("web:need_create")),
        (owner, reverse("web:workspace")),
        (owner, reverse("accounts:tokens")),
    ]


# ---- Content-Security-Policy ------------------------------------------------------------


def test_every_main_page_sends_the_policy_and_carries_no_inline_code(world: World) -> None:
    for client, url in main_pages(world):
        response = client.get(url)

        assert response.status_code == 200, url
        assert policy(response) == POLICY, url
        html = response.content.decode()
        assert INLINE_SCRIPT.findall(html) == [], url
        assert INLINE_HANDLER.findall(html) == [], url
        assert INLINE_STYLE.findall(html) == [], url


def test_the_policy_is_sent_on_error_pages_and_htmx_fragments_too() -> None:
    missing = Client().get("/needs/999999/")
    fragment = Client().get(reverse("web:need_list"), headers={"HX-Request": "true"})

    assert missing.status_code == 404
    assert policy(missing) == POLICY
    assert fragment.status_code == 200
    assert policy(fragment) == POLICY


def test_no_template_has_an_inline_script_handler_or_style() -> None:
    """Found in the sources, so that a template added later that breaks the policy fails
    here even when no test renders it."""
    offenders = []
    for template in sorted(SRC.glob("**/templates/**/*.html")):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [f"{template.relative_to(SRC)}: {m}" for m in pattern.findall(text)]

    assert offenders == []


def test_htmx_is_configured_without_eval_and_with_a_timeout() -> None:
    html = Client().get(reverse("web:home")).content.decode()

    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config is not None
    assert json.loads(config.group(1)) == {
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
        "timeout": 15000,
    }
    # the shell's request status and error message, with the retry action
    assert 'id="kc-loading"' in html
    assert 'data-msg-timeout="请求超时，服务器暂时没有响应，请稍后重试。"' in html
    assert "data-kc-retry>重试</button>" in html
    css = Path(finders.find("web/kechuang.css")).read_text()
    assert ".htmx-indicator { opacity: 0; visibility: hidden; }" in css


# ---- footer, favicon ----------------------------------------------------------------------


def test_footer_shows_no_operator_fields_unless_set() -> None:
    html = Client().get(reverse("web:home")).content.decode()

    assert "kc-site-info" not in html
    assert "beian.miit.gov.cn" not in html


def test_footer_shows_the_operator_fields_that_are_set(settings: Any) -> None:
    settings.KECHUANG_OPERATOR_NAME = "杭州市科学技术协会"
    settings.KECHUANG_ICP_NUMBER = "浙ICP备12345678号-1"
    settings.KECHUANG_CONTACT_EMAIL = "service@kechuang.example.org"

    html = Client().get(reverse("web:home")).content.decode()

    footer = html.split("<footer")[1].split("</footer>")[0]
    assert "运营单位：杭州市科学技术协会" in footer
    assert (
        '<a class="link-secondary" href="https://beian.miit.gov.cn/" target="_blank" '
        'rel="noopener">浙ICP备12345678号-1</a>'
    ) in footer
    assert (
        '联系邮箱：<a class="link-secondary" href="mailto:service@kechuang.example.org">'
        "service@kechuang.example.org</a>"
    ) in footer
    assert "联系电话" not in footer  # not set


def test_the_favicon_is_linked_and_served() -> None:
    html = Client().get(reverse("web:home")).content.decode()

    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert link is not None
    assert link.group(1).startswith(settings.STATIC_URL + "web/favicon")
    path = finders.find("web/favicon.svg")
    assert path is not None
    assert Path(path).read_text().startswith('<svg xmlns="http://www.w3.org/2000/svg"')


# ---- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "chinese", "english"),
    [
        ("30", "80", "30–80 万元", "CNY 300,000–800,000"),
        ("80", "80", "80 万元", "CNY 800,000"),
        (None, "80", "不超过 80 万元", "up to CNY 800,000"),
        ("12.5", None, "12.5 万元起", "from CNY 125,000"),
        ("5000", "20000", "5000 万元–2 亿元", "CNY 50,000,000–200,000,000"),
        (None, None, "面议", "Negotiable"),
    ],
)
def test_budgets_read_naturally_in_each_language(
    low: str | None, high: str | None, chinese: str, english: str
) -> None:
    with translation.override("zh-hans"):
        assert money_range(low and Decimal(low), high and Decimal(high)) == chinese
    with translation.override("en"):
        assert money_range(low and Decimal(low), high and Decimal(high)) == english


def test_one_amount_in_each_language() -> None:
    with translation.override("zh-hans"):
        assert money(Decimal("80.00")) == "80 万元"
        assert money(Decimal("0.05")) == "0.05 万元"
    with translation.override("en"):
        assert money(Decimal("80.00")) == "CNY 800,000"
        assert money(Decimal("0.05")) == "CNY 500"


def test_home_cards_show_the_whole_budget_range(world: World) -> None:
    published(world, budget_min="30", budget_max="80")

    chinese = Client().get(reverse("web:home")).content.decode()
    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(reverse("web:home")).content.decode()

    assert '<span class="badge bg-green-lt">预算 30–80 万元</span>' in chinese
    assert '<span class="badge bg-green-lt">Budget CNY 300,000–800,000</span>' in english
    assert "×10,000" not in english


# ---- the region select ----------------------------------------------------------------------


def test_region_search_finds_districts_by_chinese_or_english_name(world: World) -> None:
    url = reverse("web:region_search")

    chinese = Client().get(url, {"q": "西湖"}).json()["results"]
    both = Client().get(url, {"q": "杭州 西湖"}).json()["results"]
    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(url, {"q": "xihu"}).json()["results"]

    assert {"value": "330106", "text": "浙江省杭州市西湖区"} in chinese
    assert both == [{"value": "330106", "text": "浙江省杭州市西湖区"}]
    assert {"value": "330106", "text": "Xihu District, Hangzhou, Zhejiang"} in english


def test_region_search_lists_provinces_before_cities_before_districts(world: World) -> None:
    results = Client().get(reverse("web:region_search"), {"q": "杭州"}).json()["results"]

    assert results[0] == {"value": "330100", "text": "浙江省杭州市"}
    assert len(results) == 14  # the city and its 13 districts
    assert all(r["value"].startswith("3301") for r in results)
    assert all(r["text"] != "浙江省杭州市市辖区" for r in results)


def test_region_search_without_a_query_answers_nothing(world: World) -> None:
    response = Client().get(reverse("web:region_search"), {"q": "  "})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_region_search_takes_any_input_without_an_error(world: World) -> None:
    url = reverse("web:region_search")

    for query in ("x" * 5000, "a b c d e f g h", "%_'\""):
        response = Client().get(url, {"q": query})

        assert response.status_code == 200, query
    # NUL is refused at the edge for every page, with the Chinese error page (issue 10)
    response = Client().get(url, {"q": "西\x00湖"})
    assert response.status_code == 422
    assert "不允许的字符" in response.content.decode()


def test_region_selects_are_searchable_on_forms_and_filters(world: World) -> None:
    form = client_for(world.owner_admin).get(reverse("web:need_create")).content.decode()
    filters = Client().get(reverse("web:need_list")).content.decode()

    for html in (form, filters):
        select = re.search(r'<select name="region"[^>]*>', html)
        assert select is not None
        assert f'data-region-search="{reverse("web:region_search")}"' in select.group(0)


def test_a_district_filter_stays_selected_and_filters(world: World) -> None:
    published(world, title="西湖区的需求")

    html = Client().get(reverse("web:need_list"), {"region": "330106"}).content.decode()
    other = Client().get(reverse("web:need_list"), {"region": "330108"}).content.decode()

    assert '<option value="330106" selected>浙江省杭州市西湖区</option>' in html
    assert "西湖区的需求" in html
    assert "西湖区的需求" not in other


# ---- a new review's criteria ------------------------------------------------------------------


def test_new_review_criteria_have_column_headers_and_room_for_the_minimum(
    world: World,
) -> None:
    html = client_for(world.hangzhou_staff).get(reverse("review:process_create")).content.decode()

    head = html.split('kc-criteria-head"')[1].split("\n        </div>")[0]
    assert re.findall(r'<div class="col-md-\d">([^<]+)</div>', head) == [
        "评分项",
        "说明",
        "权重",
        "最低分",
        "最高分",
    ]
    # the minimum's input is as wide as the maximum's (it used to clip its value)
    assert re.search(r'<div class="col-4 col-md-2"><label[^>]*>最低分</label>', html)
    assert 'class="col-4 col-md-1"' not in html
