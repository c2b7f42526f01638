"""Track records for the tests (what a camera worker sends), with a real crop JPEG when asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from gwanje.domain import TrackRecord
from gwanje.vision.colour_names import NAMES

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def colour_hist(upper: str | None, lower: str | None) -> tuple[float, ...]:
    h = [0.0] * (2 * len(NAMES))
    if upper:
        h[NAMES.index(upper)] = 0.8
    if lower:
        h[len(NAMES) + NAMES.index(lower)] = 0.7
    return tuple(h)


def crop_jpeg(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (96, 40, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return buf.tobytes()


def make_record(
    camera_id: str = "cam-1",
    track_id: int = 1,
    *,
    part: int = 0,
    final: bool = False,
    start_s: float = 0.0,
    duration_s: float = 2.0,
    track_start_s: float | None = None,
    upper: str | None = "red",
    lower: str | None = "blue",
    vector: np.ndarray | None = None,
    model: str | None = "test-model",
    exit_edge: str | None = None,
    entry_edge: str | None = None,
    heading: float | None = 180.0,
    class_name: str = "person",
    crop: bool = True,
    t0: datetime = T0,
) -> TrackRecord:
    track_start = t0 + timedelta(seconds=start_s if track_start_s is None else track_start_s)
    started = t0 + timedelta(seconds=start_s)
    ended = started + timedelta(seconds=duration_s)
    vec = None if vector is None else tuple(float(v) for v in np.asarray(vector, np.float16))
    return TrackRecord(
        record_id=f"{camera_id}:{int((track_start - t0).total_seconds() * 1000)}:{track_id}:{part}",
        camera_id=camera_id,
        track_id=track_id,
        part=part,
        final=final,
        class_name=class_name,
        started_at=started,
        ended_at=ended,
        track_started_at=track_start,
        frame_size=(768, 576),
        path=tuple((round(i * 0.5, 2), 400.0 - 10 * i, 300.0) for i in range(int(duration_s * 2) + 1)),
        ground_path=None,
        entry_edge=entry_edge,
        exit_edge=exit_edge,
        heading_deg=heading,
        box_size=(40.0, 100.0),
        upper_colour=upper,
        lower_colour=lower,
        colour_hist=colour_hist(upper, lower),
        appearance=vec,
        appearance_model=model if vec is not None else None,
        crop_jpeg=crop_jpeg(track_id) if crop else None,
        crop_at=started + timedelta(seconds=duration_s / 2),
        crop_box=(380.0, 200.0, 420.0, 300.0),
    )
