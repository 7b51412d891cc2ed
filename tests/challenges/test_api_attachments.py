"""Application attachments through /api/v1/challenges: upload, list, download, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kechuang.challenges.models import ApplicationAttachment, Call
from tests.api.conftest import Api, token_for
from tests.challenges.conftest import Tree, bid, challenge_state, past_deadline
from tests.transfer.conftest import PDF, png_bytes


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_upload_list_and_download(tree: Tree, published: Call) -> None:
    application = bid(tree, published)
    lab = Api(token_for(tree.lab_admin))
    base = f"/challenges/applications/{application.pk}/attachments"

    uploaded = lab.upload(base, "技术方案.pdf", PDF)

    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert (body["name"], body["content_type"], body["size"]) == (
        "技术方案.pdf",
        "application/pdf",
        len(PDF),
    )
    assert [a["id"] for a in lab.get(base).json()] == [body["id"]]
    file = lab.get(f"{base}/{body['id']}/file")
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "filename*=utf-8''%E6%8A%80" in file["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "方案.exe",
            b"MZ\x90\x00" + b"\x00" * 100,
            "只能上传 PDF 或图片（PNG、JPEG、WebP、GIF）文件。",
        ),
        ("方案.png", PDF, "文件扩展名与文件内容不符。"),
        ("方案.pdf", b"", "文件为空。"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused(
    tree: Tree, published: Call, name: str, content: bytes, message: str
) -> None:
    application = bid(tree, published)
    before = challenge_state()

    response = Api(token_for(tree.lab_admin)).upload(
        f"/challenges/applications/{application.pk}/attachments", name, content
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_file")
    assert response.json()["errors"]["file"] == [message]
    assert (challenge_state(), ApplicationAttachment.objects.count()) == (before, 0)


def test_a_file_over_the_size_limit_is_refused(tree: Tree, published: Call, settings: Any) -> None:
    settings.KECHUANG_MAX_UPLOAD_BYTES = 1024 * 1024
    application = bid(tree, published)
    big = PDF[:-6] + b" " * (1024 * 1024) + b"%%EOF\n"
    before = challenge_state()

    response = Api(token_for(tree.lab_admin)).upload(
        f"/challenges/applications/{application.pk}/attachments", "大文件.pdf", big
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_file")
    assert response.json()["errors"]["file"] == ["文件过大：最大 1 MB。"]
    assert (challenge_state(), ApplicationAttachment.objects.count()) == (before, 0)


def test_upload_after_the_deadline_is_refused(tree: Tree, published: Call) -> None:
    application = bid(tree, published)
    past_deadline(published)
    before = challenge_state()

    response = Api(token_for(tree.lab_admin)).upload(
        f"/challenges/applications/{application.pk}/attachments", "a.png", png_bytes()
    )

    assert (response.status_code, response.json()["code"]) == (409, "deadline_passed")
    assert (challenge_state(), ApplicationAttachment.objects.count()) == (before, 0)


@pytest.mark.parametrize(
    ("who", "upload", "listing"),
    [("anonymous", 401, 401), ("outsider", 404, 404), ("organiser", 404, 404)],
)
def test_only_the_applicant_side_uploads_and_a_draft_stays_private(
    tree: Tree, published: Call, who: str, upload: int, listing: int
) -> None:
    application = bid(tree, published)
    user = {"anonymous": None, "outsider": tree.world.jiangsu_staff}.get(who, tree.national_staff)
    client = Api(token_for(user) if user is not None else None)
    base = f"/challenges/applications/{application.pk}/attachments"

    assert client.upload(base, "a.pdf", PDF).status_code == upload
    assert client.get(base).status_code == listing
    assert ApplicationAttachment.objects.count() == 0
