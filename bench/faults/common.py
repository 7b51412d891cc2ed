"""What every fault script shares: a PostgreSQL cluster of its own, a fresh deployment per
fault, a client that records every answer and every acknowledged write, and the checks
afterwards (lost writes, index convergence, recovery, status codes).

The cluster (``/tmp/kc-faults/pg``, port 5499, socket in /tmp) belongs to these scripts
alone: the PostgreSQL restart fault restarts it, never the machine's shared server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
from deployment import PUBLISHER, WRITER, Deployment, http_get  # noqa: E402
from load import PDF, QUERIES  # noqa: E402

ROOT = Path(os.environ.get("KC_FAULTS_DIR", "/tmp/kc-faults"))
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 5499
BASE_DB = "kc_faults_base"
PORT = 8504


# --- our own PostgreSQL --------------------------------------------------------------


class PgCluster:
    """A throw-away cluster run by the ``postgres`` user (initdb refuses root)."""

    def __init__(self, root: Path = ROOT / "pg", port: int = PG_PORT) -> None:
        self.root, self.port = root, port

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, check=check, timeout=120)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        if not (self.root / "PG_VERSION").exists():
            self.root.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.root, "postgres", "postgres")
            self._run("initdb", "-D", str(self.root), "-U", "postgres", "--auth=trust")
        if self._run("pg_ctl", "-D", str(self.root), "status", check=False).returncode != 0:
            self._run("pg_ctl", "-D", str(self.root), "-w", "-l", str(self.root / "log"),
                      "-o", self._options(), "start")  # fmt: skip

    def _options(self) -> str:
        return f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"

    def restart(self, *, mode: str = "fast") -> float:
        """``pg_ctl restart`` (connections are cut); the seconds until it accepts again."""
        start = time.monotonic()
        self._run("pg_ctl", "-D", str(self.root), "-w", "-m", mode, "-l",
                  str(self.root / "log"), "-o", self._options(), "restart")  # fmt: skip
        return time.monotonic() - start

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root), "-w", "-m", "fast", "stop", check=False)


# --- a fresh deployment per fault ------------------------------------------------------


def base_ready(cluster: PgCluster) -> Deployment:
    """The demo data once, in ``kc_faults_base`` (a template for every fault's database)."""
    base = Deployment(cluster.url(BASE_DB), ROOT / "base", PORT)
    with contextlib.suppress(Exception), base.db() as conn:
        if conn.execute("SELECT 1 FROM catalog_need LIMIT 1").fetchone():
            return base
    base.create_database(drop=True)
    base.prepare()
    return base


@contextlib.contextmanager
def deployment(name: str, *, media_root: Path | None = None, **env: str) -> Iterator[Deployment]:
    """Database ``kc_fault_<name>`` copied from the base, a new data directory (the index
    rebuilt from the database), the web server (3 workers) and the worker; all stopped at
    the end, whatever happens."""
    cluster = PgCluster()
    cluster.start()
    base = base_ready(cluster)
    data = ROOT / name
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copytree(base.data_dir / "embeddings", data / "embeddings")  # cache: no re-embedding
    dep = Deployment(cluster.url(f"kc_fault_{name}"), data, PORT, media_root=media_root)
    dep.extra_env.update(env)
    db = f"kc_fault_{name}"
    with base.db() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{BASE_DB}"')
    try:
        dep.prepare()
        dep.start_worker()
        dep.start_web()
        dep.wait_ready()
        yield dep
    finally:
        dep.stop_all()


# --- the client ------------------------------------------------------------------------


@dataclass
class Answer:
    t: float  # seconds since the traffic started, when the answer came
    what: str
    path: str
    status: int  # 0: no answer (connection refused or cut, timeout)
    retry_after: str | None
    content_type: str


@dataclass
class Traffic:
    """Every answer, and every write the server acknowledged (2xx)."""

    t0: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    created: dict[int, str] = field(default_factory=dict)  # need id -> title
    attached: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> need, sha256
    published: set[int] = field(default_factory=set)
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # failed write, need id
    marks: dict[str, float] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: os.urandom(3).hex())
    stopping: bool = False

    def now(self) -> float:
        return time.monotonic() - self.t0

    def mark(self, name: str) -> None:
        self.marks[name] = round(self.now(), 2)


