"""The worker side: one process, one thread per camera, messages only.

A camera thread opens its source, runs its pipeline, and sends events (as soon as a frame
yields them), its health (about once a second) and, at the live rate, the annotated view as JPEG
(decoded and drawn once here, shared by every viewer in the center). With a recordings volume,
the same connection's packets are recorded into segments there, each announced when closed. A source that fails is
retried with backoff; nothing a camera does can stop the other cameras of the process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import replace
from multiprocessing.queues import Queue
from pathlib import Path

import cv2

from gwanje.config import CameraConfig
from gwanje.domain import CameraState, CameraStatus
from gwanje.video.recorder import Recorder
from gwanje.video.source import SourceError, VideoSource, is_live
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

log = logging.getLogger(__name__)
ORPHAN_EXIT_S = 4.0  # a worker whose center is gone is out within this (cameras get 3 s to finish)


class CameraThread:
    def __init__(
        self,
        worker: int,
        camera: CameraConfig,
        out: Queue,
        live: Queue,
        live_fps: float,
        live_width: int,
        recordings: Path | None = None,
    ) -> None:
        self.worker, self.camera = worker, camera
        self.recordings = recordings if camera.recording.mode != "off" else None
        self.recording_paused = False
        self.recorder: Recorder | None = None
        self.out, self.live = out, live
        self.live_period, self.live_width = 1.0 / live_fps, live_width
        self.source: VideoSource | None = None
        self._stop = threading.Event()
        self._state = CameraState(camera.id, CameraStatus.CONNECTING)
        self._detect_ms = 0.0
        self._methods: tuple[tuple[str, str], ...] = ()
        self.thread = threading.Thread(target=self._run, name=f"camera-{camera.id}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.source is not None:
            self.source.stop()

    # -- health ------------------------------------------------------------------------------
    def health(self) -> HealthOut:
        state = self.source.state if self.source is not None else self._state
        return HealthOut(self.worker, state, self._detect_ms, self._methods, self._recording_state())

    def _recording_state(self) -> str | None:
        if self.recordings is None:
            return None
        if self.recording_paused:
            return "paused"
        if self.recorder is not None and self.recorder.failed:
            return f"error: {self.recorder.failed}"
        return self.camera.recording.mode

    def _send_health(self) -> None:
        self.out.put(self.health())

    # -- the loop ----------------------------------------------------------------------------
    def _run(self) -> None:
        from gwanje.pipeline import CameraPipeline

        delay = self.camera.reconnect_initial_s
        detector = None  # compiled once, kept across reconnects; the pipeline state is not
        while not self._stop.is_set():
            try:
                pipeline = CameraPipeline(self.camera, detector=detector)
                detector = pipeline.detector
                self._methods = tuple(pipeline.methods.items())
                self._stream(pipeline)
                delay = self.camera.reconnect_initial_s
                if not self.camera.loop and not is_live(self.camera.url):
                    break  # a file that ended
            except SourceError as exc:
                self._state = replace(self._state, status=CameraStatus.OFFLINE, last_error=str(exc))
                log.warning("camera %s: %s", self.camera.id, exc)
            except Exception as exc:  # a broken config or model must not take the worker down
                self._state = replace(
                    self._state, status=CameraStatus.OFFLINE, last_error=f"{type(exc).__name__}: {exc}"
                )
                log.exception("camera %s failed", self.camera.id)
            self.source = None
            self._send_health()
            if self._stop.wait(delay):
                break
            delay = min(self.camera.reconnect_max_s, delay * 2)
        self._state = replace(self._state, status=CameraStatus.OFFLINE)
        self._send_health()

    def _stream(self, pipeline) -> None:  # noqa: ANN001 - CameraPipeline, imported lazily
        from gwanje.video.annotate import Overlay

        cam = self.camera
        live = is_live(cam.url)
        self.source = src = VideoSource(
            cam.id,
            cam.source_url(),
            analysis_fps=cam.analysis_fps,
            transport=cam.transport,
            open_timeout_s=cam.open_timeout_s,
            reconnect_initial_s=cam.reconnect_initial_s,
            reconnect_max_s=cam.reconnect_max_s,
            give_up_after_s=max(60.0, cam.open_timeout_s * 3) if live else None,
            realtime=cam.realtime if cam.realtime is not None else True,
            loop=cam.loop,
            start_at_s=cam.start_offset_s,
            recorder=self._recorder(),
        )
        overlay = Overlay(cam)
        last_health = last_live = 0.0
        watcher = threading.Thread(target=self._watch, args=(src, pipeline), daemon=True)
        watcher.start()
        for frame in src.frames():
            result = pipeline.process(frame)
            if result.detected:
                self._detect_ms = 0.9 * self._detect_ms + 0.1 * result.timings_ms.get("detect", 0.0)
            for event in result.events:
                self.out.put(EventOut(event))
                if self.recorder is not None:
                    self.recorder.event(event.event_id, event.phase, event.end_s)
            for record in result.records:
                self.out.put(TrackOut(record))
            now = time.monotonic()
            if now - last_live >= self.live_period:
                last_live = now
                self._send_live(overlay, frame.image, result, frame.pts_s)
            if now - last_health >= 1.0:
                last_health = now
                self._send_health()
            if self._stop.is_set():
                break
        for event in pipeline.finish() if self._stop.is_set() else []:
            self.out.put(EventOut(event))
        for record in pipeline.finish_records():
            self.out.put(TrackOut(record))

    def _recorder(self) -> Recorder | None:
        if self.recordings is None:
            return None
        rec = self.camera.recording
        self.recorder = Recorder(
            self.camera.id,
            self.recordings,
            lambda seg: self.out.put(SegmentOut(seg)),
            segment_s=rec.segment_s,
            mode=rec.mode,
            pre_roll_s=rec.pre_roll_s,
            post_roll_s=rec.post_roll_s,
        )
        self.pause_recording(self.recording_paused)
        return self.recorder

    def pause_recording(self, paused: bool) -> None:
        self.recording_paused = paused
        if self.recorder is not None:
            self.recorder.enabled = not paused

    def _watch(self, src: VideoSource, pipeline) -> None:  # noqa: ANN001
        """While no frames come (a live source reconnecting), report health and signal loss."""
        started = time.monotonic()
        while self.source is src and not self._stop.wait(1.0):
            state = src.state
            if state.status != CameraStatus.ONLINE:
                self._send_health()
                for event in pipeline.source_state(state.status, time.monotonic() - started):
                    self.out.put(EventOut(event))

    def _send_live(self, overlay, image, result, pts_s: float) -> None:  # noqa: ANN001
        active = {e.zone for e in result.events if e.zone}
        drawn = overlay.draw(image, result.tracks, active)
        h, w = drawn.shape[:2]
        if w > self.live_width:
            drawn = cv2.resize(
                drawn, (self.live_width, int(h * self.live_width / w)), interpolation=cv2.INTER_AREA
            )
        ok, buf = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, 75])
        if not ok:
            return
        with contextlib.suppress(queue.Full):  # the center is behind on live frames: skip this one
            self.live.put_nowait(
                LiveFrame(self.camera.id, buf.tobytes(), pts_s, live_tracks(result.tracks, image.shape))
            )


def live_tracks(tracks, shape) -> tuple[tuple[int, str, float, float, float, float], ...]:  # noqa: ANN001
    """The tracked boxes of a live frame as (id, class, x1, y1, x2, y2), shares of the picture."""
    if tracks.tracker_id is None or not len(tracks):
        return ()
    h, w = shape[:2]
    names = tracks.data.get("class_name", [""] * len(tracks))
    return tuple(
        (
            int(tid),
            str(names[i]),
            *(round(float(v) / s, 4) for v, s in zip(tracks.xyxy[i], (w, h, w, h), strict=True)),
        )
        for i, tid in enumerate(tracks.tracker_id)
    )


def worker_main(
    worker: int,
    commands: Queue,
    out: Queue,
    live: Queue,
    live_fps: float,
    live_width: int,
    recordings: str | None = None,
) -> None:
    """Entry point of a worker process."""
    # Ctrl-C in a terminal reaches the whole process group: the center stops its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format=f"worker {worker} %(levelname)s %(name)s: %(message)s")
    cameras: dict[str, CameraThread] = {}
    paused = False  # recording, for every camera of the worker
    parent = multiprocessing.parent_process()
    orphaned = threading.Event()
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent, orphaned), daemon=True).start()
    while not orphaned.is_set():
        try:
            msg = commands.get(timeout=0.5)
        except queue.Empty:
            continue
        except (EOFError, OSError):  # the center's end of the pipe is gone
            orphaned.set()
            break
        if isinstance(msg, Stop):
            break
        if isinstance(msg, PauseRecording):
            paused = msg.paused
            for cam in cameras.values():
                cam.pause_recording(paused)
        if isinstance(msg, RemoveCamera | PutCamera):
            cam_id = msg.camera_id if isinstance(msg, RemoveCamera) else msg.config["id"]
            old = cameras.pop(cam_id, None)
            if old is not None:
                old.stop()
                old.thread.join(10)
        if isinstance(msg, PutCamera):
            camera = CameraConfig.model_validate(msg.config)
            volume = Path(recordings) if recordings else None
            cameras[camera.id] = CameraThread(worker, camera, out, live, live_fps, live_width, volume)
            cameras[camera.id].pause_recording(paused)
    for cam in cameras.values():
        cam.stop()
    deadline = time.monotonic() + (3.0 if orphaned.is_set() else 10.0)
    for cam in cameras.values():
        cam.thread.join(max(0.1, deadline - time.monotonic()))
    if orphaned.is_set():
        # nobody reads our queues any more: exiting normally would wait for ever on their feeder
        # threads, blocked writing into a full pipe (the worker then held its memory for good)
        log.warning("the center is gone; worker %d stops", worker)
        for q in (out, live):
            q.cancel_join_thread()
        os._exit(0)


def _watch_parent(parent, orphaned: threading.Event) -> None:  # noqa: ANN001 - BaseProcess
    """Notice the center's death within half a second; if the main loop cannot wind the worker
    down in time (a camera thread stuck in a call), leave anyway."""
    while parent.is_alive():
        time.sleep(0.5)
    orphaned.set()
    time.sleep(ORPHAN_EXIT_S)
    os._exit(3)
