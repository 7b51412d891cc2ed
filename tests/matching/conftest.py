"""Platform-side matching fixtures: a tiny in-memory engine with the ``Engine`` API, the
search switched on for one test, and helpers that publish records *through the services*
and run their after-commit indexing.

``FakeEngine`` scores a document by how many of the query's words and character bigrams
it contains (title counts double) and uses the real filter semantics
(``backends.base.parse_filters``). It lets the platform tests run without building real
indexes; ``real_search`` switches a test to the real ``Engine`` without embeddings.
Nothing here is autouse: the engine's own tests in this folder are unaffected. ``backend``
gives each search backend in turn to the tests that every backend must pass.
"""

from __future__ import annotations

import functools
import html
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kechuang.catalog.choices import ListingAction
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.catalog.services import (
    achievement_create,
    expert_create,
    expert_set_status,
    expert_work_add,
    listing_transition,
    need_create,
)
from kechuang.matching import indexing
from kechuang.matching.backends.base import parse_filters
from kechuang.matching.types import Document, Hit, Query
from tests.conftest import World, achievement_data, need_data


@functools.cache
def lite_problem() -> str | None:
    """Why milvus-lite cannot run here (None when it can)."""
    try:
        from milvus_lite.server_manager import server_manager_instance
        from pymilvus import MilvusClient

        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "probe.db")
            client = MilvusClient(path)
            client.list_collections()
            client.close()
            server_manager_instance.release_server(path)
    except Exception as exc:  # noqa: BLE001 -- any failure to start means: skip, and say why
        return f"milvus-lite cannot start on this platform: {exc!r}"
    return None


BACKENDS = ["local", "milvus"]


def skip_unless_available(backend: str) -> None:
    if backend == "milvus" and (problem := lite_problem()):
        pytest.skip(problem)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each search backend in turn: ``local``, and ``milvus`` through milvus-lite."""
    skip_unless_available(request.param)
    return str(request.param)


_TOKEN = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+", re.IGNORECASE)


def terms(text: str) -> list[str]:
    """Latin/digit words and CJK bigrams (a CJK run of one character stays whole)."""
    out: list[str] = []
    for run in _TOKEN.findall((text or "").lower()[:512]):
        if run.isascii() or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(out))


class FakeEngine:
    """In-memory stand-in for ``matching.engine.Engine`` (same methods, same types)."""

    stores: dict[str, dict[str, Document]] = {}
    broken: set[str] = set()  # paths whose "files" are corrupted
    borrows_related = False  # no neighbours' words: a rebuild is one pass

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        if self.path in self.broken:
            raise ValueError(f"{path}: corrupted (fake)")
        self.docs = self.stores.setdefault(self.path, {})
        self.pending: dict[str, Document | None] = {}
        self.closed = False

    def _check(self) -> None:
        if self.path in self.broken:
            raise ValueError(f"{self.path}: corrupted (fake)")

    def upsert(
        self, docs: Iterable[Document], *, commit: bool = True, reuse_vectors: bool = False
    ) -> int:
        self._check()
        n = 0
        for doc in docs:
            self.pending[doc.id] = doc
            n += 1
        if commit:
            self.commit()
        return n

    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int:
        self._check()
        n = 0
        for doc_id in ids:
            n += doc_id in self.docs
            self.pending[doc_id] = None
        if commit:
            self.commit()
        return n

    def commit(self) -> None:
        for doc_id, doc in self.pending.items():
            if doc is None:
                self.docs.pop(doc_id, None)
            else:
                self.docs[doc_id] = doc
        self.pending = {}

    def _rank(
        self, text: str, kinds: Iterable[str], filters: dict[str, Any], exclude: Iterable[str]
    ) -> list[Hit]:
        self._check()
        parsed = parse_filters(filters, kinds)
        wanted = terms(text)
        excluded = set(exclude)
        hits = []
        for doc in self.docs.values():
            if doc.id in excluded or not parsed.matches(doc.kind, doc.attrs):
                continue
            fields = {
                "title": doc.title,
                "keywords": doc.keywords,
                "body": doc.body,
            }
            by_field = {}
            for name, value in fields.items():
                found = [t for t in wanted if t in value.lower()]
                if found:
                    by_field[name] = found
            best: str | None = None
            best_found: list[str] = []
            for passage in doc.passages:
                found = [t for t in wanted if t in passage.lower()]
                if len(found) > len(best_found):
                    best, best_found = passage, found
            if best_found:
                by_field["passage"] = best_found
            shared = [t for t in wanted if any(t in v for v in by_field.values())]
            if not shared:
                continue
            score = len(shared) + len(by_field.get("title", []))
            hits.append(
                Hit(
                    id=doc.id,
                    kind=doc.kind,
                    score=float(score),
                    lexical_score=float(score),
                    shared_terms=shared,
                    shared_terms_by_field=by_field,
                    best_passage=best,
                    snippet=html.escape((best or doc.body or doc.title)[:120]),
                )
            )
        hits.sort(key=lambda h: (-h.score, h.id))
        for rank, hit in enumerate(hits, 1):
            hit.lexical_rank = rank
        return hits

    def search(self, query: Query) -> list[Hit]:
        hits = self._rank(query.text, query.kinds, query.filters, query.exclude_ids)
        return hits[query.offset : query.offset + query.limit]

    def similar(
        self,
        doc: Document,
        *,
        kinds: Any = (),
        limit: int = 10,
        exclude_ids: Iterable[str] = frozenset(),
        **_: Any,
    ) -> list[Hit]:
        # no dense side, like the real engine without embeddings: there is no similarity
        # to calibrate, so no relevance label and no cut-off (test_relevance.py has both)
        text = " ".join((doc.title, doc.keywords, doc.body, *doc.passages))
        hits = self._rank(text, kinds, {}, {*exclude_ids, doc.id})
        return hits[:limit]

    def count(self) -> int:
        self._check()
        return len(self.docs)

    def count_kind(self, kind: str) -> int:
        return sum(1 for d in self.docs.values() if d.kind == kind)

    def info(self) -> dict[str, Any]:
        return {"model": "fake", "items": len(self.docs), "bytes": {"all": 0}, "path": self.path}

    def close(self) -> None:
        self.closed = True


class Search:
    """The switched-on search of one test: the engine in use and what it holds."""

    def __init__(self, rebuilds: list[str]) -> None:
        self.rebuilds = rebuilds

    @property
    def engine(self) -> Any:
        return indexing.get_engine()

    def ids(self) -> list[str]:
        engine = self.engine
        if isinstance(engine, FakeEngine):
            return sorted(engine.docs)
        return sorted(row[0] for row in engine.backend._db.execute("SELECT id FROM docs"))

    def doc(self, doc_id: str) -> Document | None:
        engine = self.engine
        if isinstance(engine, FakeEngine):
            return engine.docs.get(doc_id)
        return engine.backend.fetch([doc_id]).get(doc_id)


def _switch_on(
    settings: Any, tmp_path: Path, monkeypatch: Any, factory: Callable[[Path], Any]
) -> Iterator[Search]:
    settings.KECHUANG_SEARCH_BACKEND = "local"
    settings.KECHUANG_EMBEDDINGS = "none"
    settings.KECHUANG_INDEX_DIR = tmp_path / "index"
    rebuilds: list[str] = []
    monkeypatch.setattr(indexing, "rebuild_runner", lambda: rebuilds.append("triggered"))
    indexing.set_engine_factory(factory)
    indexing.rebuild_index()  # an empty (or current) index, as after `kechuang reindex`
    try:
        yield Search(rebuilds)
    finally:
        indexing.set_engine_factory(None)
        FakeEngine.stores.clear()
        FakeEngine.broken.clear()


@pytest.fixture
def search_on(db: Any, settings: Any, tmp_path: Path, monkeypatch: Any) -> Iterator[Search]:
    """The search engine on, with the in-memory ``FakeEngine``."""
    yield from _switch_on(settings, tmp_path, monkeypatch, FakeEngine)


@pytest.fixture
def real_search(db: Any, settings: Any, tmp_path: Path, monkeypatch: Any) -> Iterator[Search]:
    """The search engine on, with the real ``Engine`` (tantivy, no embeddings)."""
    from kechuang.matching.engine import Engine

    yield from _switch_on(settings, tmp_path, monkeypatch, lambda p: Engine(p, embedder=None))


# ---------------------------------------------------------------- records, via services


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """``with committed(): …`` runs the after-commit indexing of the services inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def publish(world: World, item: Any) -> Any:
    listing_transition(actor=world.owner_admin, item=item, action=ListingAction.SUBMIT)
    return listing_transition(actor=world.hangzhou_staff, item=item, action=ListingAction.PUBLISH)


