"""``kechuang backup`` and ``kechuang restore``: demo data backed up, restored elsewhere, the
same; a tampered archive or a deployment that is not empty is refused and nothing is written.

Every command runs in its own process on its own data directory (SQLite).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import kechuang

SRC = str(Path(kechuang.__file__).resolve().parents[1])
ATTACHMENT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def run(
    data_dir: Path, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KECHUANG_DATA_DIR": str(data_dir),
        "KECHUANG_EMBEDDINGS": "none",
        "KECHUANG_SEARCH_BACKEND": "database",
        "PYTHONPATH": SRC,
    }
    for name in ("DATABASE_URL", "MEDIA_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "kechuang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def export(data_dir: Path, database_url: str | None = None) -> dict[str, object]:
    done = run(data_dir, "export", "--include-credentials", database_url=database_url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    data.pop("exported_at")
    return data


def tables(data_dir: Path) -> list[str]:
    path = data_dir / "kechuang.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A deployment with the demo data and one uploaded file, and its backup."""
    data_dir = tmp_path_factory.mktemp("source")
    done = run(data_dir, "demo", "--no-serve")
    assert done.returncode == 0, done.stderr
    upload = data_dir / "media" / "attachments" / "2026" / "plan.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(ATTACHMENT)
    archive = tmp_path_factory.mktemp("archive") / "kechuang.tar.gz"
    done = run(data_dir, "backup", "--output", str(archive))
    assert done.returncode == 0, done.stderr
    assert "上传文件 1 个，共 3 个文件" in done.stdout
    return data_dir, archive


def test_backup_archive_has_manifest_with_checksums(source: tuple[Path, Path]) -> None:
    _data_dir, archive = source
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names == [
        "database.sqlite3",
        "manifest.json",
        "media/attachments/2026/plan.pdf",
        "secret_key",
    ]
    assert manifest["format_version"] == 1
    assert manifest["database_vendor"] == "sqlite"
    assert "0001_initial" in manifest["migrations"]["catalog"]
    files = {f["path"]: f for f in manifest["files"]}
    assert sorted(files) == ["database.sqlite3", "media/attachments/2026/plan.pdf", "secret_key"]
    assert (
        files["media/attachments/2026/plan.pdf"]["sha256"] == hashlib.sha256(ATTACHMENT).hexdigest()
    )
    assert not any(n.startswith("index") for n in names)


def test_restore_into_fresh_deployment_gives_the_same_data(
    source: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, archive = source
    target = tmp_path / "restored"
    done = run(target, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "✓ 已从" in done.stdout
    assert export(target) == export(data_dir)
    assert (target / "media" / "attachments" / "2026" / "plan.pdf").read_bytes() == ATTACHMENT
    assert (target / "secret_key").read_text() == (data_dir / "secret_key").read_text()
    # a second restore into the now populated deployment is refused
    again = run(target, "restore", str(archive))
    assert again.returncode == 1
    assert "拒绝恢复：只能恢复到全新的空部署" in again.stderr


def test_tampered_archive_is_refused_and_nothing_is_written(
    source: tuple[Path, Path], tmp_path: Path
) -> None:
    _data_dir, archive = source
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(tampered, "w:gz") as out:
        for member in tar.getmembers():
            data = bytearray(tar.extractfile(member).read())  # type: ignore[union-attr]
            if member.name == "database.sqlite3":
                data[len(data) // 2] ^= 0x01
            out.addfile(member, io.BytesIO(bytes(data)))
    target = tmp_path / "target"
    target.mkdir()
    done = run(target, "restore", str(tampered))
    assert done.returncode == 1
    assert "database.sqlite3 的校验和不符。未写入任何数据。" in done.stderr
    assert tables(target) == []
    assert not (target / "media").exists()
    # the key is the one this deployment generated for itself, not the archive's
    with tarfile.open(archive) as tar:
        original = tar.extractfile("secret_key").read().decode()  # type: ignore[union-attr]
    assert (target / "secret_key").read_text() != original


def test_restore_refuses_when_media_exists(source: tuple[Path, Path], tmp_path: Path) -> None:
    _data_dir, archive = source
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "left-over.txt").write_text("x")
    done = run(tmp_path, "restore", str(archive))
    assert done.returncode == 1
    assert "上传文件目录" in done.stderr and "不为空" in done.stderr
    assert tables(tmp_path) == []


PG = "postgres://postgres@127.0.0.1:5432/"


def psql(sql: str) -> bool:
    try:
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", sql],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_postgresql_backup_and_restore(tmp_path: Path) -> None:
    if not psql("SELECT 1"):
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    names = ("kc_clipkg_src", "kc_clipkg_dst")
    for name in names:
        assert psql(f"DROP DATABASE IF EXISTS {name}")
        assert psql(f"CREATE DATABASE {name}")
    try:
        src, dst = (PG + name for name in names)
        done = run(tmp_path / "src", "demo", "--no-serve", database_url=src)
        assert done.returncode == 0, done.stderr
        archive = tmp_path / "pg.tar.gz"
        done = run(tmp_path / "src", "backup", "-o", str(archive), database_url=src)
        assert done.returncode == 0, done.stderr
        with tarfile.open(archive) as tar:
            assert sorted(tar.getnames()) == ["database.pgdump", "manifest.json", "secret_key"]
        done = run(tmp_path / "dst", "restore", str(archive), database_url=dst)
        assert done.returncode == 0, done.stderr
        assert export(tmp_path / "dst", dst) == export(tmp_path / "src", src)
        again = run(tmp_path / "dst", "restore", str(archive), database_url=dst)
        assert again.returncode == 1
        assert "拒绝恢复" in again.stderr
    finally:
        for name in names:
            psql(f"DROP DATABASE IF EXISTS {name}")


def test_restore_refuses_an_archive_from_a_newer_version(
    source: tuple[Path, Path], tmp_path: Path
) -> None:
    _data_dir, archive = source
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(newer, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"]["catalog"].append("9999_from_the_future")
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "target"
    done = run(target, "restore", str(newer))
    assert done.returncode == 1
    assert "本版本不认识迁移 catalog.9999_from_the_future" in done.stderr
    assert tables(target) == []
    assert not (target / "media").exists()
