"""A real center for the end-to-end tests: `gwanje user add` for the accounts, then
`gwanje serve` as its own process on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from gwanje.store.db import open_database
from gwanje.store.users import Role, UserError, create_user

GWANJE = [sys.executable, "-m", "gwanje"]
PASSWORD = "correct horse battery"
ACCOUNTS = [
    ("admin", "admin", None),
    ("kim", "operator", None),
    ("park", "supervisor", None),
    ("police", "agency", "police"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningCenter:
    base: str
    process: subprocess.Popen
    data_dir: Path
    log: Path

    def login(self, username: str = "admin", timeout: float = 30.0) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=timeout, verify=False)  # a test's self-signed TLS
        r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
        return c


@contextmanager
def run_center(
    folder: Path,
    cameras: list[dict],
    *,
    db_url: str | None = None,
    workers: int = 1,
    site_extra: dict | None = None,
    **server,
) -> Iterator[RunningCenter]:
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "data"
    port = free_port()
    site = {
        "site": "test",
        "cameras": cameras,
        "server": {
            "port": port,
            "data_dir": str(data_dir),
            "workers": workers,
            **{k: str(v) if isinstance(v, Path) else v for k, v in server.items()},
        },
        **(site_extra or {}),
    }
    config = folder / "site.yaml"
    config.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "GWANJE_PASSWORD": PASSWORD}
    env.pop("GWANJE_DATABASE_URL", None)
    if db_url:
        env["GWANJE_DATABASE_URL"] = db_url
    # the accounts, made in this process (`gwanje user add` is a 2-s process start each; its own
    # tests are in tests/web/test_user_admin.py)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(db_url or f"sqlite:///{(data_dir / 'gwanje.db').resolve()}")
    try:
        with db.sessions.begin() as s:
            for name, role, agency in ACCOUNTS:
                with contextlib.suppress(UserError):  # a second start on the same store
                    create_user(s, username=name, password=PASSWORD, role=Role(role), agency=agency)
    finally:
        db.close()
    log = folder / "server.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [*GWANJE, "serve", "--config", str(config)], env=env, stdout=fh, stderr=subprocess.STDOUT
        )
    base = f"{'https' if server.get('certfile') else 'http'}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text(errors='replace')}")
            try:
                if httpx.get(base + "/api/health", timeout=2, verify=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within 60 s: {log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield RunningCenter(base, proc, data_dir, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # what Ctrl-C does
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
