"""``gwanje node``: camera pipelines on a machine of their own, talking to the center over NATS
(``cluster.transport: nats``; docs/cluster.md). The same camera threads as the center's local
workers (``gwanje.workers.runner.CameraThread``); only their way out differs (``NatsOut`` instead
of the local queues).

A node holds a lease (gwanje.workers.lease) and runs the cameras the center's assigner gives it
for its current generation; ``--camera`` instead fixes the cameras (no assignment). Each camera
thread publishes through a gate: the lease valid and still of the generation the thread was
started in (a node paused or cut off publishes nothing once it is fenced, and what it ran before
is stopped, never resumed)."""

from __future__ import annotations

import logging
import signal
import threading
from importlib import metadata
from pathlib import Path

from gwanje.config import CameraConfig, SiteConfig
from gwanje.workers.lease import NodeLease
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, SegmentOut, TrackOut
from gwanje.workers.nats_out import NatsOut
from gwanje.workers.runner import CameraThread

log = logging.getLogger(__name__)
VERSION = metadata.version("gwanje")


class GatedOut:
    """A camera thread's way out while ``gate()`` holds; past it, its messages are dropped."""

    def __init__(self, out: NatsOut, gate) -> None:  # noqa: ANN001 - () -> bool
        self.out, self.gate = out, gate
        self.dropped = 0

    def put(self, msg: EventOut | HealthOut | SegmentOut | TrackOut) -> None:
        if self.gate():
            self.out.put(msg)
        else:
            self.dropped += 1

    def put_nowait(self, frame: LiveFrame) -> None:
        if self.gate():
            self.out.put_nowait(frame)


class Node:
    def __init__(self, site: SiteConfig, name: str, capacity: float) -> None:
        self.site, self.name, self.capacity = site, name, capacity
        self.out = NatsOut(site.cluster.nats, site.site, name)
        self.volume = Path(site.recordings_path())
        self.volume.mkdir(parents=True, exist_ok=True)
        self.running: dict[
            str, tuple[CameraThread, int | None, dict]
        ] = {}  # id → (thread, generation, config)
        self.lease = NodeLease(site.cluster.nats, site.site, name, self.describe)

    def describe(self) -> dict:
        cams = []
        for thread, _, _ in list(self.running.values()):
            h = thread.health()
            cams.append(
                {
                    "id": h.state.camera_id,
                    "status": h.state.status.value,
                    "ms_per_frame": round(h.detector_ms, 2),
                    "fps": round(h.state.measured_fps, 2),
                }
            )
        return {"capacity": self.capacity, "version": VERSION, "cameras": cams}

    def start(self, config: dict, generation: int | None) -> None:
        """``generation`` None: a camera given on the command line, gated by the lease alone."""
        camera = CameraConfig.model_validate(config)
        lease = self.lease

        def gate() -> bool:
            return lease.valid() and (generation is None or lease.generation == generation)

        out = GatedOut(self.out, gate)
        s = self.site.server
        thread = CameraThread(0, camera, out, out, s.live_fps, s.live_width, self.volume)  # type: ignore[arg-type]
        self.running[camera.id] = (thread, generation, config)
        log.warning("node %s: camera %s started (generation %d)", self.name, camera.id, generation)

    def stop_cameras(self, ids: list[str], why: str) -> None:
        threads = [self.running.pop(i)[0] for i in ids if i in self.running]
        for t in threads:
            t.stop()
        for t in threads:
            t.thread.join(10)
        if threads:
            log.warning("node %s: stopped %s (%s)", self.name, ", ".join(ids), why)

    def follow(self) -> None:
        """Run what is assigned now: nothing when fenced; else the assignment of this generation."""
        if not self.lease.valid():
            self.stop_cameras(list(self.running), "fenced: the lease is not sure")
            return
        gen = self.lease.generation
        old = [i for i, (_, g, _) in self.running.items() if g is not None and g != gen]
        self.stop_cameras(old, "started in an earlier generation (the node was fenced since)")
        wanted = self.lease.assigned
        if wanted is None:
            return
        want = {c["id"]: c for c in wanted}
        stale = [i for i, (_, g, cfg) in self.running.items() if i not in want or g != gen or cfg != want[i]]
        self.stop_cameras(stale, "not assigned to this node (any more)")
        for cid, cfg in want.items():
            if cid not in self.running:
                self.start(cfg, gen)

    def close(self) -> None:
        self.stop_cameras(list(self.running), "the node stops")
        self.lease.close()
        if not self.out.flush(10):
            log.warning("node %s stops with %d messages not acknowledged", self.name, len(self.out.pending))
        self.out.close()


def run_node(
    site: SiteConfig,
    name: str,
    camera_ids: list[str] | None,
    stop: threading.Event | None = None,
    capacity: float = 1.0,
) -> int:
    """Run until SIGINT/SIGTERM (or ``stop``): the given cameras, or (none given) those assigned.
    Returns how many cameras it ran at the most."""
    unknown = sorted(set(camera_ids or []) - {c.id for c in site.cameras})
    if unknown:
        raise ValueError(f"no such camera in the site YAML: {', '.join(unknown)}")
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    node = Node(site, name, capacity)
    most = 0
    if camera_ids:
        for cam in site.cameras:
            if cam.id in camera_ids:
                node.start(cam.model_dump(mode="json"), None)
        log.warning("node %s runs the cameras it was given: %s", name, ", ".join(camera_ids))
    while not stop.wait(0.5):
        if not camera_ids:
            node.follow()
        most = max(most, len(node.running))
    most = max(most, len(node.running))
    node.close()
    return most