async def request(
    session: aiohttp.ClientSession, traffic: Traffic, what: str, method: str, url: str, **kw: Any
) -> tuple[int, Any]:
    status, body, retry, ctype = 0, None, None, ""
    try:
        async with session.request(method, url, **kw) as response:
            status, retry = response.status, response.headers.get("Retry-After")
            ctype = response.content_type
            raw = await response.read()
            if ctype.endswith("json") and raw:
                body = json.loads(raw)
    except (TimeoutError, aiohttp.ClientError):
        status = 0
    path = urllib.parse.urlsplit(url).path
    traffic.answers.append(Answer(traffic.now(), what, path, status, retry, ctype))
    return status, body


async def write_loop(
    session: aiohttp.ClientSession, base: str, traffic: Traffic, ctx: dict[str, Any]
) -> None:
    n = 0
    while not traffic.stopping:
        n += 1
        title = f"故障测试{traffic.tag}w{ctx['index']}n{n} 储能电芯液冷均温控制"
        payload = {**ctx["template"], "title": title}
        status, need = await request(
            session, traffic, "create", "POST", f"{base}/api/v1/needs", json=payload,
            headers=ctx["writer"],
        )  # fmt: skip
        if status != 201:
            await asyncio.sleep(0.2)
            continue
        traffic.created[need["id"]] = title
        path = f"{base}/api/v1/needs/{need['id']}"
        form = aiohttp.FormData()
        form.add_field("file", PDF, filename="spec.pdf", content_type="application/pdf")
        status, att = await request(
            session, traffic, "attach", "POST", f"{path}/attachments", data=form,
            headers=ctx["writer"],
        )  # fmt: skip
        if status == 201:
            traffic.attached[att["id"]] = (need["id"], hashlib.sha256(PDF).hexdigest())
        else:
            traffic.unanswered.append(("attach", need["id"]))
        status, _ = await request(
            session, traffic, "submit", "POST", f"{path}/actions/submit", headers=ctx["writer"]
        )
        if status != 200:
            traffic.unanswered.append(("submit", need["id"]))
            continue
        status, _ = await request(
            session, traffic, "publish", "POST", f"{path}/actions/publish",
            headers=ctx["publisher"],
        )  # fmt: skip
        if status == 200:
            traffic.published.add(need["id"])
        else:
            traffic.unanswered.append(("publish", need["id"]))


async def read_loop(session: aiohttp.ClientSession, base: str, traffic: Traffic, seed: int) -> None:
    n = seed
    while not traffic.stopping:
        n += 1
        if n % 3 == 0:
            await request(session, traffic, "read", "GET", f"{base}/needs/")
        elif n % 3 == 1:
            q = QUERIES[n % len(QUERIES)]
            await request(session, traffic, "read", "GET", f"{base}/api/v1/search", params={"q": q})
        else:
            await request(session, traffic, "read", "GET", f"{base}/api/v1/needs")
        await asyncio.sleep(0.05)


async def drive(
    dep: Deployment,
    fault: Callable[[Traffic], Awaitable[None]],
    *,
    seconds: float,
    writers: int = 4,
    readers: int = 2,
    body: Callable[[aiohttp.ClientSession, str, Traffic, dict[str, Any]], Awaitable[None]]
    | None = None,
) -> Traffic:
    """Writers and readers for ``seconds``; ``fault`` runs beside them (it gets the
    traffic, to mark when it struck)."""
    tokens = dep.tokens([WRITER, PUBLISHER])
    traffic = Traffic()
    timeout = aiohttp.ClientTimeout(total=70)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as s:
        ctx = await client_context(s, dep.url, tokens)
        loop_body = body or write_loop
        loops = [loop_body(s, dep.url, traffic, dict(ctx, index=i)) for i in range(writers)]
        loops += [read_loop(s, dep.url, traffic, i) for i in range(readers)]
        tasks = [asyncio.create_task(x) for x in loops]

        async def stop_later() -> None:
            await asyncio.sleep(seconds)
            traffic.stopping = True

        await asyncio.gather(stop_later(), fault(traffic))
        traffic.stopping = True
        await asyncio.gather(*tasks)
    traffic.mark("traffic_end")
    return traffic


