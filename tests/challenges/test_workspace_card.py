"""The workspace card "my open challenges" heads each kind of entry."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kechuang.challenges import models as m
from kechuang.challenges.services.calls import call_create
from tests.challenges.conftest import Tree, call_data
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_calls_applications_and_projects_each_under_their_heading(
    tree: Tree, project: m.Project
) -> None:
    # given the lab's admin also runs a call of the lab: calls, a bid and a project
    call_create(actor=tree.lab_admin, organiser=tree.lab, **call_data(title="实验室自设榜单"))

    page = client_for(tree.lab_admin).get(reverse("challenges:workspace_card")).content.decode()

    headings = re.findall(r'<h3 class="list-group-header[^"]*">([^<]+)</h3>', page)
    assert headings == ["我组织的榜单", "我的揭榜申请", "我的项目"]
    calls, bids, projects = (
        page.index(">我组织的榜单<"),
        page.index(">我的揭榜申请<"),
        page.index(">我的项目<"),
    )
    assert calls < page.index("实验室自设榜单") < bids
    assert bids < page.index("仿生分形流道液冷板方案") < projects
    assert projects < page.index(f'href="/challenges/projects/{project.pk}/"')


def test_a_plain_member_without_any_entry_gets_no_heading(tree: Tree) -> None:
    page = client_for(tree.world.owner_member).get(reverse("challenges:workspace_card"))

    assert "list-group-header" not in page.content.decode()
    assert "还没有参与揭榜挂帅。" in page.content.decode()
