"""Backup and restore of a whole deployment: the database, the uploaded files, the secret key.

One ``tar.gz`` archive holds ``manifest.json`` (format version, creation time, kechuang
version, database vendor, the applied migrations per app, every file with its sha256), the
database (SQLite: a consistent copy made with the online backup API; PostgreSQL: a
``pg_dump --format=custom`` dump), ``media/`` and ``secret_key``. The search index is
left out: it is derived from the database (``kechuang reindex``).

A restore goes into an empty deployment only, and verifies every checksum before it
writes anything.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from kechuang.common.errors import KechuangError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_DUMP_FILE = "database.pgdump"
SECRET_KEY_FILE = "secret_key"
CHUNK = 1024 * 1024


class BackupError(KechuangError):
    code = "backup_failed"


@dataclass(frozen=True)
class RestoreResult:
    vendor: str
    files: int
    media_files: int
    created_at: str


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _kechuang_version() -> str:
    try:
        return metadata.version("kechuang")
    except metadata.PackageNotFoundError:
        return "unknown"


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"找不到 {name}：PostgreSQL 数据库的备份和恢复需要 PostgreSQL 客户端工具"
            f"（如 apt install postgresql-client），且版本不低于服务器。"
        )
    return path


def _migration_state() -> dict[str, list[str]]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def _dump_database(staging: Path) -> tuple[str, Path]:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        target = staging / SQLITE_FILE
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return "sqlite", target
    if connection.vendor == "postgresql":
        target = staging / PG_DUMP_FILE
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--file", str(target), str(db["NAME"])],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
        return "postgresql", target
    raise BackupError(f"不支持备份此数据库：{connection.vendor}")


def backup_create(output: Path) -> dict[str, Any]:
    """Write the archive to ``output`` (beside it first, then renamed); returns the manifest."""
    from django.conf import settings

    output = Path(output)
    media_root = Path(settings.MEDIA_ROOT)
    secret_key = Path(settings.DATA_DIR) / SECRET_KEY_FILE
    with tempfile.TemporaryDirectory(prefix="kechuang-backup-") as tmp:
        vendor, dump = _dump_database(Path(tmp))
        entries: list[tuple[str, Path]] = [(dump.name, dump)]
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                entries.append((f"media/{path.relative_to(media_root).as_posix()}", path))
        if secret_key.is_file():
            entries.append((SECRET_KEY_FILE, secret_key))
        files = []
        for name, path in entries:
            with path.open("rb") as handle:
                files.append({"path": name, "size": path.stat().st_size, "sha256": _sha256(handle)})
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "kechuang_version": _kechuang_version(),
            "database_vendor": vendor,
            "migrations": _migration_state(),
            "files": files,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        partial = output.with_name(output.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
                archive.addfile(info, io.BytesIO(data))
                for name, path in entries:
                    archive.add(str(path), arcname=name, recursive=False)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        assert handle is not None
        manifest = json.loads(handle.read())
    except (KeyError, AssertionError, ValueError) as exc:
        raise BackupError("备份文件无效：缺少或无法读取 manifest.json。") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持。")
    return manifest


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _verify(archive: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every file of the manifest is in the archive with its checksum, and nothing else."""
    expected = {f["path"]: f["sha256"] for f in manifest["files"]}
    seen: set[str] = set()
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile() or not _safe_name(member.name):
            raise BackupError(f"备份文件无效：清单中没有 {member.name}。未写入任何数据。")
        handle = archive.extractfile(member)
        assert handle is not None
        if _sha256(handle) != expected[member.name]:
            raise BackupError(
                f"备份文件已损坏或被改动：{member.name} 的校验和不符。未写入任何数据。"
            )
        seen.add(member.name)
    if missing := sorted(set(expected) - seen):
        raise BackupError(f"备份文件不完整：缺少 {missing[0]}。未写入任何数据。")


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations the archive's database has that this version does not know (it is newer)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest.get("migrations", {}).items())
        for name in names
        if (app, name) not in known
    ]


def _deployment_is_empty() -> str | None:
    """Why this deployment is not empty, or None."""
    from django.conf import settings
    from django.db import connection

    tables = connection.introspection.table_names()
    if tables:
        return f"数据库中已有 {len(tables)} 张表（已执行迁移或已有数据）"
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        return f"上传文件目录 {media_root} 不为空"
    return None


def _extract(archive: tarfile.TarFile, name: str, target: Path) -> None:
    handle = archive.extractfile(name)
    assert handle is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        shutil.copyfileobj(handle, out, CHUNK)


def backup_restore(path: Path) -> RestoreResult:
    """Restore the archive into this (empty) deployment; the search index is rebuilt after."""
    from django.conf import settings
    from django.db import connection, connections

    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc}") from exc
    with archive:
        manifest = _read_manifest(archive)
        try:
            _verify(archive, manifest)
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"备份文件已损坏：{exc}。未写入任何数据。") from exc
        vendor = manifest["database_vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"备份来自 {vendor} 数据库，当前配置的是 {connection.vendor}，无法直接恢复；"
                "请改用 kechuang export / import。"
            )
        if unknown := _unknown_migrations(manifest):
            raise BackupError(
                f"备份来自更新的版本（{manifest.get('kechuang_version')}）：本版本不认识迁移 "
                f"{unknown[0]} 等 {len(unknown)} 个。请先升级 kechuang 再恢复。未写入任何数据。"
            )
        if reason := _deployment_is_empty():
            raise BackupError(f"拒绝恢复：只能恢复到全新的空部署，但{reason}。未写入任何数据。")
        names = [f["path"] for f in manifest["files"]]
        db = connection.settings_dict
        connections.close_all()
        if vendor == "sqlite":
            target = Path(str(db["NAME"]))
            partial = target.with_name(target.name + ".restoring")
            _extract(archive, SQLITE_FILE, partial)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(partial, target)
        else:
            with tempfile.TemporaryDirectory(prefix="kechuang-restore-") as tmp:
                dump = Path(tmp) / PG_DUMP_FILE
                _extract(archive, PG_DUMP_FILE, dump)
                done = subprocess.run(
                    [
                        _pg_tool("pg_restore"),
                        "--no-owner",
                        "--exit-on-error",
                        "--single-transaction",
                        "--dbname",
                        str(db["NAME"]),
                        str(dump),
                    ],
                    env=_pg_env(db),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    raise BackupError(f"pg_restore 失败：{done.stderr.strip()}")
        media_root = Path(settings.MEDIA_ROOT)
        media = [n for n in names if n.startswith("media/")]
        for name in media:
            _extract(archive, name, media_root / PurePosixPath(name).relative_to("media"))
        if SECRET_KEY_FILE in names:
            key = Path(settings.DATA_DIR) / SECRET_KEY_FILE
            _extract(archive, SECRET_KEY_FILE, key)
            key.chmod(0o600)
    return RestoreResult(
        vendor=vendor,
        files=len(names),
        media_files=len(media),
        created_at=manifest["created_at"],
    )
