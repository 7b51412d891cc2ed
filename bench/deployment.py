"""A real local deployment for the load and fault benchmarks: PostgreSQL, the demo data,
``kechuang serve`` (gunicorn) and ``kechuang worker``, each its own process.

Used by ``bench/load.py`` and ``bench/faults/``. Everything listens on 127.0.0.1 only.
The processes are this package's command line (``python -m kechuang.cli …``) with the
deployment's environment (``DATABASE_URL``, ``KECHUANG_DATA_DIR``, ``MEDIA_ROOT``), so what
is measured is what an operator runs.

API tokens for the demo accounts are issued by a child process that imports Django
(``python bench/deployment.py tokens LOGIN…``): the benchmark client itself never loads
the application.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

WRITER = "enterprise@kechuang.example"  # admin of 杭州澜储能源 (creates, attaches, submits)
PUBLISHER = "hangzhou@kechuang.example"  # staff of 杭州市科协 above it (publishes)


@dataclass
class Deployment:
    """One deployment's processes and settings; ``stop_all`` ends every process it started."""

    database_url: str
    data_dir: Path
    port: int
    workers: int = 3
    media_root: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            KECHUANG_DATA_DIR=str(self.data_dir),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
        )
        if self.media_root is not None:
            env["MEDIA_ROOT"] = str(self.media_root)
        env.update(self.extra_env)
        return env

    # --- preparing -----------------------------------------------------------------

    def create_database(self, *, drop: bool = False) -> None:
        """Create the database of ``database_url`` on its server (dropped first if asked)."""
        parts = urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as conn:
            if drop:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')

    def prepare(self) -> None:
        """Migrate, load the demo data if the database is empty, rebuild the index,
        collect static files: ``kechuang demo --no-serve`` (its own process)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cli("demo", "--no-serve", log="prepare.log")

    def cli(self, *args: str, log: str | None = None, timeout: float = 900) -> str:
        """Run ``kechuang ARGS`` to completion; its output (also kept in ``log``)."""
        done = subprocess.run(
            [sys.executable, "-m", "kechuang.cli", *args],
            env=self.env(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout.decode() + done.stderr.decode()
        if log:
            (self.data_dir / log).write_text(output)
        if done.returncode:
            raise RuntimeError(f"kechuang {' '.join(args)} failed ({done.returncode}):\n{output}")
        return done.stdout.decode()

    # --- processes -----------------------------------------------------------------

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``kechuang ARGS`` as process ``name`` (output appended to ``name``.log)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "kechuang.cli", *args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a signal to the benchmark does not reach it
        )
        log.close()
        self.procs[name] = proc
        return proc

    def start_web(self) -> subprocess.Popen[bytes]:
        return self.start(
            "web", "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self.start("worker", "worker")

    def stop(self, name: str, *, timeout: float = 30) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def web_worker_pids(self) -> list[int]:
        """The gunicorn workers: the children of the ``serve`` process (their master)."""
        proc = self.procs.get("web")
        return children(proc.pid) if proc is not None else []

    def cpu_seconds(self) -> float:
        """CPU time of every process started here and of their children, living or
        reaped (gunicorn's master reaps its workers: their time is in its ``cutime``)."""
        total = 0.0
        for proc in self.procs.values():
            total += _cpu(proc.pid, reaped=True) + sum(_cpu(c) for c in children(proc.pid))
        return total

    def busy_web_workers(self) -> list[int]:
        """The workers serving a request now: those holding an established connection
        to the server's port (a sync worker holds one only while it serves it)."""
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    cols = line.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == self.port and cols[3] == "01":
                        established.add(cols[9])  # the socket's inode
        busy = []
        for pid in self.web_worker_pids():
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in established:
                        busy.append(pid)
                        break
        return busy

    def wait_ready(self, *, timeout: float = 120) -> float:
        """Wait until ``/readyz`` answers 200 on every worker; the seconds it took."""
        start = time.monotonic()
        ok_in_a_row = 0
        while time.monotonic() - start < timeout:
            if self.procs.get("web") is not None and self.procs["web"].poll() is not None:
                raise RuntimeError(f"the web server exited; see {self.data_dir / 'web.log'}")
            status, _body = http_get(f"{self.url}/readyz", timeout=5)
            ok_in_a_row = ok_in_a_row + 1 if status == 200 else 0
            if ok_in_a_row >= 2 * self.workers:
                return time.monotonic() - start
            time.sleep(0.25)
        raise TimeoutError(f"{self.url}/readyz not ready after {timeout:.0f} s")

    # --- reading the deployment's state ------------------------------------------------

    def tokens(self, logins: Sequence[str]) -> dict[str, str]:
        """One new API token per demo login (issued through the accounts service)."""
        done = subprocess.run(
            [sys.executable, __file__, "tokens", *logins],
            env=self.env(),
            capture_output=True,
            timeout=120,
            check=True,
        )
        tokens: dict[str, str] = json.loads(done.stdout.decode().strip().splitlines()[-1])
        return tokens

    def search_health(self) -> dict[str, Any]:
        health: dict[str, Any] = json.loads(self.cli("search-health", "--json", timeout=300))
        return health

    @contextlib.contextmanager
    def db(self) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=5) as conn:
            yield conn


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after its ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _cpu(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of ``pid`` (and of its reaped children), in seconds; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11 : 15 if reaped else 13])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def http_get(url: str, *, timeout: float = 10) -> tuple[int, bytes]:
    """Status and body of a GET (0 when nothing answered)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, urllib.error.URLError):
        return 0, b""


def _issue_tokens(logins: Sequence[str]) -> dict[str, str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    django.setup()
    from kechuang.accounts.models import User
    from kechuang.accounts.services import api_token_create

    return {
        login: api_token_create(user=User.objects.get(email=login), name="bench").plaintext
        for login in logins
    }


if __name__ == "__main__":
    if sys.argv[1:2] != ["tokens"]:
        sys.exit("usage: deployment.py tokens LOGIN…")
    print(json.dumps(_issue_tokens(sys.argv[2:])))
