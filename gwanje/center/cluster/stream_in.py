"""The center's side of the NATS transport (``cluster.transport: nats``; docs/cluster.md): it
makes sure the JetStream stream exists, takes events and segment notices from it with a durable
pull consumer, stores them (``Center.ingest``: one transaction per batch) and acknowledges each
message only after that commit. A message taken and not acknowledged (the center died between
commit and ack) comes again after ``ack_wait_s``; storing it again changes nothing (a hit already
stored is skipped by its id; an end sets the same end), so each fact is stored exactly once.
Health and live frames arrive on plain subjects and are not kept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gwanje.config.cluster import NatsConfig
from gwanje.workers import codec
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, SegmentOut, TrackOut
from gwanje.workers.nats_out import close, connect, token

log = logging.getLogger(__name__)


async def ensure_stream(js, cfg: NatsConfig, site: str) -> None:  # noqa: ANN001 - a JetStreamContext
    from nats.js.api import StorageType, StreamConfig

    config = StreamConfig(
        name=cfg.stream,
        subjects=[
            f"gwanje.{token(site)}.events.>",
            f"gwanje.{token(site)}.segments.>",
            f"gwanje.{token(site)}.tracks.>",
        ],
        storage=StorageType.FILE,
        num_replicas=cfg.replicas,
        max_age=cfg.max_age_h * 3600,
        duplicate_window=cfg.duplicate_window_s,
    )
    try:
        await js.add_stream(config)
    except Exception as exc:  # it exists with other settings: bring them up to date
        log.info("stream %s exists (%s); updating it", cfg.stream, exc)
        await js.update_stream(config)


class EventStream:
    """``store(events, segments, records)`` commits a batch (blocking; run in a thread); ``on_health`` and
    ``on_live`` take the plain messages."""

    def __init__(
        self,
        cfg: NatsConfig,
        site: str,
        *,
        store: Callable[[list, list, list], None],
        on_health: Callable[[HealthOut], None] = lambda h: None,
        on_live: Callable[[LiveFrame], None] = lambda f: None,
    ) -> None:
        self.cfg, self.site = cfg, site
        self.store, self.on_health, self.on_live = store, on_health, on_live
        self.connected = asyncio.Event()

    async def run(self) -> None:
        """Until cancelled."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        nc = await connect(self.cfg, f"gwanje-center-{self.site}")
        try:
            js = nc.jetstream()
            while True:  # a cluster that is starting has no JetStream leader yet: wait for it
                try:
                    await ensure_stream(js, self.cfg, self.site)
                    break
                except Exception as exc:
                    log.warning("the stream %s cannot be made yet (%s); trying again", self.cfg.stream, exc)
                    await asyncio.sleep(1.0)
            prefix = f"gwanje.{token(self.site)}"
            await nc.subscribe(f"{prefix}.health.*.*", cb=self._health)
            await nc.subscribe(f"{prefix}.live.*.*", cb=self._live)
            sub = await js.pull_subscribe(
                f"{prefix}.>",
                durable=self.cfg.durable,
                stream=self.cfg.stream,
                config=ConsumerConfig(
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    ack_wait=self.cfg.ack_wait_s,
                    max_ack_pending=self.cfg.batch * 10,
                ),
            )
            self.connected.set()
            while True:
                try:
                    msgs = await sub.fetch(self.cfg.batch, timeout=1.0)
                except TimeoutError:
                    continue
                except Exception as exc:  # the broker away for a moment: the client reconnects
                    log.warning("taking from the stream failed: %s", exc)
                    await asyncio.sleep(0.5)
                    continue
                await self._take(msgs)
        finally:
            await close(nc, "the event stream")

    async def _take(self, msgs: list) -> None:  # noqa: ANN001
        events, segments, records, good = [], [], [], []
        for m in msgs:
            try:
                msg = codec.decode(m.data)
            except Exception:
                log.error("not a worker message on %s: dropped", m.subject)
                await m.term()
                continue
            if not _camera_matches(m.subject, msg):
                await m.term()
                continue
            if isinstance(msg, EventOut):
                events.append(msg.event)
            elif isinstance(msg, SegmentOut):
                segments.append(msg.segment)
            elif isinstance(msg, TrackOut):
                records.append(msg.record)
            good.append(m)
        if not good:
            return
        try:
            await asyncio.to_thread(self.store, events, segments, records)
        except Exception:
            # not stored (or not known to be): nothing acknowledged; they come again in a second
            log.exception("storing %d messages from the stream failed; they will come again", len(good))
            try:
                for m in good:
                    await m.nak(delay=1.0)
            except Exception as exc:  # then they come again after ack_wait_s instead
                log.warning("refusing the batch back to the stream failed: %s", exc)
            return
        for m in good:
            await m.ack()

    async def _health(self, m) -> None:  # noqa: ANN001
        try:
            msg = codec.decode(m.data)
        except Exception as exc:
            log.error("not a health report on %s (%s): dropped", m.subject, exc)
            return
        if isinstance(msg, HealthOut) and _camera_matches(m.subject, msg):
            self.on_health(msg)

    async def _live(self, m) -> None:  # noqa: ANN001
        try:
            frame = codec.live_from(m.headers, m.data)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            log.error("not a live frame on %s (%s): dropped", m.subject, exc)
            return
        if _camera_matches(m.subject, frame):
            self.on_live(frame)


def _camera_matches(subj: str, msg: EventOut | HealthOut | SegmentOut | TrackOut | LiveFrame) -> bool:
    """A message counts only for the camera its subject names (``...<kind>.<node>.<camera>``):
    a node that may publish on its own subjects alone cannot speak for another node's cameras
    by naming them in the body. (Which node runs a camera is the assigner's business: a message
    from a node a camera has just left is still a fact and is kept.)"""
    camera = codec.camera_of(msg)
    if subj.rsplit(".", 1)[-1] == token(camera):
        return True
    log.error("a message on %s speaks for camera %s: dropped", subj, camera)
    return False
