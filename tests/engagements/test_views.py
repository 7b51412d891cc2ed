"""The engagement pages: the docking panel on a need, starting, the detail per role,
messages with a file, the contract form's Chinese errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kechuang.engagements.choices import Stage
from kechuang.engagements.models import Contract, Engagement, MessageAttachment
from tests.api.conftest import PDF
from tests.conftest import client_for
from tests.engagements.conftest import Deal, solve, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_need_panel_offers_solve_and_start_creates_an_engagement(deal: Deal) -> None:
    expert = client_for(deal.expert_user)
    panel = expert.get(reverse("engagements:need_panel", args=[deal.need.pk]))
    assert "我能解决" in panel.content.decode()
    start = reverse("engagements:start")
    page = expert.get(start, {"subject": f"need:{deal.need.pk}", "origin": "solve"})
    assert page.status_code == 200 and "专家本人：陈建国" in page.content.decode()
    response = expert.post(
        start,
        {
            "subject": f"need:{deal.need.pk}",
            "counterparty": f"expert:{deal.expert.pk}",
            "origin": "solve",
        },
    )
    e = Engagement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "engagements:detail", args=[e.pk]
    )
    assert e.origin == "solve"


def test_detail_per_role_and_contacts_hidden_before_introduction(deal: Deal) -> None:
    e = solve(deal)
    url = reverse("engagements:detail", args=[e.pk])
    owner = client_for(deal.world.owner_admin).get(url).content.decode()
    assert "同意对接" in owner and "婉拒" in owner
    expert_page = client_for(deal.expert_user).get(url).content.decode()
    assert "0571-88886666" not in expert_page and "双方同意引荐后" in expert_page
    assert client_for(deal.stranger).get(url).status_code == 404
    assert client_for(deal.world.jiangsu_staff).get(url).status_code == 404
    assert client_for(deal.world.hangzhou_staff).get(url).status_code == 200
    client_for(deal.world.owner_admin).post(
        reverse("engagements:move", args=[e.pk]), {"to": "introduced"}
    )
    assert "0571-88886666" in client_for(deal.expert_user).get(url).content.decode()


def test_message_with_file_and_download_scope(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.INTRODUCED)
    client = client_for(deal.expert_user)
    response = client.post(
        reverse("engagements:message", args=[e.pk]),
        {
            "body": "方案见附件。",
            "attachments": [SimpleUploadedFile("方案.pdf", PDF, "application/pdf")],
        },
    )
    assert response.status_code == 302
    attachment = MessageAttachment.objects.get()
    url = reverse("engagements:file", args=[attachment.pk])
    assert client_for(deal.world.owner_admin).get(url).status_code == 200
    assert client_for(deal.stranger).get(url).status_code == 404
    bad = client.post(
        reverse("engagements:message", args=[e.pk]),
        {
            "body": "再发一个",
            "attachments": [SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")],
        },
    )
    assert bad.status_code == 422 and "只能上传 PDF 或图片" in bad.content.decode()
    assert MessageAttachment.objects.count() == 1


def test_contract_form_shows_chinese_errors_and_changes_nothing(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.INTENTION)
    url = reverse("engagements:contract", args=[e.pk])
    data = {
        "contract_type": "development",
        "title": "液冷板开发合同",
        "amount": "-3",
        "party_a": "甲",
        "party_b": "乙",
        "signed_on": timezone.localdate().isoformat(),
    }
    response = client_for(deal.world.owner_admin).post(url, data)
    assert response.status_code == 422 and "金额不能为负数" in response.content.decode()
    response = client_for(deal.world.owner_admin).post(url, {**data, "amount": "1.999"})
    assert "金额最多保留两位小数" in response.content.decode()
    assert (
        Contract.objects.count() == 0 and Engagement.objects.get(pk=e.pk).stage == Stage.INTENTION
    )
    response = client_for(deal.world.owner_admin).post(url, {**data, "amount": "12.50"})
    assert response.status_code == 302 and Engagement.objects.get(pk=e.pk).stage == Stage.SIGNED


def test_invite_button_links_own_records_to_the_start_page(deal: Deal) -> None:
    from types import SimpleNamespace
    from urllib.parse import parse_qs, urlparse

    from django.test import RequestFactory

    from kechuang.engagements.templatetags.engagements import invite_button

    def button(user: Any, source: str, target: str) -> dict[str, str]:
        request = RequestFactory().get("/")
        request.user = user
        url = invite_button({"request": request}, source, SimpleNamespace(doc_id=target))["url"]
        return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()} if url else {}

    need, expert = f"need:{deal.need.pk}", f"expert:{deal.expert.pk}"
    # the need's owner invites a recommended expert; a stranger gets no button there
    assert button(deal.world.owner_admin, need, expert) == {
        "subject": need,
        "counterparty": expert,
        "origin": "recommendation",
    }
    assert button(deal.stranger, need, expert) == {}
    # association staff above the owner invite on behalf of both
    assert button(deal.world.hangzhou_staff, need, expert)["origin"] == "staff"
    assert button(deal.world.jiangsu_staff, need, expert) == {}
    # the expert invites from a recommended need on their own profile page
    assert button(deal.expert_user, expert, need)["subject"] == need
    # a search result: the other end is chosen on the start page
    assert button(deal.expert_user, "", need) == {"subject": need, "origin": "search"}
    assert button(deal.world.owner_admin, "", need) == {}


def test_a_declined_pair_leaves_recommendations_through_the_registry(deal: Deal) -> None:
    from kechuang.engagements.services import engagement_transition
    from kechuang.matching.registry import excluded_pairs

    e = solve(deal)
    assert excluded_pairs(f"need:{deal.need.pk}") == set()
    engagement_transition(
        actor=deal.world.owner_admin, engagement=e, to=Stage.DECLINED, reason="tech_mismatch"
    )
    assert excluded_pairs(f"need:{deal.need.pk}") == {f"expert:{deal.expert.pk}"}


def test_detail_page_in_english(deal: Deal) -> None:
    from django.conf import settings

    e = solve(deal)
    client = client_for(deal.world.owner_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("engagements:detail", args=[e.pk])).content.decode()
    for text in ("Agree to engage", "Reason for declining", "Technology mismatch", "Timeline"):
        assert text in page
    assert "同意对接" not in page


def test_association_assigns_a_liaison_who_then_sees_the_engagement(deal: Deal) -> None:
    from kechuang.engagements.access import engagements_visible
    from kechuang.engagements.models import BrokerAssignment

    e = solve(deal)
    deal.stranger.email = "liaison@example.org"
    deal.stranger.save()
    url = reverse("engagements:brokers", args=[deal.world.hangzhou.pk])
    assert client_for(deal.world.owner_admin).get(url).status_code == 403
    assert client_for(deal.world.jiangsu_staff).post(url, {"action": "assign"}).status_code == 403
    staff = client_for(deal.world.hangzhou_staff)
    assert staff.get(url).status_code == 200
    staff.post(
        url,
        {
            "action": "assign",
            "login": "liaison@example.org",
            "role": "liaison",
            "organization": deal.world.enterprise.pk,
        },
    )
    assert list(engagements_visible(deal.stranger)) == [e]
    # a technology-manager assignment needs the registration first
    staff.post(
        url,
        {
            "action": "assign",
            "login": "liaison@example.org",
            "role": "technology_manager",
            "organization": deal.world.enterprise.pk,
        },
    )
    assert BrokerAssignment.objects.count() == 1
    staff.post(url, {"action": "end", "assignment": BrokerAssignment.objects.get().pk})
    assert list(engagements_visible(deal.stranger)) == []


def test_list_page_queries_do_not_grow_with_rows(deal: Deal) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kechuang.engagements.services import engagement_start

    def count() -> int:
        client = client_for(deal.world.hangzhou_staff)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("engagements:list")).status_code == 200
        return len(ctx.captured_queries)

    solve(deal)
    one = count()
    engagement_start(
        actor=deal.world.owner_admin,
        subject=deal.achievement,
        counterparty=deal.world.other_enterprise,
        origin="invite",
    )
    engagement_start(
        actor=deal.expert_user,
        subject=deal.achievement,
        counterparty=deal.expert,
        origin="interest",
    )
    assert count() == one
