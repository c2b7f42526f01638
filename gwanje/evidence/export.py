"""The two passes over a range's recorded frames: ``find`` (who is where, on every frame) and
``render`` (mosaic, watermark, H.264 through PyAV's libx264). A preview and the final export are
the same render; only the watermark differs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from gwanje.config.evidence import EvidenceConfig, PrivacyConfig
from gwanje.evidence.masking import Finder, TrackLog, frame_area, mosaic, plan, region_mask

PICKS = 8  # frames a supervisor picks the subject on
KST = timezone(timedelta(hours=9))

Frames = Iterable[tuple[datetime, np.ndarray]]
Progress = Callable[[float], None]


class ExportError(RuntimeError):
    pass


@dataclass(frozen=True)
class Pick:
    """A frame shown to the supervisor, with the tracked people on it (id, x1, y1, x2, y2)."""

    index: int
    at: datetime
    jpeg: bytes
    people: list[tuple[int, float, float, float, float]]


@dataclass
class Found:
    log: TrackLog
    picks: list[Pick] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    path: Path
    frames: int
    first: datetime
    last: datetime
    sha256: str
    bytes: int
    subject_shown: int  # frames on which the subject was left visible
    subject_masked: int  # frames on which the subject's track existed but was masked (uncertain)


def find(
    frames: Frames,
    start: datetime,
    end: datetime,
    config: EvidenceConfig,
    privacy: PrivacyConfig | None = None,
    progress: Progress | None = None,
    fps: float = 10.0,
) -> Found:
    """Detector and tracker on every frame of [start, end); a few frames kept to pick the subject on."""
    finder = Finder(config.masking, fps, vehicles=bool(privacy and privacy.vehicles != "off"))
    span = max(1e-3, (end - start).total_seconds())
    picks: list[Pick] = []
    for at, image in frames:
        t = (at - start).total_seconds()
        finder.add(image, t)
        assert finder.log is not None
        row = finder.log.people[-1]
        due = len(picks) * span / PICKS
        tracked = [p for p in row if p[0] >= 0]
        if t >= due and tracked:
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if ok:
                picks.append(Pick(len(finder.log.times) - 1, at, jpeg.tobytes(), tracked))
        if progress is not None:
            progress(min(1.0, t / span))
    try:
        log = finder.finish()
    except ValueError:
        raise ExportError("no frame recorded in that range") from None
    return Found(log, picks)


def render(
    frames: Frames,
    start: datetime,
    log: TrackLog,
    subjects: set[int],
    out: Path,
    config: EvidenceConfig,
    privacy: PrivacyConfig | None = None,
    watermark: str | None = None,
    progress: Progress | None = None,
) -> Rendered:
    """Mask and encode the frames (the same ones ``find`` saw, in order) to ``out`` (MP4)."""
    masks = plan(log, subjects, config.masking, privacy)
    regions = region_mask(privacy, log.width, log.height)
    n = len(masks)
    fps = round((n - 1) / max(1e-3, log.times[-1] - log.times[0])) if n > 1 else 10
    tmp = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    count = shown = hidden = 0
    first = last = start
    w, h = log.width - log.width % 2, log.height - log.height % 2
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=max(1, fps))
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"preset": config.preset, "crf": str(config.crf), "g": str(max(1, fps))}
            stream.time_base = Fraction(1, 1000)
            for i, (at, image) in enumerate(_aligned(frames, n)):
                m = masks[i]
                mosaic(
                    image, m.boxes, config.masking.block, frame_area(image, log, m, config.masking, regions)
                )
                shown += bool(len(m.subject))
                hidden += _subject_masked(log, i, subjects) and not len(m.subject)
                if watermark:
                    _stamp(image, watermark, at)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:h, :w]), format="bgr24")
                frame = frame.reformat(format="yuv420p")
                frame.pts = round((at - start).total_seconds() * 1000)
                frame.time_base = Fraction(1, 1000)
                container.mux(stream.encode(frame))
                if count == 0:
                    first = at
                last, count = at, count + 1
                if progress is not None and n:
                    progress(count / n)
            container.mux(stream.encode())
        with tmp.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        size = tmp.stat().st_size
        tmp.replace(out)
    except (av.error.FFmpegError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"could not encode the export: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Rendered(out, count, first, last, digest.hexdigest(), size, shown, hidden)


def _aligned(frames: Frames, n: int) -> Iterator[tuple[datetime, np.ndarray]]:
    """The frames, checked against the count ``find`` saw (the recording must not have changed)."""
    i = -1
    for i, item in enumerate(frames):
        if i >= n:
            raise ExportError("the recording has more frames than when it was analysed")
        yield item
    if i + 1 != n:
        raise ExportError(f"the recording has {i + 1} frames, {n} when it was analysed")


def _subject_masked(log: TrackLog, i: int, subjects: set[int]) -> bool:
    return any(p[0] in subjects for p in log.people[i])


def _stamp(image: np.ndarray, text: str, at: datetime) -> None:
    """The request and export on the bottom line, the frame's own time (KST) on the top one."""
    h, w = image.shape[:2]
    scale = max(0.4, w / 1600)
    thick = max(1, round(scale * 2))
    when = at.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 100000}" + " KST"
    for line, y in ((when, int(28 * scale) + 6), (text, h - 10)):
        (tw, th), _ = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        cv2.rectangle(image, (6, y - th - 6), (12 + tw, y + 6), (0, 0, 0), -1)
        cv2.putText(image, line, (9, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
