"""``gwanje node``: camera pipelines on a machine of their own, talking to the center over NATS
(``cluster.transport: nats``). The same camera threads as the center's local workers
(``gwanje.workers.runner.CameraThread``); only their way out differs (``NatsOut`` instead of the
local queues). Which cameras a node runs is, for now, given to it (``--camera``, or all the site's
cameras): leases, placement by measured cost and fencing are issue 19's next steps
(docs/cluster.md)."""

from __future__ import annotations

import logging
import signal
import threading
from importlib import metadata
from pathlib import Path

from gwanje.config import SiteConfig
from gwanje.workers.lease import NodeLease
from gwanje.workers.nats_out import NatsOut
from gwanje.workers.runner import CameraThread

log = logging.getLogger(__name__)
VERSION = metadata.version("gwanje")


def run_node(
    site: SiteConfig,
    name: str,
    camera_ids: list[str] | None,
    stop: threading.Event | None = None,
    capacity: float = 1.0,
) -> int:
    """Run the cameras until SIGINT/SIGTERM (or ``stop``); returns how many ran."""
    unknown = sorted(set(camera_ids or []) - {c.id for c in site.cameras})
    if unknown:
        raise ValueError(f"no such camera in the site YAML: {', '.join(unknown)}")
    cameras = [c for c in site.cameras if not camera_ids or c.id in camera_ids]
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    out = NatsOut(site.cluster.nats, site.site, name)
    volume = site.recordings_path()
    volume.mkdir(parents=True, exist_ok=True)
    settings = site.server
    threads = [
        CameraThread(i, cam, out, out, settings.live_fps, settings.live_width, Path(volume))  # type: ignore[arg-type]
        for i, cam in enumerate(cameras)
    ]
    log.warning("node %s runs %d cameras: %s", name, len(threads), ", ".join(c.id for c in cameras))

    def describe() -> dict:
        cams = []
        for t in threads:
            h = t.health()
            cams.append(
                {
                    "id": h.state.camera_id,
                    "status": h.state.status.value,
                    "ms_per_frame": round(h.detector_ms, 2),
                    "fps": round(h.state.measured_fps, 2),
                }
            )
        return {"capacity": capacity, "version": VERSION, "cameras": cams}

    lease = NodeLease(site.cluster.nats, site.site, name, describe)
    stop.wait()
    lease.close()
    for t in threads:
        t.stop()
    for t in threads:
        t.thread.join(10)
    if not out.flush(10):
        log.warning("node %s stops with %d messages the stream has not acknowledged", name, len(out.pending))
    out.close()
    return len(threads)
