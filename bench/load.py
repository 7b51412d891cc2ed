"""Load benchmark: a real deployment under 5 → 20 → 50 concurrent users.

What runs: PostgreSQL (your own database; created if missing), the demo data
(``kechuang demo --no-serve``: migrate, load when empty, rebuild the index), ``kechuang
serve`` with 3 gunicorn workers on 127.0.0.1 and one ``kechuang worker`` — or, with
``--url``, a deployment you started (then ``--database-url``/``--data-dir`` must be its
own: API tokens for two demo accounts are issued through the accounts service).

The client is a **bounded closed loop** on asyncio + aiohttp: each simulated user sends
one request, waits for the answer, sends the next (no think time), so the offered load is
the number of users and the server is never flooded past it. Every step is bounded in
time (``--duration``) and in requests (``--max-requests``). Why not locust: on two shared
cores its gevent workers and web UI cost CPU the server needs, and its reports do not
carry what this one must (load average beside each step, time until a published need is
searchable, per-step write scenarios); aiohttp is one light process.

The mix (every ``--writer-every``-th user writes, the rest read; weights in ``READS``):

- ``page``: anonymous pages — home, lists of needs / achievements / experts /
  organisations, and their detail pages;
- ``search``: the search page (``/search/?q=``) and the search API (``/api/v1/search``);
- ``api``: API reads — lists and details of needs, achievements, experts;
- writes, in order, as the writer users do them (API, Bearer tokens): ``create`` a need
  (enterprise@ of 杭州澜储能源), ``attach`` a small PDF, ``submit`` it, ``publish`` it as
  the staff of 杭州市科协 (hangzhou@).

After each publish, the need's title is searched for (``/api/v1/search``, every 0.5 s, up
to ``--search-deadline`` s) until it is found: the time from the publish's answer until
then is reported (these polls are the ``poll`` class, not counted as reads).

Reported per step and class: requests, req/s, p50 / p95 / p99 (ms), errors (any status
but the expected one, or no answer), and the machine: CPU count, the 1-minute load
average sampled every 2 s (mean and max over the step) and the client's own CPU time.
Targets (issue 12): reads p95 < 300 ms and every write p95 < 500 ms at 20 users.

    PYTHONPATH=src .venv/bin/python bench/load.py --json /tmp/kc-load.json

(≈ 5 minutes: preparing ≈ 45 s, three steps of 60 s, the last polls.)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from deployment import PUBLISHER, WRITER, Deployment
from load_report import markdown, summarize, targets

QUERIES = [
    "储能电池热管理",
    "电芯均温",
    "机器视觉 分选",
    "冷链温度监测",
    "变压器局部放电",
    "新能源汽车电池回收",
    "智能制造 工业互联网",
    "茶叶加工",
    "碳纤维复合材料",
    "水处理 膜技术",
    "激光焊接检测",
    "农业物联网",
]
READS: list[tuple[str, str, int]] = [  # class, name, weight
    ("page", "home", 2),
    ("page", "list", 3),
    ("page", "detail", 3),
    ("search", "page", 2),
    ("search", "api", 2),
    ("api", "list", 2),
    ("api", "detail", 3),
]
# A minimal well-formed PDF (the upload check reads its type and its %%EOF).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Sample:
    cls: str
    name: str
    status: int  # 0: no answer (connection error, timeout)
    ok: bool
    ms: float


@dataclass
class Step:
    users: int
    samples: list[Sample] = field(default_factory=list)
    searchable: list[float | None] = field(default_factory=list)  # seconds; None: not found
    load: list[float] = field(default_factory=list)
    heartbeat_age: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float | None = None
    sent: int = 0


@dataclass
class Context:
    base: str
    session: aiohttp.ClientSession
    ids: dict[str, list[int]]
    writer: dict[str, str]
    publisher: dict[str, str]
    organization: int
    template: dict[str, Any]
    deadline: float
    step: Step
    stop_at: float = 0.0
    max_requests: int = 0
    polls: set[asyncio.Task[None]] = field(default_factory=set)
    server_cpu: Callable[[], float] | None = None  # CPU seconds of the deployment's processes
    heartbeat: Path | None = None  # the task worker's heartbeat file
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def more(self) -> bool:
        return time.monotonic() < self.stop_at and self.step.sent < self.max_requests


async def call(
    ctx: Context,
    cls: str,
    name: str,
    method: str,
    path: str,
    *,
    expect: int = 200,
    record: Step | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    """One timed request; its sample goes to the current step (or ``record``)."""
    step = record or ctx.step
    if record is None:
        step.sent += 1
    start = time.perf_counter()
    status, body = 0, None
    try:
        async with ctx.session.request(method, ctx.base + path, **kwargs) as response:
            status = response.status
            raw = await response.read()
            if response.content_type.endswith("json") and raw:
                body = json.loads(raw)
    except (TimeoutError, aiohttp.ClientError):
        status = 0
    ms = (time.perf_counter() - start) * 1000
    step.samples.append(Sample(cls, name, status, status == expect, ms))
    return status, body


async def read_once(ctx: Context, rng: random.Random) -> None:
    cls, name, _w = rng.choices(READS, weights=[w for *_, w in READS])[0]
    kind = rng.choice(["needs", "achievements", "experts"])
    if cls == "page" and name == "home":
        await call(ctx, cls, name, "GET", "/")
    elif cls == "page" and name == "list":
        await call(ctx, cls, name, "GET", f"/{rng.choice([kind, 'orgs'])}/")
    elif cls == "page":
        await call(ctx, cls, name, "GET", f"/{kind}/{rng.choice(ctx.ids[kind])}/")
    elif cls == "search":
        q = rng.choice(QUERIES)
        if name == "page":
            await call(ctx, cls, name, "GET", "/search/", params={"q": q})
        else:
            await call(ctx, cls, name, "GET", "/api/v1/search", params={"q": q})
    elif name == "list":
        await call(ctx, cls, name, "GET", f"/api/v1/{kind}", params={"page_size": 20})
    else:
        await call(ctx, cls, name, "GET", f"/api/v1/{kind}/{rng.choice(ctx.ids[kind])}")


async def reader(ctx: Context, seed: int) -> None:
    rng = random.Random(seed)
    while ctx.more():
        await read_once(ctx, rng)


async def write_once(ctx: Context) -> None:
    """Create → attach → submit → publish one need; then poll search for it."""
    n = next(ctx.counter)
    title = f"负载测试{ctx.run}x{n} 储能电芯液冷均温控制"
    payload = {**ctx.template, "organization": ctx.organization, "title": title}
    status, need = await call(
        ctx, "create", "need", "POST", "/api/v1/needs", json=payload, headers=ctx.writer, expect=201
    )
    if status != 201:
        return
    path = f"/api/v1/needs/{need['id']}"
    form = aiohttp.FormData()
    form.add_field("file", PDF, filename="spec.pdf", content_type="application/pdf")
    await call(
        ctx, "attach", "pdf", "POST", f"{path}/attachments", data=form, headers=ctx.writer,
        expect=201,
    )  # fmt: skip
    status, _ = await call(
        ctx, "submit", "need", "POST", f"{path}/actions/submit", headers=ctx.writer
    )
    if status != 200:
        return
    status, _ = await call(
        ctx, "publish", "need", "POST", f"{path}/actions/publish", headers=ctx.publisher
    )
    if status == 200:
        task = asyncio.create_task(poll_searchable(ctx, ctx.step, need["id"], title))
        ctx.polls.add(task)
        task.add_done_callback(ctx.polls.discard)


async def writer(ctx: Context) -> None:
    while ctx.more():
        await write_once(ctx)


async def poll_searchable(ctx: Context, step: Step, need_id: int, title: str) -> None:
    published = time.monotonic()
    while time.monotonic() - published < ctx.deadline:
        status, page = await call(
            ctx, "poll", "search", "GET", "/api/v1/search",
            params={"q": title, "kinds": "need", "page_size": 10}, record=step,
        )  # fmt: skip
        if status == 200 and any(hit["object_id"] == need_id for hit in page["items"]):
            step.searchable.append(time.monotonic() - published)
            return
        await asyncio.sleep(0.5)
    step.searchable.append(None)


async def sample_load(step: Step, stop: asyncio.Event, heartbeat: Path | None) -> None:
    """Every 2 s: the load average, and how old the task worker's heartbeat is (older than
    30 s, web requests take the worker for gone and index their own changes)."""
    while not stop.is_set():
        step.load.append(os.getloadavg()[0])
        with contextlib.suppress(OSError, ValueError):
            if heartbeat is not None:
                step.heartbeat_age.append(time.time() - float(heartbeat.read_text()))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 2)


async def run_step(ctx: Context, users: int, duration: float, writer_every: int) -> Step:
    step = ctx.step = Step(users=users)
    ctx.stop_at = time.monotonic() + duration
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_load(step, stop, ctx.heartbeat))
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    server = ctx.server_cpu() if ctx.server_cpu else None
    start = time.monotonic()
    await asyncio.gather(
        *(writer(ctx) if i % writer_every == 0 else reader(ctx, i) for i in range(users))
    )
    step.seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    step.client_cpu = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    if ctx.server_cpu and server is not None:
        step.server_cpu = ctx.server_cpu() - server
    stop.set()
    await sampler
    return step


# --- setting up ------------------------------------------------------------------------


async def discover(ctx: Context) -> None:
    """Public ids to read, the writer's organisation, a valid need to copy fields from."""
    for kind in ["needs", "achievements", "experts"]:
        _status, page = await call(
            ctx, "setup", kind, "GET", f"/api/v1/{kind}", params={"page_size": 100}
        )
        ctx.ids[kind] = [item["id"] for item in page["items"]]
    _status, me = await call(ctx, "setup", "me", "GET", "/api/v1/me", headers=ctx.writer)
    ctx.organization = me["memberships"][0]["organization"]["id"]
    ctx.template = {
        "description": "负载测试：储能电池包液冷板流道优化与电芯温差控制，"
        "目标在 2C 充放电工况下将电芯最大温差控制在 3℃ 以内，并给出可量产的工艺方案。",
        "region": "330108",
        "industry": "C38",
        "cooperation_modes": ["development"],
        "keywords": ["储能", "液冷", "热管理"],
        "contact_name": "负载测试",
    }


