"""The center's services started and stopped together: the store, the bus, the center with its
camera workers, escalation, the triage loop, the recordings' upkeep, the weather and the follow mode. The web app enters this in its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gwanje.bus import Bus
from gwanje.center import audit_chain
from gwanje.center.alerts.escalation import escalate_forever
from gwanje.center.alerts.triage_service import TriageService, triage_forever
from gwanje.center.core import Center
from gwanje.center.exchange.incidents import Incidents
from gwanje.center.follow.chains import FollowService
from gwanje.center.follow.learned import EVERY_S as LEARN_EVERY_S
from gwanje.center.follow.learned import learned_links
from gwanje.center.weather import WeatherService, weather_forever
from gwanje.config import SiteConfig
from gwanje.store import instance
from gwanje.store.db import database_url, open_database

if TYPE_CHECKING:
    from gwanje.center.cluster.nodes import NodeRegistry

log = logging.getLogger(__name__)


RECORDINGS_EVERY_S = 60.0


async def recordings_forever(center: Center, every_s: float = RECORDINGS_EVERY_S) -> None:
    """Retention and the disk guard, now and every ``every_s`` (until cancelled)."""
    while True:
        try:
            await asyncio.to_thread(center.look_after_recordings)
        except Exception:
            log.exception("looking after the recordings failed")
        await asyncio.sleep(every_s)


async def audit_checkpoints_forever(center: Center, every_s: float = audit_chain.CHECKPOINT_S) -> None:
    """Sign the audit chain's head now and every ``every_s`` (until cancelled)."""
    while True:
        try:
            await asyncio.to_thread(audit_chain.checkpoint, center.db, center.evidence.key)
        except Exception:
            log.exception("signing the audit chain's head failed")
        await asyncio.sleep(every_s)


FOLLOW_TICK_S = 2.0


async def follow_forever(follow: FollowService, every_s: float = FOLLOW_TICK_S) -> None:
    """Follows whose person vanished, every ``every_s``; the learned topology every 10 minutes."""
    learned_at = float("-inf")
    loop = asyncio.get_running_loop()
    while True:
        try:
            await asyncio.to_thread(follow.tick)
            if loop.time() - learned_at >= LEARN_EVERY_S:
                learned_at = loop.time()
                configured = {(lk.source, lk.target) for lk in follow.topology().configured.values()}
                links = await asyncio.to_thread(
                    learned_links, follow.db, follow.cfg, configured, follow.same_logit
                )
                follow.set_learned(links)
        except Exception:
            log.exception("looking after the follows failed")
        await asyncio.sleep(every_s)


@dataclass(frozen=True)
class Runtime:
    center: Center
    triage: TriageService
    weather: WeatherService
    incidents: Incidents
    follow: FollowService
    nodes: NodeRegistry | None = None  # cluster mode: the nodes' leases


@contextlib.asynccontextmanager
async def running_center(
    site: SiteConfig, *, db_url: str | None = None, start_workers: bool = True
) -> AsyncIterator[Runtime]:
    """Claim the data folder (``InUse`` if another center runs on it: before anything is read
    or changed), then start everything; stop it all and give the folder back on the way out."""
    folder = instance.claim(Path(site.server.data_dir), site.server.url)
    try:
        async with _started(site, db_url=db_url, start_workers=start_workers) as runtime:
            yield runtime
    finally:
        instance.release(folder)


@contextlib.asynccontextmanager
async def _started(site: SiteConfig, *, db_url: str | None, start_workers: bool) -> AsyncIterator[Runtime]:
    """Open the store, start the workers and the loops; stop them all on the way out."""
    db = open_database(db_url or database_url(Path(site.server.data_dir)))
    bus = Bus()
    bus.bind(asyncio.get_running_loop())
    clustered = site.cluster.transport == "nats"  # the cameras run on `gwanje node`s, over NATS
    center = Center(site, db, bus, start_workers=start_workers and not clustered)
    mqtt = mqtt_in = None
    if site.exchange.mqtt.enabled:
        from gwanje.center.exchange.mqtt_out import MqttOut  # paho only where a broker is configured

        mqtt = MqttOut(site.exchange.mqtt, site.site)
        mqtt.start()
        center.outbound.append(mqtt)
    await asyncio.to_thread(center.start)
    if site.exchange.mqtt.enabled and site.exchange.mqtt.alarms_in:
        from gwanje.center.exchange.mqtt_in import MqttIn

        mqtt_in = MqttIn(site.exchange.mqtt, site.site, center.inbound)
        mqtt_in.start()
    triage = TriageService(center)
    weather = WeatherService(site)
    await asyncio.to_thread(weather.read_cameras, db)
    triage.weather = weather

    follow = FollowService(db, bus, site, center.records, Path(site.server.data_dir))
    follow.walls = triage.set_follow
    follow.live_tracks = lambda cam: center.live[cam].tracks if cam in center.live else ()
    await asyncio.to_thread(follow.start)

    def cameras_changed() -> None:
        triage.cameras_changed()
        weather.read_cameras(db)
        follow.cameras_changed()

    center.on_cameras_changed = cameras_changed
    center.on_alerts_changed = triage.alerts_changed
    incidents = Incidents(triage, site.exchange.incidents)
    await asyncio.to_thread(incidents.restore)
    tasks = []
    nodes = None
    if clustered:
        from gwanje.center.cluster.stream_in import EventStream  # nats-py only in this mode

        stream = EventStream(
            site.cluster.nats,
            site.site,
            store=center.store_from_stream,
            on_health=center._on_health,
            on_live=center._on_live,
        )
        tasks.append(asyncio.create_task(stream.run()))
        from gwanje.center.cluster.nodes import NodeRegistry

        nodes = NodeRegistry(site.cluster.nats, site.site)
        tasks.append(asyncio.create_task(nodes.run()))
        from gwanje.center.cluster.assigner import Assigner

        assigner = Assigner(site.cluster.nats, site.site, nodes, cameras=center.enabled_camera_configs)
        nodes.assigner = assigner
        tasks.append(asyncio.create_task(assigner.run()))
    tasks += [
        asyncio.create_task(escalate_forever(center)),
        asyncio.create_task(triage_forever(triage)),
        asyncio.create_task(recordings_forever(center)),
        asyncio.create_task(audit_checkpoints_forever(center)),
        asyncio.create_task(weather_forever(weather)),
        asyncio.create_task(follow_forever(follow)),
    ]
    try:
        yield Runtime(center, triage, weather, incidents, follow, nodes)
    finally:
        for task in tasks:
            task.cancel()
        weather.close()
        if mqtt_in is not None:
            await asyncio.to_thread(mqtt_in.stop)
        await asyncio.to_thread(center.stop)
        if mqtt is not None:
            await asyncio.to_thread(mqtt.stop)
        try:
            await asyncio.to_thread(audit_chain.checkpoint, db, center.evidence.key)
        except Exception:
            log.exception("signing the audit chain's head at stop failed")
        db.close()
