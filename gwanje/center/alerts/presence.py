"""Who is watching: a console counts as present while its event stream is open, or for
``presence_s`` after it was last heard from (a heartbeat, or the stream closing). On duty is
present operators and supervisors; a signed-in session that nobody looks at is not."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Console:
    username: str
    role: str
    streams: int = 0  # open event streams
    last_seen: float = field(default_factory=time.time)
    since: float = field(default_factory=time.time)  # present without a break since


class Presence:
    def __init__(self, presence_s: float = 30.0, clock=time.time) -> None:  # noqa: ANN001
        self.presence_s = presence_s
        self.clock = clock
        self._consoles: dict[str, Console] = {}
        self._lock = threading.Lock()

    def _get(self, username: str, role: str, now: float) -> Console:
        c = self._consoles.get(username)
        if c is None or (c.streams == 0 and now - c.last_seen > self.presence_s):
            c = self._consoles[username] = Console(username, role, last_seen=now, since=now)
        c.role = role
        return c

    def stream_opened(self, username: str, role: str) -> None:
        with self._lock:
            now = self.clock()
            c = self._get(username, role, now)
            c.streams += 1
            c.last_seen = now

    def stream_closed(self, username: str) -> None:
        with self._lock:
            c = self._consoles.get(username)
            if c is not None:
                c.streams = max(0, c.streams - 1)
                c.last_seen = self.clock()

    def heartbeat(self, username: str, role: str) -> None:
        with self._lock:
            now = self.clock()
            self._get(username, role, now).last_seen = now

    def gone(self, username: str) -> None:
        """Signed out or shift ended: not present from now on, whatever streams linger."""
        with self._lock:
            self._consoles.pop(username, None)

    def present(self) -> list[Console]:
        """The consoles present now, by user name."""
        with self._lock:
            now = self.clock()
            return sorted(
                (
                    Console(c.username, c.role, c.streams, c.last_seen, c.since)
                    for c in self._consoles.values()
                    if c.streams > 0 or now - c.last_seen <= self.presence_s
                ),
                key=lambda c: c.username,
            )

    def on_duty(self) -> list[Console]:
        return [c for c in self.present() if c.role in ("operator", "supervisor")]