async def warm_up(ctx: Context, seconds: float, workers: int) -> float:
    """Unrecorded reads for ``seconds``, then rounds of ``workers`` concurrent searches
    until three rounds in a row answered each in under a second (every worker has its
    model loaded), at most a minute more; the seconds it took."""
    start = time.monotonic()
    ctx.step = Step(users=0)
    ctx.stop_at = start + seconds
    await asyncio.gather(*(reader(ctx, 1000 + i) for i in range(workers)))
    good = 0
    for round_ in itertools.count():
        if good == 3 or time.monotonic() - start > seconds + 60:
            break
        ctx.step = Step(users=0)
        queries = [QUERIES[(round_ * workers + i) % len(QUERIES)] for i in range(workers)]
        await asyncio.gather(
            *(
                call(ctx, "warm", "search", "GET", "/api/v1/search", params={"q": q})
                for q in queries
            )
        )
        good = good + 1 if all(s.ok and s.ms < 1000 for s in ctx.step.samples) else 0
    return time.monotonic() - start


async def main_async(
    args: argparse.Namespace,
    base: str,
    tokens: dict[str, str],
    server_cpu: Callable[[], float] | None,
) -> list[Any]:
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        ctx = Context(
            base=base,
            session=session,
            ids={},
            writer={"Authorization": f"Bearer {tokens[WRITER]}"},
            publisher={"Authorization": f"Bearer {tokens[PUBLISHER]}"},
            organization=0,
            template={},
            deadline=args.search_deadline,
            step=Step(users=0),
            max_requests=args.max_requests,
            server_cpu=server_cpu,
            heartbeat=args.data_dir / "worker.heartbeat",
        )
        await discover(ctx)
        warm = await warm_up(ctx, args.warm_up, args.web_workers)
        print(f"warmed up in {warm:.0f} s", flush=True)
        results = []
        for users in args.users:
            step = await run_step(ctx, users, args.duration, args.writer_every)
            results.append(step)
            print(f"step {users} users: {step.sent} requests in {step.seconds:.0f} s", flush=True)
        if ctx.polls:
            await asyncio.gather(*ctx.polls)
        return [summarize(s) for s in results]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running deployment (default: start one)")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kc_load"
    )  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/kc-load"))
    parser.add_argument("--port", type=int, default=8503)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--users", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--duration", type=float, default=60, help="seconds per step")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per step")
    parser.add_argument("--writer-every", type=int, default=10)
    parser.add_argument("--warm-up", type=float, default=10, help="seconds, not recorded")
    parser.add_argument("--search-deadline", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)

    deployment = Deployment(
        database_url=args.database_url,
        data_dir=args.data_dir,
        port=args.port,
        workers=args.web_workers,
    )
    started = time.monotonic()
    try:
        if not args.url:
            deployment.create_database()
            deployment.prepare()
            deployment.start_worker()
            deployment.start_web()
            deployment.wait_ready()
        base = args.url or deployment.url
        print(f"deployment ready in {time.monotonic() - started:.0f} s at {base}", flush=True)
        tokens = deployment.tokens([WRITER, PUBLISHER])
        cpu = None if args.url else deployment.cpu_seconds
        results = asyncio.run(main_async(args, base, tokens, cpu))
    finally:
        deployment.stop_all()
    cpus = os.cpu_count() or 0
    print(markdown(results, cpus))
    print("", *targets(results), sep="\n")
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    if args.json:
        meta = {"cpus": cpus, "args": {k: str(v) for k, v in vars(args).items()}}
        args.json.write_text(json.dumps({"meta": meta, "steps": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
