#!/usr/bin/env python3
"""Schemathesis against the live API: a server on a throwaway data directory with the demo
data, fuzzed through its own /api/v1/openapi.json with the tokens of several roles.

Fails (exit 1) on any 5xx or any response that breaks its documented schema. Traffic goes
to 127.0.0.1 only; the database, uploads, search index and mail (written as files, never
sent) all stay in the temporary directory, which is removed afterwards.

    scripts/fuzz_api.py --seed 20261201 --max-examples 25 --max-time 30   # CI (make test)
    scripts/fuzz_api.py --max-examples 200 --max-time 300                 # make fuzz

With ``--database-url postgres://…/any`` the server runs on a fresh PostgreSQL database
made beside that one (``kechuang_fuzz_<random>``) and dropped afterwards: NUL bytes and
out-of-range numbers fail there and not on SQLite. ``make fuzz-ci`` passes
``KECHUANG_TEST_POSTGRES_URL`` when it is set (as in CI).

Exit codes: 0 clean, 1 findings, 2 the server could not be set up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The roles and the demo accounts that play them (src/kechuang/demo).
ROLES = {
    "anonymous": None,
    "enterprise admin": "enterprise@kechuang.example",
    "association staff": "zhejiang@kechuang.example",
    "reviewer": "reviewer@kechuang.example",
    "platform admin": "admin@kechuang.example",
}
CHECKS = "not_a_server_error,response_schema_conformance"
# Revoking the token in use would turn the rest of that role's run into 401s.
EXCLUDE = ["--exclude-path-regex", r"^/api/v1/tokens/\{[^}]+\}$"]

TOKEN_SCRIPT = """
import json, django
django.setup()
from kechuang.accounts.backends import find_user_by_login
from kechuang.accounts.services import api_token_create
logins = json.loads(input())
print(json.dumps({
    role: api_token_create(user=find_user_by_login(login), name="fuzz").plaintext
    for role, login in logins.items()
}))
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DATABASE_"))}
    env.update(
        KECHUANG_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="kechuang.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
        # No model to load and nothing to send: the API is under test, not the embedder.
        KECHUANG_EMBEDDINGS="none",
        DEBUG="false",
    )
    return env


def _on_server(url: str, name: str) -> str:
    """``url`` with its database name replaced (the server, user and password kept)."""
    base, _, rest = url.rpartition("/")
    query = rest.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def _fresh_database(url: str) -> tuple[str, str]:
    """Create an empty database on the server of ``url``; its URL and name."""
    import psycopg
    from psycopg import sql

    name = f"kechuang_fuzz_{random.randrange(16**8):08x}"
    with psycopg.connect(_on_server(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _on_server(url, name), name


def _drop_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_on_server(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed")
    parser.add_argument("--max-examples", type=int, default=25, help="per operation and role")
    parser.add_argument("--max-time", type=int, default=30, help="seconds per role")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL URL: fuzz on a fresh database there"
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    python = sys.executable

    data_dir = Path(tempfile.mkdtemp(prefix="kechuang-fuzz-"))
    env = _env(data_dir)
    server: subprocess.Popen[bytes] | None = None
    database = ""
    print(f"== schemathesis: seed {seed}, data in {data_dir}", flush=True)
    try:
        if args.database_url:
            env["DATABASE_URL"], database = _fresh_database(args.database_url)
            print(f"== on PostgreSQL database {database}", flush=True)
        prepared = subprocess.run(
            [python, "-m", "kechuang.cli", "demo", "--no-serve"],
            env=env,
            cwd=data_dir,
            capture_output=True,
            text=True,
        )
        if prepared.returncode != 0:
            print(prepared.stdout, prepared.stderr, sep="\n", file=sys.stderr)
            return 2
        logins = {role: login for role, login in ROLES.items() if login}
        made = subprocess.run(
            [python, "-c", TOKEN_SCRIPT],
            env=env,
            cwd=data_dir,
            input=json.dumps(logins),
            capture_output=True,
            text=True,
            check=True,
        )
        tokens: dict[str, str] = json.loads(made.stdout.strip().splitlines()[-1])

        port = _free_port()
        log = (data_dir / "server.log").open("wb")
        server = subprocess.Popen(
            [
                python,
                "-m",
                "kechuang.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        schema_url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        if not _wait(schema_url, server, 120):
            print((data_dir / "server.log").read_text(errors="replace")[-5000:], file=sys.stderr)
            return 2

        failed: list[str] = []
        for role in ROLES:
            headers = ["-H", f"Authorization: Bearer {tokens[role]}"] if role in tokens else []
            print(f"\n== schemathesis as {role}", flush=True)
            run = subprocess.run(
                [
                    python,
                    "-m",
                    "schemathesis.cli",
                    "run",
                    schema_url,
                    "--checks",
                    CHECKS,
                    "--seed",
                    str(seed),
                    "--max-examples",
                    str(args.max_examples),
                    "--max-time",
                    str(args.max_time),
                    "--generation-database",
                    "none",
                    "--request-timeout",
                    "30",
                    "--no-color",
                    "--output-truncate",
                    "false",
                    *EXCLUDE,
                    *headers,
                ],
                env=env,
                cwd=data_dir,
            )
            if run.returncode != 0:
                failed.append(role)
        errors = [
            line
            for line in (data_dir / "server.log").read_text(errors="replace").splitlines()
            if "Internal Server Error" in line or "Traceback" in line
        ]
        if errors:
            print("\n".join(["", "== server errors:", *errors[:50]]))
        if failed:
            print(f"\nschemathesis found problems as: {', '.join(failed)} (seed {seed})")
            return 1
        print(
            f"\nschemathesis: no 5xx and no schema violation for {len(ROLES)} roles (seed {seed})"
        )
        return 0
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if database:
            _drop_database(args.database_url, database)
        if os.environ.get("KECHUANG_FUZZ_KEEP"):
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
