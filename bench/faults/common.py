"""What every fault script shares: a PostgreSQL cluster of its own, a fresh deployment per
fault, and a client that records every answer and every acknowledged write (the checks
afterwards are in ``checks.py``).

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
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
from deployment import PUBLISHER, WRITER, Deployment  # noqa: E402
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
    probe_ok: bool = False

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
        if not await write_once(session, base, traffic, ctx, title):
            await asyncio.sleep(0.2)


async def write_once(
    session: aiohttp.ClientSession, base: str, traffic: Traffic, ctx: dict[str, Any], title: str
) -> bool:
    """Create, attach, submit, publish one need; whether every step was acknowledged."""
    payload = {**ctx["template"], "title": title}
    status, need = await request(
        session, traffic, "create", "POST", f"{base}/api/v1/needs", json=payload,
        headers=ctx["writer"],
    )  # fmt: skip
    if status != 201:
        return False
    traffic.created[need["id"]] = title
    path = f"{base}/api/v1/needs/{need['id']}"
    form = aiohttp.FormData()
    form.add_field("file", PDF, filename="spec.pdf", content_type="application/pdf")
    status, att = await request(
        session, traffic, "attach", "POST", f"{path}/attachments", data=form,
        headers=ctx["writer"],
    )  # fmt: skip
    attached = status == 201
    if attached:
        traffic.attached[att["id"]] = (need["id"], hashlib.sha256(PDF).hexdigest())
    else:
        traffic.unanswered.append(("attach", need["id"]))
    status, _ = await request(
        session, traffic, "submit", "POST", f"{path}/actions/submit", headers=ctx["writer"]
    )
    if status != 200:
        traffic.unanswered.append(("submit", need["id"]))
        return False
    status, _ = await request(
        session, traffic, "publish", "POST", f"{path}/actions/publish", headers=ctx["publisher"]
    )
    if status != 200:
        traffic.unanswered.append(("publish", need["id"]))
        return False
    traffic.published.add(need["id"])
    return attached


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
    after: float = 20,
    body: Callable[[aiohttp.ClientSession, str, Traffic, dict[str, Any]], Awaitable[None]]
    | None = None,
) -> Traffic:
    """Writers and readers for ``seconds``, and ``after`` seconds more once the fault is
    over (its mark ``fault_end``, else ``fault``); ``fault`` runs beside them."""
    tokens = dep.tokens([WRITER, PUBLISHER])
    traffic = Traffic()
    timeout = aiohttp.ClientTimeout(total=70)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as s:
        ctx = await client_context(s, dep.url, tokens)
        loop_body = body or write_loop
        loops = [loop_body(s, dep.url, traffic, dict(ctx, index=i)) for i in range(writers)]
        loops += [read_loop(s, dep.url, traffic, i) for i in range(readers)]
        tasks = [asyncio.create_task(x) for x in loops]

        strike = asyncio.create_task(fault(traffic))
        await asyncio.sleep(seconds)
        await strike
        over = traffic.marks.get("fault_end", traffic.marks.get("fault", 0.0))
        await asyncio.sleep(max(0.0, after - (traffic.now() - over)))
        traffic.stopping = True
        await asyncio.gather(*tasks)
        traffic.mark("traffic_end")
        # recovered? one more need through every write, after the traffic
        traffic.probe_ok = await write_once(
            s, dep.url, traffic, dict(ctx), f"故障测试{traffic.tag}probe 储能电芯液冷均温控制"
        )
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
