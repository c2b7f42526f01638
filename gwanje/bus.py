"""In-process event bus: the center publishes from any thread, console streams (SSE) subscribe.

Each subscriber has its own bounded queue; one that cannot keep up loses its oldest messages
(it reloads from the API when told it missed some) instead of slowing the others."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Message]
    accepts: Callable[[Message], bool]
    missed: int = 0
    id: int = field(default_factory=itertools.count().__next__)


class Bus:
    def __init__(self, maxsize: int = 1000) -> None:
        self.maxsize = maxsize
        self._subs: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self, accepts: Callable[[Message], bool] = lambda m: True) -> Subscription:
        sub = Subscription(asyncio.Queue(self.maxsize), accepts)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, message: Message) -> None:
        """Thread-safe: hands the message to the event loop that owns the queues."""
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: Message) -> None:
        self.published += 1
        for sub in list(self._subs):
            if not sub.accepts(message):
                continue
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.missed += 1
            sub.queue.put_nowait(message)
