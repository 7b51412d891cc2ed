"""The local index's vector side: a usearch HNSW base file plus a small delta.

Writing a whole HNSW file for every change costs time in proportion to the index (88 ms
at 10k items, 406 ms at 100k, per write), so small writes do not touch the base file:

- the **base** (``vectors-<stamp>.usearch``, named in the catalogue's meta) is immutable
  between compactions; readers memory-map it read-only;
- the **delta** holds what changed since: ``key → vector`` for added or replaced units,
  ``key → None`` for units removed from the base. It is stored in the catalogue's
  ``vector_delta`` table, in the same SQLite transaction as the documents, so a commit is
  atomic; readers load it (at most ``delta_limit`` rows) with the meta and search it
  exactly beside the base, which masks the keys the delta overrides;
- when the delta outgrows ``delta_limit`` (or a session writes more than that, as a bulk
  build does), the session **folds** it into a writable copy of the base; the commit then
  saves a new base file, empties the delta, and removes the old file.

So a write costs the same at 10k and at 1M items, except one in ``delta_limit``, which
pays for a new base file.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from usearch.index import Index as UsearchIndex

from kechuang.matching.backends.base import IndexCorrupted, Vector

LEGACY_FILE = "vectors.usearch"  # the base file's name before format 2.1
Stat = tuple[str, int, int, int]  # name, inode, mtime in ns, size: tells when it changed


@dataclass
class Saved:
    """What a commit must record in the catalogue for the vector side."""

    file: str | None = None  # a new base file: the delta is emptied
    vectors: int = 0  # the new base's count and size (with ``file``)
    size: int = 0
    upserts: list[tuple[int, bytes | None]] = field(default_factory=list)  # delta rows
    deletes: list[int] = field(default_factory=list)  # delta rows no longer needed


class VectorStore:
    """The base file and the delta; see the module docstring."""

    def __init__(
        self,
        directory: Path,
        *,
        dim: int,
        dtype: str,
        connectivity: int,
        expansion_add: int,
        expansion_search: int,
        delta_limit: int = 1024,
    ) -> None:
        self.directory = directory
        self.dim = dim
        self.dtype = dtype
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.delta_limit = delta_limit
        self.base: UsearchIndex | None = None
        self.base_file = LEGACY_FILE
        self.mutable = False  # ``base`` is a private, writable copy (not the shared map)
        self.delta: dict[int, Vector | None] = {}
        self._stat: Stat | None = None
        self._matrix: tuple[list[int], Vector] | None = None  # the delta's vectors, stacked
        self._masked: int | None = None  # how many base keys the delta overrides
        self._changed: set[int] = set()  # delta keys changed by the open write session
        self._folded = False  # the open session folded the delta into ``base``

    # --- loading -------------------------------------------------------------------

    def _file_stat(self, name: str) -> Stat | None:
        try:
            st = os.stat(self.directory / name)
        except FileNotFoundError:
            return None
        return (name, st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self, meta: dict[str, str], delta: Iterable[tuple[int, bytes | None]]) -> None:
        """Map the base file the catalogue's ``meta`` names (again only if it changed) and
        take the committed ``delta`` rows."""
        name = meta.get("vectors_file") or LEGACY_FILE
        expected = int(meta.get("vectors", "0"))
        stat = self._file_stat(name)
        if stat is None:
            if expected:
                raise IndexCorrupted(f"{self.directory / name} is missing")
            self.base, self.mutable, self._stat = None, False, None
        elif stat != self._stat or self.base is None:
            if stat[3] != int(meta.get("vectors_size", "0")):
                raise IndexCorrupted(
                    f"{self.directory / name} is {stat[3]} bytes, "
                    f"expected {meta.get('vectors_size')}"
                )
            try:
                index = UsearchIndex.restore(str(self.directory / name), view=True)
            except Exception as exc:
                raise IndexCorrupted(f"{self.directory / name}: {exc}") from exc
            if index is None or len(index) != expected or (len(index) and index.ndim != self.dim):
                raise IndexCorrupted(f"{self.directory / name} does not match the catalogue")
            index.expansion_search = self.expansion_search  # type: ignore[misc]
            self.base, self.mutable, self._stat = index, False, stat
        self.base_file = name
        self.delta = {
            int(key): None if blob is None else np.frombuffer(blob, dtype=np.float32)
            for key, blob in delta
        }
        self._matrix = self._masked = None

    def reset(self) -> None:
        """Forget what is loaded (the next ``load`` maps the file afresh)."""
        self.base, self.mutable, self._stat = None, False, None
        self.delta = {}
        self._matrix = self._masked = None
        self._changed = set()
        self._folded = False

    def __len__(self) -> int:
        """Vectors stored: the base's, less those the delta removes or replaces, plus the
        delta's."""
        if not self.delta:
            return len(self.base) if self.base is not None else 0
        overridden = self._overridden()
        added = sum(1 for vector in self.delta.values() if vector is not None)
        return (len(self.base) if self.base is not None else 0) - overridden + added

    def _overridden(self) -> int:
        """How many keys of the base the delta removes or replaces (counted once per
        change of the delta, not per search)."""
        if self._masked is None:
            self._masked = sum(1 for key in self.delta if self._in_base(key))
        return self._masked

    def _in_base(self, key: int) -> bool:
        return self.base is not None and bool(self.base.contains(key))

    # --- writing -------------------------------------------------------------------

    def begin(self) -> None:
        self._changed = set()
        self._folded = False

    def remove(self, keys: Sequence[int]) -> None:
        if not keys:
            return
        if self._folded:
            assert self.base is not None
            self.base.remove(np.array(keys, dtype=np.uint64))
            return
        for key in keys:
            if self._in_base(key):
                self.delta[key] = None
            else:
                self.delta.pop(key, None)
            self._changed.add(key)
        self._matrix = self._masked = None
        self._fold_if_large()

    def add(self, keys: Sequence[int], vectors: Sequence[Vector]) -> None:
        if not keys:
            return
        if self._folded:
            assert self.base is not None
            self.base.add(
                np.array(keys, dtype=np.uint64),
                np.asarray(np.stack(vectors), dtype=np.float32),
                threads=0,  # all cores: bulk builds are the slow case
            )
            return
        for key, vector in zip(keys, vectors, strict=True):
            self.delta[key] = np.asarray(vector, dtype=np.float32)
            self._changed.add(key)
        self._matrix = self._masked = None
        self._fold_if_large()

    def _fold_if_large(self) -> None:
        if len(self.delta) <= self.delta_limit:
            return
        if not self.mutable:
            writable = UsearchIndex(
                ndim=self.dim,
                metric="cos",
                dtype=self.dtype,
                connectivity=self.connectivity,
                expansion_add=self.expansion_add,
                expansion_search=self.expansion_search,
                multi=False,
            )
            if self.base is not None and len(self.base):
                writable.load(str(self.directory / self.base_file))
                writable.expansion_search = self.expansion_search  # type: ignore[misc]
            self.base, self.mutable = writable, True
        base = self.base
        assert base is not None
        overridden = [key for key in self.delta if base.contains(key)]
        if overridden:
            base.remove(np.array(overridden, dtype=np.uint64))
        added = [(key, vector) for key, vector in self.delta.items() if vector is not None]
        if added:
            base.add(
                np.array([key for key, _ in added], dtype=np.uint64),
                np.asarray(np.stack([vector for _, vector in added]), dtype=np.float32),
                threads=0,
            )
        self.delta, self._matrix, self._masked, self._folded = {}, None, None, True

    def save(self) -> Saved:
        """What the commit records: a new base file (after a fold) or the delta rows."""
        if not self._folded:
            upserts = [
                (key, None if self.delta[key] is None else _blob(self.delta[key]))
                for key in self._changed
                if key in self.delta
            ]
            deletes = [key for key in self._changed if key not in self.delta]
            return Saved(upserts=upserts, deletes=deletes)
        assert self.base is not None
        count = len(self.base)
        if not count:
            return Saved(file="", vectors=0, size=0)
        name = f"vectors-{time.time_ns()}.usearch"
        tmp = self.directory / f"{name}.tmp"
        self.base.save(str(tmp))
        os.replace(tmp, self.directory / name)
        return Saved(file=name, vectors=count, size=os.path.getsize(self.directory / name))

    def committed(self, saved: Saved) -> None:
        """After the catalogue's commit: remove the replaced base file; the session's copy
        stays loaded (and writable) until another process saves a newer base."""
        if saved.file is not None:
            old, self.base_file = self.base_file, saved.file or LEGACY_FILE
            if old != self.base_file:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.directory / old)
            self._stat = self._file_stat(self.base_file) if saved.file else None
        self._changed = set()
        self._folded = False

    # --- reading -------------------------------------------------------------------

    def _delta_matrix(self) -> tuple[list[int], Vector]:
        if self._matrix is None:
            pairs = [(key, vector) for key, vector in self.delta.items() if vector is not None]
            keys = [key for key, _ in pairs]
            rows = [vector for _, vector in pairs]
            matrix = np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)
            matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            self._matrix = (keys, matrix.astype(np.float32))
        return self._matrix

    def search(self, query: Vector, want: int, *, exact: bool) -> tuple[list[int], list[float]]:
        """The ``want`` nearest keys and their cosine distances, base and delta merged."""
        found: list[tuple[float, int]] = []
        base = self.base
        if base is not None and len(base):
            masked = self._overridden()
            k = min(len(base), want + min(masked, want))
            while True:
                matches = base.search(query, k, exact=exact, threads=1)
                kept = [
                    (float(d), int(key))
                    for key, d in zip(matches.keys, matches.distances, strict=True)
                    if int(key) not in self.delta
                ]
                if len(kept) >= want or k >= min(len(base), want + masked):
                    break
                k = min(len(base), want + masked)
            found = kept
        keys, matrix = self._delta_matrix()
        if keys:
            sims = matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
            for i in np.argsort(-sims, kind="stable")[:want]:
                found.append((1.0 - float(sims[int(i)]), keys[int(i)]))
        found.sort()
        return [key for _, key in found[:want]], [d for d, _ in found[:want]]

    def stored(self, keys: Sequence[int]) -> dict[int, Vector]:
        """The stored vectors of those ``keys`` that have one."""
        found: dict[int, Vector] = {}
        from_base: list[int] = []
        for key in keys:
            if key in self.delta:
                vector = self.delta[key]
                if vector is not None:
                    found[key] = vector
            elif self._in_base(key):
                from_base.append(key)
        if from_base:
            assert self.base is not None
            stored = self.base.get(np.array(from_base, dtype=np.uint64))
            matrix = np.atleast_2d(np.asarray(stored, dtype=np.float32))
            found.update({key: matrix[i] for i, key in enumerate(from_base)})
        return found

    def nearest_among(
        self, query: Vector, keys: Sequence[int], limit: int
    ) -> tuple[list[int], list[float]]:
        """Exact cosine of ``query`` to the vectors of ``keys`` (skipping keys without
        one): the ``limit`` nearest keys and their distances."""
        found = self.stored(keys)
        present = [key for key in keys if key in found]
        if not present:
            return [], []
        vectors = np.stack([found[key] for key in present]).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = vectors @ (query / max(float(np.linalg.norm(query)), 1e-12))
        order = np.argsort(-sims, kind="stable")[:limit]
        return [present[int(i)] for i in order], [1.0 - float(sims[int(i)]) for i in order]

    def size(self) -> int:
        """Bytes of vectors: the base file's and the delta's."""
        path = self.directory / self.base_file
        delta = sum(v.nbytes for v in self.delta.values() if v is not None)
        return (path.stat().st_size if path.exists() else 0) + delta


def _blob(vector: Any) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()
