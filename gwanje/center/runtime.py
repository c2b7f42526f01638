"""The center's services started and stopped together: the store, the bus, the center with its
camera workers, escalation and the triage loop. The web app enters this in its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from gwanje.bus import Bus
from gwanje.center.core import Center
from gwanje.center.escalation import escalate_forever
from gwanje.center.triage_service import TriageService, triage_forever
from gwanje.config import SiteConfig
from gwanje.store.db import database_url, open_database


@dataclass(frozen=True)
class Runtime:
    center: Center
    triage: TriageService


@contextlib.asynccontextmanager
async def running_center(
    site: SiteConfig, *, db_url: str | None = None, start_workers: bool = True
) -> AsyncIterator[Runtime]:
    """Open the store, start the workers and the loops; stop them all on the way out."""
    db = open_database(db_url or database_url(Path(site.server.data_dir)))
    bus = Bus()
    bus.bind(asyncio.get_running_loop())
    center = Center(site, db, bus, start_workers=start_workers)
    await asyncio.to_thread(center.start)
    triage = TriageService(center)
    center.on_cameras_changed = triage.cameras_changed
    center.on_alerts_changed = triage.alerts_changed
    tasks = [asyncio.create_task(escalate_forever(center)), asyncio.create_task(triage_forever(triage))]
    try:
        yield Runtime(center, triage)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.to_thread(center.stop)
        db.close()
