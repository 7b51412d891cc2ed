"""The local index's SQLite sidecar, ``meta.sqlite3``.

``meta`` holds the index's format, model, dimension, commit version, unit and vector
counts and the vector base file's name and size (readers check the files against it);
``docs`` holds each document's row, texts, attributes and unit numbers — read only for
the top candidates of a search; ``vector_delta`` the vectors changed since the base file
was written (``vectors.py``), committed in the same transaction as the documents.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from kechuang.matching.backends.base import IndexCorrupted
from kechuang.matching.backends.local.vectors import Saved
from kechuang.matching.types import Document

FORMAT = "2"  # 2: the "related" lexical field

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    keywords TEXT NOT NULL,
    body TEXT NOT NULL,
    passages TEXT NOT NULL,
    attrs TEXT NOT NULL,
    units TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vector_delta (key INTEGER PRIMARY KEY, vec BLOB);
"""


def _chunks(values: Sequence[object], size: int) -> Iterable[list[object]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class Catalogue:
    """``meta.sqlite3``: opened (and created, for a fresh index) on construction."""

    def __init__(self, path: Path, *, model: str, dim: int) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_TABLES)
            meta = self.meta()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupted(f"{path}: {exc}") from exc
        if not meta:
            with self._db:
                self._db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("model", model),
                        ("dim", str(dim)),
                        ("version", "0"),
                        ("units", "0"),
                        ("vectors", "0"),
                        ("vectors_size", "0"),
                        ("last_write", ""),
                    ],
                )

    # --- meta ----------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def adopt_model(self, model: str, dim: int) -> None:
        """Record another model (only while nothing is indexed)."""
        with self._db:
            self._db.execute("UPDATE meta SET value=? WHERE key='model'", (model,))
            self._db.execute("UPDATE meta SET value=? WHERE key='dim'", (str(dim),))

    def version(self) -> int:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupted(f"{self.path}: {exc}") from exc
        return int(row[0]) if row else 0

    def snapshot(self) -> tuple[dict[str, str], list[tuple[int, bytes | None]]]:
        """The meta and the vector delta as of one commit (one read transaction)."""
        try:
            if self._db.in_transaction:  # a write session's own, uncommitted state
                return self.meta(), self._delta()
            self._db.execute("BEGIN")
            try:
                return self.meta(), self._delta()
            finally:
                self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupted(f"{self.path}: {exc}") from exc

    def _delta(self) -> list[tuple[int, bytes | None]]:
        return self._db.execute("SELECT key, vec FROM vector_delta").fetchall()

    def commit(self, saved: Saved) -> int:
        """Record the vector side's changes, count the units, bump the version and commit
        everything pending in one transaction; the new version."""
        meta = self.meta()
        if saved.file is not None:
            self._db.execute("DELETE FROM vector_delta")
            vectors = {"vectors_file": saved.file, "vectors": saved.vectors}
            vectors["vectors_size"] = saved.size
        else:
            self._db.executemany("INSERT OR REPLACE INTO vector_delta VALUES (?, ?)", saved.upserts)
            self._db.executemany(
                "DELETE FROM vector_delta WHERE key = ?", [(key,) for key in saved.deletes]
            )
            vectors = {}
        units = self._db.execute(
            "SELECT COALESCE(SUM(json_array_length(units)), 0) FROM docs"
        ).fetchone()[0]
        version = int(meta["version"]) + 1
        self._db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [
                ("version", str(version)),
                ("units", str(units)),
                *((key, str(value)) for key, value in vectors.items()),
                ("last_write", datetime.now(UTC).isoformat(timespec="seconds")),
            ],
        )
        self._db.commit()
        return version

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.rollback()

    # --- documents -----------------------------------------------------------------

    def rows_for(self, ids: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """``id → (row, units as JSON, kind)`` of the given ids that are indexed."""
        found: dict[str, tuple[int, str, str]] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row, doc_id, units, kind in self._db.execute(
                f"SELECT row, id, units, kind FROM docs WHERE id IN ({marks})", chunk
            ):
                found[doc_id] = (row, units, kind)
        return found

    def docs_for_rows(self, rows: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``row → (id, kind)``."""
        found: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(list(dict.fromkeys(rows)), 900):
            marks = ",".join("?" * len(chunk))
            for row, doc_id, kind in self._db.execute(
                f"SELECT row, id, kind FROM docs WHERE row IN ({marks})", chunk
            ):
                found[row] = (doc_id, kind)
        return found

    def put(self, doc: Document, units: Sequence[int], *, row: int | None) -> int:
        """Insert ``doc`` (``row=None``) or update it in place; its row."""
        values = (
            doc.kind,
            doc.title,
            doc.keywords,
            doc.body,
            json.dumps(list(doc.passages), ensure_ascii=False),
            json.dumps(doc.attrs, ensure_ascii=False, default=str),
            json.dumps(list(units)),
        )
        if row is not None:
            self._db.execute(
                "UPDATE docs SET kind=?, title=?, keywords=?, body=?, passages=?, "
                "attrs=?, units=? WHERE row=?",
                (*values, row),
            )
            return row
        cursor = self._db.execute(
            "INSERT INTO docs (id, kind, title, keywords, body, passages, attrs, "
            "units) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, *values),
        )
        return int(cursor.lastrowid or 0)

    def delete(self, ids: Sequence[str]) -> None:
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM docs WHERE id IN ({marks})", chunk)

    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), 500):
            marks = ",".join("?" * len(chunk))
            for doc_id, kind, title, keywords, body, passages, attrs in self._db.execute(
                "SELECT id, kind, title, keywords, body, passages, attrs FROM docs "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[doc_id] = Document(
                    id=doc_id,
                    kind=kind,
                    title=title,
                    keywords=keywords,
                    body=body,
                    passages=tuple(json.loads(passages)),
                    attrs=json.loads(attrs),
                )
        return found

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def count_kind(self, kind: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM docs WHERE kind = ?", (kind,)).fetchone()
        return int(row[0])

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(f"{self.path.name}*"))

    def close(self) -> None:
        self._db.close()
