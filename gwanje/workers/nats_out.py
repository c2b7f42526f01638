"""The worker's way out over NATS (``cluster.transport: nats``): the same ``put`` and
``put_nowait`` its camera threads call on the local queues. Events and segment notices go to the
JetStream stream with ``Nats-Msg-Id`` = the fact's id, and are forgotten only once the broker has
acknowledged them (kept and resent, in order, while it is away: the stream drops a resend it
already holds); health and live frames go on plain subjects and are not kept.

Subjects, ``gwanje.<site>.<kind>.<node>.<camera>``: kinds ``events`` and ``segments`` (persisted),
``health`` and ``live`` (not). The node's name in every subject lets the broker hold each node to
its own subjects (``cluster.nats.node_user``; gwanje.cluster_auth writes the permissions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections import deque

from gwanje.config.cluster import NatsConfig
from gwanje.workers import codec
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, SegmentOut, TrackOut

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


def token(value: str) -> str:
    """One subject token from an id: NATS's separators and wildcards never leak into a subject."""
    return _UNSAFE.sub("_", value) or "_"


def subject(site: str, kind: str, node: str, camera_id: str) -> str:
    return f"gwanje.{token(site)}.{kind}.{token(node)}.{token(camera_id)}"


def inbox_prefix(node: str) -> str:
    """A node's own reply subjects (its broker permissions let it subscribe to these alone)."""
    return f"_INBOX_{token(node)}"


async def connect(cfg: NatsConfig, name: str, node: str | None = None):  # noqa: ANN201 - nats.aio.client.Client
    """The center's connection (``node`` None: ``cfg.user``) or node ``node``'s (its own user,
    ``cfg.node_user``, and reply subjects)."""
    import ssl

    import nats

    tls = ssl.create_default_context(cafile=cfg.tls_ca) if cfg.tls_ca else None
    user = cfg.user_of(node)
    return await nats.connect(
        servers=list(cfg.servers),
        name=name,
        user=user,
        password=cfg.password() if user else None,
        inbox_prefix=inbox_prefix(node) if node else "_INBOX",
        tls=tls,
        max_reconnect_attempts=-1,  # a broker away is waited for, never given up on
        reconnect_time_wait=0.5,
        allow_reconnect=True,
    )


async def close(nc, what: str) -> None:  # noqa: ANN001 - nats.aio.client.Client
    """Close a connection on the way out; a failure is said, not raised (there is nothing left to do)."""
    try:
        await nc.close()
    except Exception as exc:
        log.warning("closing the NATS connection of %s failed: %s", what, exc)


class NatsOut:
    def __init__(self, cfg: NatsConfig, site: str, name: str) -> None:
        self.cfg, self.site, self.name = cfg, site, name
        self.pending: deque[tuple[str, bytes, str]] = deque()  # (subject, data, id) not yet acknowledged
        self.published: list[str] = []  # ids the stream acknowledged, in order
        self._plain_failing = False  # a failing plain publish is logged once, until one succeeds
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._wake: asyncio.Event | None = None
        self._nc = None
        self._halt = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"nats-out-{name}", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    # -- what the camera threads call -------------------------------------------------------
    def put(self, msg: EventOut | HealthOut | SegmentOut | TrackOut) -> None:
        data = codec.encode(msg)
        cam = codec.camera_of(msg)
        if isinstance(msg, HealthOut):
            self._plain(subject(self.site, "health", self.name, cam), data, {})
            return
        kind = (
            "events" if isinstance(msg, EventOut) else "tracks" if isinstance(msg, TrackOut) else "segments"
        )
        with self._lock:
            self.pending.append((subject(self.site, kind, self.name, cam), data, codec.message_id(msg)))
        self._loop.call_soon_threadsafe(self._wake.set)  # type: ignore[union-attr]

    def put_nowait(self, frame: LiveFrame) -> None:
        self._plain(
            subject(self.site, "live", self.name, frame.camera_id), frame.jpeg, codec.live_headers(frame)
        )

    def _plain(self, subj: str, data: bytes, headers: dict) -> None:
        async def send() -> None:
            # not kept while the broker is away: a late health report or frame is worth nothing
            try:
                if self._nc is None or not self._nc.is_connected:
                    raise ConnectionError("not connected to NATS")
                await self._nc.publish(subj, data, headers=headers or None)
                self._plain_failing = False
            except Exception as exc:
                if not self._plain_failing:
                    log.warning("%s: health and live frames are dropped (%s)", self.name, exc)
                self._plain_failing = True

        asyncio.run_coroutine_threadsafe(send(), self._loop)

    # -- the connection's own thread -------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._wake = asyncio.Event()
        self._ready.set()
        self._nc = await connect(self.cfg, f"gwanje-worker-{self.name}", self.name)
        js = self._nc.jetstream()
        backoff = 0.2
        while not self._halt:
            with self._lock:
                head = self.pending[0] if self.pending else None
            if head is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.5)
                continue
            subj, data, msg_id = head
            try:
                await js.publish(subj, data, headers={"Nats-Msg-Id": msg_id}, timeout=2.0)
            except Exception as exc:  # broker away, stream not there yet, timeout: the same again
                log.debug("publishing %s failed (%s); again in %.1f s", msg_id, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            with self._lock:
                self.pending.popleft()
                self.published.append(msg_id)
            log.info("published %s", msg_id)  # the node's own account of what the stream holds
        await self._nc.drain()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything put has been acknowledged by the stream."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self.pending:
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._halt = True
        if self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        self._thread.join(10)