def make_need(world: World, *, published: bool = True, **overrides: Any) -> Need:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(**overrides)
    )
    return publish(world, need) if published else need


def make_achievement(world: World, *, published: bool = True, **overrides: Any) -> Achievement:
    item = achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data(**overrides)
    )
    return publish(world, item) if published else item


def make_other_achievement(world: World, **overrides: Any) -> Achievement:
    """A published achievement of ``world.other_enterprise`` (another organisation)."""
    item = achievement_create(
        actor=world.other_admin,
        organization=world.other_enterprise,
        **achievement_data(**overrides),
    )
    listing_transition(actor=world.other_admin, item=item, action=ListingAction.SUBMIT)
    return listing_transition(actor=world.jiangsu_staff, item=item, action=ListingAction.PUBLISH)


def make_expert(
    world: World,
    *,
    name: str = "陈建国",
    keywords: str = "电池热管理，储能",
    works: Iterable[tuple[str, str]] = (("锂离子电池液冷散热结构优化", "工程热物理学报"),),
    affiliation: str = "浙江大学能源工程学院",
    biography: str = "长期从事储能系统热管理研究。",
    published: bool = True,
) -> ExpertProfile:
    expert = expert_create(
        actor=world.hangzhou_staff,
        organization=world.hangzhou,
        for_self=False,
        name=name,
        title_level="senior",
        title_name="教授",
        affiliation=affiliation,
        region_id="330106",
        keywords=keywords,
        biography=biography,
        disciplines=["470"],
    )
    for title, venue in works:
        expert_work_add(
            actor=world.hangzhou_staff, expert=expert, kind="paper", title=title, venue=venue
        )
    if published:
        expert = expert_set_status(actor=world.hangzhou_staff, expert=expert, status="published")
    return expert
