"""``kechuang demo``: the demo content loads through the services, once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kechuang import cli
from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Achievement, ExpertProfile, ExpertWork, Need
from kechuang.catalog.selectors import review_queue
from kechuang.cli import serve
from kechuang.demo.loader import DEMO_PASSWORD
from kechuang.orgs.models import Organization

pytestmark = pytest.mark.django_db

EXPECTED = {"organizations": 41, "users": 48, "needs": 31, "achievements": 50, "experts": 36}


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "needs": Need.objects.count(),
        "achievements": Achievement.objects.count(),
        "experts": ExpertProfile.objects.count(),
    }


@pytest.fixture
def no_static(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """collectstatic is covered by the subprocess test; here it would only cost time."""
    calls: list[int] = []
    monkeypatch.setattr(serve, "_collectstatic", lambda: calls.append(1))
    return calls


def test_demo_no_serve_loads_once(no_static: list[int], capsys: Any) -> None:
    assert cli.main(["demo", "--no-serve"]) == 0
    first = capsys.readouterr().out
    assert counts() == EXPECTED
    # the loader's counts say how many of each the public sees (the home page's counts)
    assert (
        "已载入演示数据：41 个组织，48 个账号；\n"
        "  需求 31 条（已发布 24 条，其余为草稿、待审核或已退回）；\n"
        "  成果 50 项（已发布 44 项，其余为草稿、待审核或已退回）；\n"
        "  专家 36 位（已公开 33 位，其余为草稿或已隐藏）。\n"
    ) in first
    home = Client().get("/")
    assert home.context["counts"] == {
        "needs": 24,
        "achievements": 44,
        "experts": 33,
        "organizations": 41,
    }
    assert "admin@kechuang.example" in first
    assert "只能用于本机演示" in first
    audit_before = AuditEntry.objects.count()

    assert cli.main(["demo", "--no-serve"]) == 0
    second = capsys.readouterr().out
    assert counts() == EXPECTED
    assert AuditEntry.objects.count() == audit_before
    assert "不再重复载入演示数据" in second
    assert "hangzhou@kechuang.example" in second
    assert no_static == [1, 1]


def test_demo_statuses_fill_workspace_and_review_queue(no_static: list[int]) -> None:
    cli.main(["demo", "--no-serve"])
    assert Counter(Need.objects.values_list("status", flat=True)) == {
        "published": 24,
        "draft": 2,
        "submitted": 3,
        "returned": 2,
    }
    assert Counter(Achievement.objects.values_list("status", flat=True)) == {
        "published": 44,
        "draft": 2,
        "submitted": 3,
        "returned": 1,
    }
    assert Counter(ExpertProfile.objects.values_list("status", flat=True)) == {
        "published": 33,
        "draft": 2,
        "hidden": 1,
    }
    assert ExpertWork.objects.count() == 70
    assert ExpertProfile.objects.filter(is_government_staff=True).count() == 1
    assert ExpertProfile.objects.filter(is_frontline_engineer=True).count() == 9
    hangzhou = User.objects.get(email="hangzhou@kechuang.example")
    assert list(review_queue(Need, user=hangzhou).values_list("title", flat=True)) == [
        "扁形茶炒制过程含水率在线检测"
    ]
    expert = User.objects.get(email="expert@kechuang.example")
    assert expert.expert_profile.name == "林书航"
    assert expert.expert_profile.works.count() == 4


def test_demo_lifecycle_is_real(no_static: list[int]) -> None:
    cli.main(["demo", "--no-serve"])
    need = Need.objects.get(title="储能电池包液冷热管理与电芯均温控制")
    assert need.status == "published"
    assert need.created_by.email == "enterprise@kechuang.example"
    assert need.deadline is not None and need.expires_on is not None
    assert need.expires_on <= need.deadline
    publish = AuditEntry.objects.get(object_type="need", object_id=str(need.pk), note="publish")
    assert publish.actor.email == "staff-hz-park@kechuang.example"
    returned = Need.objects.get(title="冷藏车厢温度场多点无线监测与布点标定")
    assert returned.status == "returned"
    assert returned.return_reason.startswith("请补充车厢容积")


def test_demo_accounts_sign_in_with_the_demo_password(no_static: list[int]) -> None:
    cli.main(["demo", "--no-serve"])
    admin = User.objects.get(email="admin@kechuang.example")
    assert admin.is_superuser and admin.is_staff
    for email in ("admin", "zhejiang", "hangzhou", "enterprise", "expert"):
        user = User.objects.get(email=f"{email}@kechuang.example")
        assert user.check_password(DEMO_PASSWORD)


def test_reset_refuses_a_database_that_is_not_the_demo_file(
    no_static: list[int], capsys: Any
) -> None:
    # The test database is not $KECHUANG_DATA_DIR/kechuang.sqlite3, so nothing is deleted.
    assert cli.main(["demo", "--no-serve", "--reset"]) == 1
    assert "拒绝 --reset" in capsys.readouterr().err
    assert counts() == dict.fromkeys(EXPECTED, 0)
    assert no_static == []


def test_demo_reset_and_load_in_a_fresh_data_dir(tmp_path: Path) -> None:
    """The whole command in its own process: reset, migrate, load, collectstatic."""
    (tmp_path / "kechuang.sqlite3").write_text("not a database")
    env = {**os.environ, "KECHUANG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "demo", "--no-serve", "--reset"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "已删除演示数据库" in result.stdout
    assert "已载入演示数据：41 个组织" in result.stdout
    assert (tmp_path / "static" / "staticfiles.json").exists()
