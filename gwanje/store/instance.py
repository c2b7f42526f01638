"""One center per data folder: a lock taken before anything is read or changed.

A center's start-up reconciles what a crash left behind (it ends the open events as "center
restarted", turns ``.part`` segments into gaps). A second ``gwanje serve`` on the folder of a
running center would do that to the running one's live state, so it must refuse first. The
lock is ``flock`` on ``<data>/gwanje.lock`` (released by the kernel when the process dies, so a
killed center never leaves a stale lock); the file says who holds it, for the refusal's line.
Within one process the lock is counted: the CLI takes it before its banner and the server's
lifespan takes it again.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gwanje.store.db import StoreError

LOCK_NAME = "gwanje.lock"


class InUse(StoreError):
    """The data folder belongs to a running center."""


@dataclass
class _Held:
    fd: int
    count: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def _holder(path: Path) -> str:
    try:
        who = json.loads(path.read_text(encoding="utf-8"))
        started = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(float(who["started"])))
        return f"pid {int(who['pid'])} on {who['host']}, {who['url']}, started {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not yet said who it is"


def claim(data_dir: Path, url: str) -> Path:
    """Take the data folder for this process (again, if it already holds it); ``InUse`` naming
    the running center when another process holds it. Returns the folder's key for ``release``."""
    folder = Path(data_dir).resolve()
    with _guard:
        if folder in _held:
            _held[folder].count += 1
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InUse(f"{folder} is in use by a running center ({_holder(path)}); not started") from None
        who = {"pid": os.getpid(), "host": socket.gethostname(), "url": url, "started": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(who).encode(), 0)
        _held[folder] = _Held(fd, 1)
        return folder


def release(folder: Path) -> None:
    """Give back one claim; the last one unlocks the folder."""
    with _guard:
        held = _held.get(folder)
        if held is None:
            return
        held.count -= 1
        if held.count == 0:
            del _held[folder]
            os.close(held.fd)  # closing the descriptor drops the flock
