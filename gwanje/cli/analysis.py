"""``gwanje analyze VIDEO_OR_URL --config site.yaml --out DIR``: the analytics alone on one
video or stream, writing events.jsonl, snapshots and an annotated MP4."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gwanje.cli.console import err, fail, out
from gwanje.config import CameraConfig, ConfigError, load_config
from gwanje.domain import Event
from gwanje.video.source import SourceError, VideoSource


class EventLog:
    """``events.jsonl`` plus one JPEG snapshot per started event."""

    def __init__(self, out_dir: Path) -> None:
        self.snapshots = out_dir / "snapshots"
        self.snapshots.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / "events.jsonl"
        self._fh = self.path.open("w", encoding="utf-8")
        self.started = 0
        self.lock = threading.Lock()  # the live-source watcher writes from its own thread

    def write(self, event: Event) -> None:
        row = event.to_json()
        if event.snapshot_jpeg:
            snap = self.snapshots / f"{event.event_id}.jpg"
            snap.write_bytes(event.snapshot_jpeg)
            row["snapshot"] = str(snap.relative_to(self.path.parent))
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()
        self.started += event.phase == "start"

    def close(self) -> None:
        self._fh.close()


class SourceWatch:
    """For a live source: tells the pipeline the source's state every half second, so a signal
    loss becomes an event while no frames arrive. Stream time runs on from the last frame."""

    def __init__(self, src: VideoSource, pipeline, log: EventLog, pts_s: float) -> None:
        self.src, self.pipeline, self.log = src, pipeline, log
        self._pts, self._at = pts_s, time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch-{src.camera_id}", daemon=True)
        self._thread.start()

    def saw(self, pts_s: float) -> None:
        self._pts, self._at = pts_s, time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            t = self._pts + (time.monotonic() - self._at)
            with self.log.lock:
                for event in self.pipeline.source_state(self.src.state.status, t):
                    self.log.write(event)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def analyze(
    source: Annotated[str, typer.Argument(help="Video file, rtsp:// or http(s):// MJPEG URL")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Site YAML (zones, lines, detector)")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for events.jsonl, snapshots, MP4")],
    camera: Annotated[str | None, typer.Option(help="Camera id in the config (default: the first)")] = None,
    fps: Annotated[float | None, typer.Option(help="Analysis rate (default: the camera's)")] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds of stream time")
    ] = None,
    video: Annotated[bool, typer.Option(help="Write the annotated MP4")] = True,
) -> None:
    """Run the analytics on a video or stream; write events.jsonl, snapshots and an annotated MP4."""
    try:
        site = load_config(config)
        cam = site.camera(camera)
        if fps is not None:
            if fps <= 0:
                raise ConfigError("--fps must be positive")
            cam = cam.model_copy(update={"analysis_fps": fps})
        cam = cam.model_copy(update={"url": source})
        src = VideoSource(
            cam.id,
            source,
            analysis_fps=cam.analysis_fps,
            transport=cam.transport,
            open_timeout_s=cam.open_timeout_s,
            reconnect_initial_s=cam.reconnect_initial_s,
            reconnect_max_s=cam.reconnect_max_s,
            give_up_after_s=max(30.0, cam.open_timeout_s * 3),
            fail_on_first_open=True,
            realtime=bool(cam.realtime),
            start_at_s=cam.start_offset_s,
        )
        summary = _run(src, cam, out_dir, duration, video)
    except (ConfigError, SourceError) as exc:
        raise fail(str(exc)) from None
    except (ValueError, RuntimeError, OSError) as exc:
        raise fail(f"{type(exc).__name__}: {exc}") from None
    out.print(summary)


def _run(src: VideoSource, cam: CameraConfig, out_dir: Path, duration: float | None, video: bool) -> str:
    from gwanje.pipeline import CameraPipeline
    from gwanje.video.annotate import Mp4Writer, Overlay

    frames = src.frames()
    first = next(frames)  # opens the source: a bad file or URL fails here, before any model loads
    out_dir.mkdir(parents=True, exist_ok=True)
    pipeline = CameraPipeline(cam)
    overlay = Overlay(cam)
    writer = Mp4Writer(out_dir / "annotated.mp4", cam.analysis_fps) if video else None
    log = EventLog(out_dir)
    total = None
    if src.duration_s:
        total = math.ceil(min(src.duration_s, duration or src.duration_s) * cam.analysis_fps) + 1
    elif duration:
        total = math.ceil(duration * cam.analysis_fps) + 1
    n = 0
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[events]} events"),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(f"analysing {cam.id}", total=total, events=0)

        def frames_from_first():
            yield first
            yield from frames

        watch = SourceWatch(src, pipeline, log, first.pts_s) if src.live else None
        try:
            for frame in frames_from_first():
                if duration is not None and frame.pts_s > duration:
                    break
                with log.lock:
                    result = pipeline.process(frame)
                    for event in result.events:
                        log.write(event)
                if watch is not None:
                    watch.saw(frame.pts_s)
                if writer is not None:
                    active = {e.zone for e in result.events if e.zone}
                    writer.write(overlay.draw(frame.image, result.tracks, active))
                n += 1
                progress.update(task, advance=1, events=log.started)
            if watch is not None:
                watch.stop()
            with log.lock:
                for event in pipeline.finish():
                    log.write(event)
        finally:
            if watch is not None:
                watch.stop()
            src.stop()
            log.close()
            if writer is not None:
                writer.close()
    parts = [f"{n} frames analysed, {log.started} events", f"events: {log.path}"]
    if writer is not None:
        parts.append(f"annotated video: {writer.path}")
    return "\n".join(parts)
