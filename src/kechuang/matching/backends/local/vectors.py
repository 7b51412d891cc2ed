"""The local index's vector side: a usearch HNSW file (cosine), keyed by unit key.

Readers memory-map the file read-only; a write session loads a mutable copy, and the
commit saves it beside the old file and renames it over (so an open map stays valid).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from usearch.index import Index as UsearchIndex

from kechuang.matching.backends.base import IndexCorrupted, Vector

Stat = tuple[int, int, int]  # inode, mtime in ns, size: tells when another process saved


class VectorStore:
    """``vectors.usearch`` (absent while no vector is stored, or without an embedder)."""

    def __init__(
        self,
        path: Path,
        *,
        dim: int,
        dtype: str,
        connectivity: int,
        expansion_add: int,
        expansion_search: int,
    ) -> None:
        self.path = path
        self.dim = dim
        self.dtype = dtype
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.index: UsearchIndex | None = None
        self.mutable = False  # a write session's private copy, not the shared map
        self._stat: Stat | None = None

    def __len__(self) -> int:
        return len(self.index) if self.index is not None else 0

    def _file_stat(self) -> Stat | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self, meta: dict[str, str]) -> None:
        """Map the file the catalogue's ``meta`` describes (again only if it changed)."""
        expected = int(meta.get("vectors", "0"))
        stat = self._file_stat()
        if stat is None:
            if expected:
                raise IndexCorrupted(f"{self.path} is missing")
            self.reset()
            return
        if stat == self._stat and self.index is not None:
            return
        if stat[2] != int(meta.get("vectors_size", "0")):
            raise IndexCorrupted(
                f"{self.path} is {stat[2]} bytes, expected {meta.get('vectors_size')}"
            )
        try:
            index = UsearchIndex.restore(str(self.path), view=True)
        except Exception as exc:
            raise IndexCorrupted(f"{self.path}: {exc}") from exc
        if index is None or len(index) != expected or (len(index) and index.ndim != self.dim):
            raise IndexCorrupted(f"{self.path} does not match the catalogue")
        index.expansion_search = self.expansion_search  # type: ignore[misc]
        self.index = index
        self._stat = stat
        self.mutable = False

    def reset(self) -> None:
        """Forget what is loaded (the next ``load`` maps the file afresh)."""
        self.index = None
        self._stat = None
        self.mutable = False

    # --- writing -----------------------------------------------------------------

    def make_mutable(self) -> None:
        """A private, writable copy of the current vectors for a write session."""
        if self.mutable:
            return
        mutable = UsearchIndex(
            ndim=self.dim,
            metric="cos",
            dtype=self.dtype,
            connectivity=self.connectivity,
            expansion_add=self.expansion_add,
            expansion_search=self.expansion_search,
            multi=False,
        )
        if self.index is not None and len(self.index):
            mutable.load(str(self.path))
            mutable.expansion_search = self.expansion_search  # type: ignore[misc]
        self.index = mutable
        self.mutable = True

    def remove(self, keys: Sequence[int]) -> None:
        if self.index is not None and keys:
            self.index.remove(np.array(keys, dtype=np.uint64))

    def add(self, keys: Sequence[int], vectors: Sequence[Vector]) -> None:
        if self.index is not None and keys:
            self.index.add(
                np.array(keys, dtype=np.uint64),
                np.asarray(np.stack(vectors), dtype=np.float32),
                threads=0,  # all cores: bulk builds are the slow case
            )

    def save(self) -> tuple[int, int]:
        """Write the session's copy (atomically); ``(vectors, file size)`` for the catalogue."""
        if self.index is None or not self.mutable:
            return 0, 0
        count = len(self.index)
        if not count:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            return 0, 0
        tmp = self.path.with_suffix(".tmp")
        self.index.save(str(tmp))
        os.replace(tmp, self.path)
        return count, os.path.getsize(self.path)

    def committed(self) -> None:
        """After the catalogue's commit: the file holds this copy, which stays loaded (and
        writable) until another process saves a newer file."""
        self._stat = self._file_stat()

    # --- reading -----------------------------------------------------------------

    def search(self, query: Vector, want: int, *, exact: bool) -> tuple[list[int], Any]:
        """The ``want`` nearest keys and their cosine distances."""
        assert self.index is not None
        matches = self.index.search(query, want, exact=exact, threads=1)
        return [int(k) for k in matches.keys], matches.distances

    def nearest_among(
        self, query: Vector, keys: Sequence[int], limit: int
    ) -> tuple[list[int], list[float]]:
        """Exact cosine of ``query`` to the vectors of ``keys`` (skipping keys without
        one): the ``limit`` nearest keys and their distances."""
        assert self.index is not None
        found = self.index.get(np.array(keys, dtype=np.uint64))
        if found is None or any(row is None for row in found):  # a unit without a vector
            present = [k for k in keys if self.index.contains(k)]
            if not present:
                return [], []
            found = self.index.get(np.array(present, dtype=np.uint64))
        else:
            present = list(keys)
        vectors = np.asarray(found, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = vectors @ (query / max(float(np.linalg.norm(query)), 1e-12))
        order = np.argsort(-sims, kind="stable")[:limit]
        return [present[int(i)] for i in order], [1.0 - float(sims[int(i)]) for i in order]

    def stored(self, keys: Sequence[int]) -> dict[int, Vector]:
        """The stored vectors of those ``keys`` that have one."""
        if self.index is None:
            return {}
        present = [k for k in keys if self.index.contains(k)]
        if not present:
            return {}
        stored = self.index.get(np.array(present, dtype=np.uint64))
        matrix = np.atleast_2d(np.asarray(stored, dtype=np.float32))
        return {key: matrix[i] for i, key in enumerate(present)}

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0