async def client_context(
    s: aiohttp.ClientSession, base: str, tokens: dict[str, str]
) -> dict[str, Any]:
    writer = {"Authorization": f"Bearer {tokens[WRITER]}"}
    async with s.get(f"{base}/api/v1/me", headers=writer) as response:
        me = await response.json()
    return {
        "writer": writer,
        "publisher": {"Authorization": f"Bearer {tokens[PUBLISHER]}"},
        "template": {
            "organization": me["memberships"][0]["organization"]["id"],
            "description": "故障测试：储能电池包液冷板流道优化与电芯温差控制，目标在 2C 充放电"
            "工况下将电芯最大温差控制在 3℃ 以内。",
            "region": "330108",
            "industry": "C38",
            "cooperation_modes": ["development"],
            "contact_name": "故障测试",
        },
    }


# --- the checks afterwards --------------------------------------------------------------


def error_window(traffic: Traffic, since: float = 0.0) -> dict[str, Any]:
    """Failed answers (no answer, 5xx, or 507) after ``since``: first and last, statuses,
    500s, and 503s without Retry-After."""
    bad = [a for a in traffic.answers if a.t >= since and (a.status == 0 or a.status >= 500)]
    statuses = Counter(a.status for a in traffic.answers if a.t >= since)
    if not bad:
        return {"failed": 0, "window_s": 0.0, "statuses": dict(statuses)}
    return {
        "failed": len(bad),
        "first_s": round(bad[0].t, 2),
        "last_s": round(bad[-1].t, 2),
        "window_s": round(bad[-1].t - bad[0].t, 2),
        "statuses": dict(sorted(statuses.items())),
        "failed_by_request": dict(Counter(f"{a.what} {a.status}" for a in bad)),
        "500s": sum(a.status == 500 for a in bad),
        "503_without_retry_after": sum(a.status == 503 and not a.retry_after for a in bad),
        "non_json_errors_to_api": sum(
            a.status != 0 and a.path.startswith("/api/") and "json" not in a.content_type
            for a in bad
        ),
    }


def lost_writes(dep: Deployment, traffic: Traffic) -> dict[str, Any]:
    """Each acknowledged write, looked up in the database (and the media directory)."""
    media = dep.media_root or dep.data_dir / "media"
    with dep.db() as conn:
        needs = dict(
            conn.execute(
                "SELECT id, title FROM catalog_need WHERE id = ANY(%s)", (list(traffic.created),)
            ).fetchall()
        )
        statuses = dict(
            conn.execute(
                "SELECT id, status FROM catalog_need WHERE id = ANY(%s)",
                (list(traffic.published),),
            ).fetchall()
        )
        files = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, need_id, sha256, file, size FROM catalog_attachment WHERE id = ANY(%s)",
                (list(traffic.attached),),
            ).fetchall()
        }
        tagged = conn.execute(
            "SELECT count(*) FROM catalog_need WHERE title LIKE %s", (f"故障测试{traffic.tag}%",)
        ).fetchone()[0]
        done = {
            "attach": set(
                conn.execute(
                    "SELECT need_id FROM catalog_attachment WHERE need_id = ANY(%s)",
                    ([i for w, i in traffic.unanswered if w == "attach"],),
                ).fetchall()
            ),
            "submit": set(
                conn.execute(
                    "SELECT id FROM catalog_need WHERE id = ANY(%s) AND status <> 'draft'",
                    ([i for w, i in traffic.unanswered if w == "submit"],),
                ).fetchall()
            ),
            "publish": set(
                conn.execute(
                    "SELECT id FROM catalog_need WHERE id = ANY(%s) AND status = 'published'",
                    ([i for w, i in traffic.unanswered if w == "publish"],),
                ).fetchall()
            ),
        }
        empty_files = conn.execute(
            "SELECT count(*) FROM catalog_attachment WHERE size = 0"
        ).fetchone()[0]
    lost_needs = [i for i, title in traffic.created.items() if needs.get(i) != title]
    lost_publishes = [i for i in traffic.published if statuses.get(i) != "published"]
    lost_files = []
    for att_id, (need_id, sha) in traffic.attached.items():
        row = files.get(att_id)
        path = media / row[2] if row else None
        if (
            row is None
            or row[0] != need_id
            or row[1] != sha
            or path is None
            or not path.exists()
            or hashlib.sha256(path.read_bytes()).hexdigest() != sha
        ):
            lost_files.append(att_id)
    zero_byte = [p.name for p in media.rglob("*") if p.is_file() and p.stat().st_size == 0]
    return {
        "acknowledged": {
            "creates": len(traffic.created),
            "attachments": len(traffic.attached),
            "publishes": len(traffic.published),
        },
        "lost": len(lost_needs) + len(lost_publishes) + len(lost_files),
        "lost_creates": lost_needs,
        "lost_publishes": lost_publishes,
        "lost_attachments": lost_files,
        # writes that took effect although the client got an error or no answer
        "committed_but_not_acknowledged": {
            "create": tagged - len(traffic.created),
            **{what: len(rows) for what, rows in done.items()},
        },
        "zero_byte_files": zero_byte,
        "zero_size_rows": empty_files,
    }


