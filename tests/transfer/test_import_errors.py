"""Import refuses bad files with clear messages and changes nothing."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest

from kechuang import cli
from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Need
from kechuang.orgs.models import Membership, Organization
from kechuang.transfer.errors import TransferFailed
from kechuang.transfer.importer import import_data, read_document

pytestmark = pytest.mark.django_db

T = "2026-01-05T02:00:00+00:00"

VALID: dict[str, Any] = {
    "format": "kechuang-export",
    "version": 1,
    "exported_at": T,
    "include_credentials": False,
    "organizations": [
        {
            "key": 1,
            "parent": None,
            "name": "中国科学技术协会",
            "short_name": "中国科协",
            "kind": "association",
            "level": "national",
            "region": "110000",
            "industry": None,
            "credit_code": None,
            "description": "",
            "website": "",
            "is_active": True,
            "created_at": T,
        },
        {
            "key": 2,
            "parent": 1,
            "name": "测试企业",
            "short_name": "",
            "kind": "enterprise",
            "level": "",
            "region": "330106",
            "industry": "C38",
            "credit_code": None,
            "description": "",
            "website": "",
            "is_active": True,
            "created_at": T,
        },
    ],
    "users": [
        {
            "key": 1,
            "email": "a@example.com",
            "mobile": None,
            "display_name": "甲",
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
            "date_joined": T,
            "last_login": None,
        },
    ],
    "memberships": [{"key": 1, "user": 1, "organization": 2, "role": "admin", "created_at": T}],
    "needs": [
        {
            "key": 1,
            "organization": 2,
            "title": "储能电池热管理",
            "description": "x" * 30,
            "region": "330106",
            "industry": "C38",
            "disciplines": ["470"],
            "cooperation_modes": ["development"],
            "keywords": "储能",
            "budget_min": "10.00",
            "budget_max": "20.00",
            "deadline": "2026-06-30",
            "contact_name": "王工",
            "contact_phone": "",
            "contact_email": "",
            "contact_visibility": "members",
            "status": "published",
            "return_reason": "",
            "submitted_at": T,
            "published_at": T,
            "expires_on": "2026-06-30",
            "created_by": 1,
            "created_at": T,
            "updated_at": T,
        },
    ],
    "achievements": [],
    "experts": [],
    "attachments": [],
    "audit": [
        {
            "key": 1,
            "at": T,
            "actor": 1,
            "action": "create",
            "object_type": "need",
            "object_id": "1",
            "object_repr": "储能电池热管理",
            "organization": 2,
            "before": None,
            "after": {"status": "draft"},
            "note": "",
        },
    ],
}


def nothing_saved() -> None:
    assert Organization.objects.count() == 0
    assert User.objects.count() == 0
    assert Membership.objects.count() == 0
    assert Need.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(TransferFailed) as caught:
        import_data(data)
    nothing_saved()
    return caught.value.problems


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    node: Any = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


def test_valid_document_imports() -> None:
    summary = import_data(copy.deepcopy(VALID))
    assert summary.counts["needs"] == 1
    enterprise = Organization.objects.get(pk=2)
    assert (enterprise.path, enterprise.depth) == ("/1/2/", 1)
    need = Need.objects.get(pk=1)
    assert sorted(need.disciplines.values_list("pk", flat=True)) == ["470"]
    assert need.created_at.isoformat() == T


def test_dry_run_saves_nothing() -> None:
    summary = import_data(copy.deepcopy(VALID), dry_run=True)
    assert summary.dry_run is True
    assert summary.counts["organizations"] == 2
    nothing_saved()


@pytest.mark.parametrize(
    "text, message",
    [
        (b"{not json", "文件不是有效的 JSON（第 1 行第 2 列）"),
        (b"[1, 2]", "文件不是 kechuang 导出文件：顶层应为 JSON 对象。"),
        (b"\xff\xfe{}", "文件不是 UTF-8 编码的文本"),
    ],
)
def test_unreadable_files(text: bytes, message: str) -> None:
    with pytest.raises(TransferFailed) as caught:
        read_document(io.BytesIO(text))
    assert caught.value.problems[0].startswith(message)


def test_wrong_format() -> None:
    assert problems_of(changed(("format",), "something-else")) == [
        '文件不是 kechuang 导出文件：format 应为 “kechuang-export”，实为 "something-else"。'
    ]


def test_wrong_version() -> None:
    assert problems_of(changed(("version",), 2)) == [
        "不支持的导出格式版本 2：本程序只能导入版本 1。"
    ]


def test_unknown_vocabulary_codes() -> None:
    data = changed(("needs", 0, "industry"), "C99")
    data["needs"][0]["disciplines"] = ["470", "999"]
    assert problems_of(data) == [
        "needs[0].industry: 未知的 industry 代码“C99”。",
        "needs[0].disciplines: 未知的 discipline 代码：999。",
    ]


def test_dangling_references() -> None:
    data = changed(("memberships", 0, "user"), 7)
    data["organizations"][1]["parent"] = 5
    assert problems_of(data) == [
        "organizations[1].parent: 引用了不存在的 organizations 记录 key=5。",
        "memberships[0].user: 引用了不存在的 users 记录 key=7。",
    ]


def test_cycle_in_the_tree() -> None:
    data = changed(("organizations", 0, "parent"), 2)
    assert problems_of(data) == [
        "organizations#1.parent: 上下级关系形成了环。",
        "organizations#2.parent: 上下级关系形成了环。",
    ]


def test_bad_values_are_reported_by_field() -> None:
    data = changed(("needs", 0, "budget_min"), "abc")
    data["needs"][0]["created_at"] = "2026-01-05T02:00:00"
    data["needs"][0]["status"] = "flying"
    data["users"][0]["key"] = "one"
    problems = problems_of(data)
    assert problems == [
        "users[0].key: 应为正整数。",
        "memberships[0].user: 引用了不存在的 users 记录 key=1。",
        "needs[0].budget_min: 应为数字。",
        "needs[0].created_by: 引用了不存在的 users 记录 key=1。",
        "needs[0].created_at: 时间须带时区，例如 2026-01-01T08:00:00+00:00。",
        "audit[0].actor: 引用了不存在的 users 记录 key=1。",
    ]


def test_model_rules_apply() -> None:
    data = changed(("needs", 0, "status"), "flying")
    assert problems_of(data) == ["needs[0].status: 值 'flying' 不是有效选项。"]


def test_attachment_content_must_match_its_checksum() -> None:
    data = copy.deepcopy(VALID)
    data["attachments"] = [
        {
            "key": 1,
            "need": 1,
            "achievement": None,
            "original_name": "a.pdf",
            "content_type": "application/pdf",
            "extension": "pdf",
            "size": 3,
            "sha256": "0" * 64,
            "uploaded_by": 1,
            "created_at": T,
            "content_base64": "YWJj",
        },
    ]
    assert problems_of(data) == ["attachments[0].content_base64: 文件内容与 size / sha256 不符。"]


def test_database_rejection_rolls_everything_back() -> None:
    data = copy.deepcopy(VALID)
    twin = dict(data["users"][0], key=2)  # the same e-mail twice: the unique index refuses
    data["users"].append(twin)
    problems = problems_of(data)
    assert len(problems) == 1
    assert problems[0].startswith("数据库拒绝了导入的数据：")


def test_refuses_a_database_that_has_data(world: Any) -> None:
    before = (Organization.objects.count(), User.objects.count())
    with pytest.raises(TransferFailed) as caught:
        import_data(copy.deepcopy(VALID))
    audit = AuditEntry.objects.count()
    assert caught.value.problems == [
        f"目标数据库不是空的（已有：组织 6，用户 7，审计记录 {audit}）。"
        "导入只能写入新建的空数据库：请新建数据库并运行 kechuang migrate 后再导入。"
    ]
    assert (Organization.objects.count(), User.objects.count()) == before


def test_cli_reports_problems_and_exits_1(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kechuang-export", "version": 9}', encoding="utf-8")
    assert cli.main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "✗ 导入失败，数据库未做任何修改。" in err
    assert "不支持的导出格式版本 9" in err
    assert cli.main(["import", str(tmp_path / "missing.json")]) == 1
    assert "无法读取文件" in capsys.readouterr().err
    nothing_saved()
