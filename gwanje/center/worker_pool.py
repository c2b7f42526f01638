"""The center's supervision of the camera workers on this machine: start the processes, spread
cameras over them, watch them (a dead worker is restarted and its cameras handed back to it), and
drain what they send. The worker side is ``gwanje.workers.runner``; only messages cross.

Processes are started with ``spawn`` (OpenVINO and threads do not survive ``fork``). Events and
health come over one unbounded queue (nothing may be dropped); live JPEG frames over a bounded
one (a late frame is worth nothing)."""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gwanje.config import CameraConfig
from gwanje.domain import Segment
from gwanje.workers.messages import (
    EventOut,
    HealthOut,
    LiveFrame,
    PauseRecording,
    PutCamera,
    RemoveCamera,
    SegmentOut,
    Stop,
    TrackOut,
)
from gwanje.workers.runner import worker_main

log = logging.getLogger(__name__)


@dataclass
class WorkerSlot:
    index: int
    process: mp.process.BaseProcess | None = None
    commands: object = None  # mp.Queue
    cameras: dict[str, CameraConfig] = field(default_factory=dict)
    restarts: int = 0
    started_at: float = 0.0


class WorkerPool:
    def __init__(
        self,
        size: int,
        *,
        on_event: Callable[[list[EventOut]], None],
        on_health: Callable[[HealthOut], None],
        on_live: Callable[[LiveFrame], None],
        on_restart: Callable[[list[str]], None] = lambda cameras: None,
        on_segment: Callable[[Segment], None] = lambda segment: None,
        on_tracks: Callable[[list[TrackOut]], None] = lambda records: None,
        live_fps: float = 4.0,
        live_width: int = 640,
        recordings: str | None = None,
    ) -> None:
        self._ctx = mp.get_context("spawn")
        self.out = self._ctx.Queue()
        self.live = self._ctx.Queue(maxsize=64)
        self.slots = [WorkerSlot(i) for i in range(size)]
        self.on_event, self.on_health, self.on_live = on_event, on_health, on_live
        self.on_restart, self.on_segment, self.on_tracks = on_restart, on_segment, on_tracks
        self.recordings = recordings  # the volume workers record into (None: no recording)
        self.recording_paused = False
        self.live_fps, self.live_width = live_fps, live_width
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.restarts_logged: list[str] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        for slot in self.slots:
            self._spawn(slot)
        for target, name in (
            (self._drain_out, "pool-out"),
            (self._drain_live, "pool-live"),
            (self._watch, "pool-watch"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def _spawn(self, slot: WorkerSlot) -> None:
        slot.commands = self._ctx.Queue()
        slot.process = self._ctx.Process(
            target=worker_main,
            args=(
                slot.index,
                slot.commands,
                self.out,
                self.live,
                self.live_fps,
                self.live_width,
                self.recordings,
            ),
            name=f"gwanje-worker-{slot.index}",
            daemon=True,
        )
        slot.process.start()
        slot.started_at = time.monotonic()
        if self.recording_paused:
            slot.commands.put(PauseRecording(True))
        for cam in slot.cameras.values():
            slot.commands.put(PutCamera(cam.model_dump(mode="json")))

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for slot in self.slots:
            if slot.process is not None and slot.process.is_alive():
                slot.commands.put(Stop())
        deadline = time.monotonic() + timeout
        for slot in self.slots:
            if slot.process is not None:
                slot.process.join(max(0.1, deadline - time.monotonic()))
                if slot.process.is_alive():
                    slot.process.kill()
                    slot.process.join(2)
        for t in self._threads:
            t.join(2)

    # -- cameras -----------------------------------------------------------------------------
    def put_camera(self, camera: CameraConfig) -> int:
        """Start a camera, or restart it with a new config, on its worker (or the least loaded)."""
        with self._lock:
            slot = self._slot_of(camera.id) or min(self.slots, key=lambda s: (len(s.cameras), s.index))
            slot.cameras[camera.id] = camera
            slot.commands.put(PutCamera(camera.model_dump(mode="json")))
            return slot.index

    def pause_recording(self, paused: bool) -> None:
        """Tell every worker to stop (or go back to) recording: the disk guard's last resort."""
        with self._lock:
            self.recording_paused = paused
            for slot in self.slots:
                slot.commands.put(PauseRecording(paused))

    def remove_camera(self, camera_id: str) -> bool:
        with self._lock:
            slot = self._slot_of(camera_id)
            if slot is None:
                return False
            del slot.cameras[camera_id]
            slot.commands.put(RemoveCamera(camera_id))
            return True

    def _slot_of(self, camera_id: str) -> WorkerSlot | None:
        return next((s for s in self.slots if camera_id in s.cameras), None)

    def describe(self) -> list[dict]:
        return [
            {
                "worker": s.index,
                "pid": s.process.pid if s.process else None,
                "alive": bool(s.process and s.process.is_alive()),
                "cameras": sorted(s.cameras),
                "restarts": s.restarts,
            }
            for s in self.slots
        ]

    # -- threads -----------------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for slot in self.slots:
                proc = slot.process
                if proc is not None and not proc.is_alive() and not self._stop.is_set():
                    with self._lock:
                        slot.restarts += 1
                        msg = (
                            f"worker {slot.index} (pid {proc.pid}) exited with code {proc.exitcode}; "
                            f"restarting it with its {len(slot.cameras)} camera(s)"
                        )
                        log.error(msg)
                        self.restarts_logged.append(msg)
                        cameras = sorted(slot.cameras)
                        self._spawn(slot)
                    self._safely(self.on_restart, cameras)

    def _drain_out(self) -> None:
        while not self._stop.is_set():
            try:
                first = self.out.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                break
            batch = [first]
            while len(batch) < 500:
                try:
                    batch.append(self.out.get_nowait())
                except queue.Empty:
                    break
            events = [m for m in batch if isinstance(m, EventOut)]
            for m in batch:
                if isinstance(m, HealthOut):
                    self._safely(self.on_health, m)
                elif isinstance(m, SegmentOut):
                    self._safely(self.on_segment, m.segment)
            if events:
                self._safely(self.on_event, events)
            tracks = [m for m in batch if isinstance(m, TrackOut)]
            if tracks:
                self._safely(self.on_tracks, tracks)

    def _drain_live(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.live.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                break
            self._safely(self.on_live, frame)

    @staticmethod
    def _safely(fn: Callable, arg: object) -> None:
        try:
            fn(arg)
        except Exception:
            log.exception("handling a worker message failed")