def index_converged(dep: Deployment, traffic: Traffic, *, deadline: float = 180) -> dict[str, Any]:
    """Poll until the index matches the database: nothing queued, as many documents of each
    kind as public rows, and every need of this run found by search exactly when the
    database says it is published. ``converged_s``: seconds from the end of the traffic
    to the start of the first check that passed (an upper bound), or None."""
    start = time.monotonic()
    last: dict[str, Any] = {}
    while time.monotonic() - start < deadline:
        checked = time.monotonic()
        try:
            health = dep.search_health()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last = {"error": str(exc)[:300]}
            time.sleep(2)
            continue
        expected, found = health.get("expected"), health.get("by_kind")
        last = {"pending": health.get("pending"), "expected": expected, "by_kind": found,
                "status": health.get("status"), "rebuilding": health.get("rebuilding")}  # fmt: skip
        if health.get("status") == "ok" and not health.get("pending") and expected == found:
            missing = search_mismatches(dep, traffic)
            last["search_mismatches"] = missing
            if not missing:
                # the state seen by this check: converged at the latest when it began
                return {"converged_s": round(checked - start, 1), **last}
        time.sleep(2)
    return {"converged_s": None, **last}


def search_mismatches(dep: Deployment, traffic: Traffic) -> list[int]:
    """Needs of this run whose presence in search disagrees with the database."""
    with dep.db() as conn:
        rows = conn.execute(
            "SELECT id, title, status FROM catalog_need WHERE title LIKE %s",
            (f"故障测试{traffic.tag}%",),
        ).fetchall()

    def disagrees(row: tuple[int, str, str]) -> bool:
        need_id, title, status = row
        query = {"q": title, "kinds": "need", "page_size": 10}
        code, raw = http_get(f"{dep.url}/api/v1/search?{urllib.parse.urlencode(query)}", timeout=60)
        if code != 200:
            return True
        found = any(hit["object_id"] == need_id for hit in json.loads(raw)["items"])
        return found != (status == "published")

    with ThreadPoolExecutor(3) as pool:  # as many as the web workers
        return [row[0] for row, bad in zip(rows, pool.map(disagrees, rows), strict=True) if bad]


def recovered(dep: Deployment, traffic: Traffic, *, last: int = 10) -> dict[str, Any]:
    """Whether the app answers normally again with no process restarted by hand: the
    last ``last`` answers of the traffic succeeded, and afterwards ``/readyz`` and a list
    of needs answer 200."""
    tail = traffic.answers[-last:]
    failed = [a for a in tail if a.status == 0 or a.status >= 500]
    ready, _ = http_get(f"{dep.url}/readyz", timeout=30)
    listed, _ = http_get(f"{dep.url}/api/v1/needs", timeout=30)
    return {
        "recovered": len(tail) == last and not failed and ready == 200 and listed == 200,
        "last_answers_failed": len(failed),
        "readyz": ready,
        "needs_list": listed,
    }


def report(name: str, dep: Deployment, traffic: Traffic, extra: dict[str, Any] | None = None,
           *, since: float = 0.0, deadline: float = 180) -> dict[str, Any]:  # fmt: skip
    result = {
        "fault": name,
        "marks": traffic.marks,
        "errors": error_window(traffic, since),
        "writes": lost_writes(dep, traffic),
        "recovery": recovered(dep, traffic),
        "index": index_converged(dep, traffic, deadline=deadline),
        **(extra or {}),
    }
    return result
