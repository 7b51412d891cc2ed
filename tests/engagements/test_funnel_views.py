"""The funnel page, its xlsx export and /api/v1/engagements/funnel: the same numbers,
the same refusals."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.accounts.services import api_token_create
from kechuang.audit.models import AuditEntry
from kechuang.engagements.models import Engagement
from tests.engagements.conftest import Deal
from tests.engagements.drive import walk, whole_story

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, list[Any]]:
    return AuditEntry.objects.count(), list(
        Engagement.objects.order_by("pk").values_list("pk", "stage", "last_activity_at")
    )


def test_the_page_shows_the_counts_and_the_amount(deal: Deal, client: Any) -> None:
    walk(deal)
    w = deal.world
    start, end = whole_story()
    client.force_login(w.hangzhou_staff)
    response = client.get(reverse("engagements:funnel"), {"start": start, "end": end})
    html = response.content.decode()
    assert response.status_code == 200
    for key, n in (("started", 3), ("introduced", 2), ("intention", 1), ("signed", 1)):
        assert f'data-stage="{key}">{n}</div>' in html
    assert "data-contract-value>120.50<" in html
    assert 'id="funnel-data"' in html and "<script>" not in html  # data only, no inline code
    assert "vendor/echarts/echarts.common.min.js" in html


def test_the_export_holds_the_same_numbers(deal: Deal, client: Any) -> None:
    walk(deal)
    w = deal.world
    start, end = whole_story()
    client.force_login(w.zhejiang_staff)
    query = {"association": w.hangzhou.pk, "start": start, "end": end}
    response = client.get(reverse("engagements:funnel_export"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["漏斗", "阶段用时", "婉拒原因"]
    rows = {r[0]: r[1:] for r in book["漏斗"].iter_rows(values_only=True) if r and r[0]}
    assert rows["科协"][0] == w.hangzhou.name
    assert [rows[k][0] for k in ("新发起对接", "完成引荐", "意向达成", "签订合同", "落地完成")] == [
        3,
        2,
        1,
        1,
        1,
    ]
    assert Decimal(str(rows["合同金额（万元）"][0])) == Decimal("120.5")
    assert Decimal(str(rows["技术交易额（万元）"][0])) == Decimal("100")
    declines = dict(book["婉拒原因"].iter_rows(min_row=2, values_only=True))
    assert declines["预算不符"] == 1


@pytest.mark.parametrize(
    ("who", "association"),
    [("jiangsu_staff", "hangzhou"), ("hangzhou_staff", "zhejiang"), ("owner_admin", "hangzhou")],
)
def test_an_association_not_staffed_is_not_found(
    deal: Deal, client: Any, who: str, association: str
) -> None:
    walk(deal)
    w = deal.world
    before = _state()
    client.force_login(getattr(w, who))
    query = {"association": getattr(w, association).pk}
    assert client.get(reverse("engagements:funnel"), query).status_code == 404
    assert client.get(reverse("engagements:funnel_export"), query).status_code == 404
    assert _state() == before


def test_bad_dates_on_the_page_say_what_is_wrong(deal: Deal, client: Any) -> None:
    w = deal.world
    before = _state()
    client.force_login(w.hangzhou_staff)
    response = client.get(reverse("engagements:funnel"), {"start": "2026-13-01"})
    assert response.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in response.content.decode()
    response = client.get(
        reverse("engagements:funnel_export"), {"start": "2026-03-02", "end": "2026-03-01"}
    )
    assert response.status_code == 422
    assert response.content.decode() == "结束日期不能早于开始日期。"
    assert _state() == before


def test_anonymous_is_sent_to_log_in(client: Any) -> None:
    response = client.get(reverse("engagements:funnel"))
    assert response.status_code == 302 and "/login" in response["Location"]


# ---------------------------------------------------------------- the API


def _token(user: Any) -> dict[str, str]:
    issued = api_token_create(user=user, name="funnel")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.plaintext}"}


def test_the_api_returns_the_same_numbers(deal: Deal, client: Any) -> None:
    walk(deal)
    w = deal.world
    start, end = whole_story()
    response = client.get(
        "/api/v1/engagements/funnel",
        {"association": w.hangzhou.pk, "start": start, "end": end},
        **_token(w.hangzhou_staff),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {s["key"]: s["count"] for s in body["stages"]} == {
        "started": 3,
        "introduced": 2,
        "intention": 1,
        "signed": 1,
        "completed": 1,
    }
    assert (body["contracts"], body["contract_value"], body["technology_amount"]) == (
        1,
        "120.50",
        "100.00",
    )
    assert body["gaps"][0] == {
        "key": "started-introduced",
        "label": "新发起对接 → 完成引荐",
        "median_days": 1.5,
        "n": 2,
    }
    assert {d["reason"]: d["count"] for d in body["declines"]}["budget"] == 1


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ({"start": "2026-02-30"}, 422, "validation_failed", "start"),
        ({"start": "2026-03-02", "end": "2026-03-01"}, 422, "validation_failed", "end"),
        ({"association": "abc"}, 422, "validation_failed", "association"),
        ({"association": 0}, 404, "not_found", None),
    ],
)
def test_the_api_refuses_bad_input(
    deal: Deal, client: Any, query: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    w = deal.world
    headers = _token(w.hangzhou_staff)
    before = _state()
    response = client.get(
        "/api/v1/engagements/funnel", {"association": w.hangzhou.pk, **query}, **headers
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    if field:
        assert field in body["errors"]
    assert _state() == before


def test_the_api_hides_an_association_not_staffed(deal: Deal, client: Any) -> None:
    w = deal.world
    response = client.get(
        "/api/v1/engagements/funnel", {"association": w.zhejiang.pk}, **_token(w.hangzhou_staff)
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert (
        client.get("/api/v1/engagements/funnel", {"association": w.hangzhou.pk}).status_code == 401
    )


def test_the_page_in_english(deal: Deal) -> None:
    from django.utils import translation

    from tests.web.test_english import (
        assert_all_english,
        english_client,
        english_named,
        get_english,
    )

    walk(deal)
    start, end = whole_story()
    client = english_client(english_named(deal.world.hangzhou_staff))
    try:
        html = get_english(client, reverse("engagements:funnel") + f"?start={start}&end={end}")
    finally:
        translation.activate("zh-hans")
    assert "Engagement funnel" in html and "Contract amount (10k CNY)" in html
    assert_all_english(html)
