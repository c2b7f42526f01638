"""Track records: the first after ``first_after_s``, then every ``every_s``, the last when the track
has been unseen for ``end_after_s`` with the side it left by; short tracks get none; colours and
vectors of the best views; a record without its crop stays small. Then the real thing on PETS."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.track_records import TrackRecorder, edge_towards, edges_touched, heading_of
from gwanje.config import TrackRecordConfig
from gwanje.domain import Frame

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FPS = 5.0


def at(pts: float) -> datetime:
    return T0 + timedelta(seconds=pts)


class Encoder:  # the appearance network's place: one fixed vector per call, counted
    model = "test-model"

    def __init__(self) -> None:
        self.crops = 0

    def vectors(self, crops):  # noqa: ANN001, ANN201
        self.crops += len(crops)
        return np.ones((len(crops), 4), np.float32)


def scene(boxes: dict[int, tuple[float, float, float, float]], i: int) -> tuple[Frame, sv.Detections]:
    image = np.full((576, 768, 3), 110, np.uint8)
    for x1, y1, x2, y2 in boxes.values():
        image[int(y1) : int((y1 + y2) / 2), int(x1) : int(x2)] = (30, 30, 200)  # red top
        image[int((y1 + y2) / 2) : int(y2), int(x1) : int(x2)] = (90, 30, 20)  # navy trousers
    ids = list(boxes)
    det = sv.Detections(
        xyxy=np.array([boxes[k] for k in ids], np.float32).reshape(-1, 4),
        confidence=np.full(len(ids), 0.8, np.float32),
        class_id=np.zeros(len(ids), int),
        tracker_id=np.array(ids, int),
        data={"class_name": np.array(["person"] * len(ids))},
    )
    return Frame("cam-1", i, i / FPS, at(i / FPS), image), det


def walk_left(recorder: TrackRecorder, frames: int, start_x: float = 500.0, speed: float = 12.0) -> list:
    out = []
    for i in range(frames):
        x = start_x - speed * i
        boxes = {7: (x, 200.0, x + 50.0, 330.0)} if x + 50 > 0 else {}
        if x < 0:  # off the picture's left side: gone
            boxes = {}
        frame, det = scene(boxes, i)
        out += recorder.update(frame, det, True, at)
    return out


def test_a_walk_out_of_the_left_side_gives_first_periodic_and_last_records() -> None:
    enc = Encoder()
    rec = TrackRecorder(
        "cam-1", TrackRecordConfig(first_after_s=1.5, every_s=5.0, end_after_s=3.0), encoder=lambda: enc
    )
    records = walk_left(rec, 80)  # 16 s: on screen ~8.5 s, then gone
    parts = [r.part for r in records]
    assert parts == list(range(len(records))) and len(records) == 3
    first, _, last = records
    assert (first.ended_at - first.started_at).total_seconds() == pytest.approx(1.6, abs=0.21)
    assert not first.final and last.final and last.exit_edge == "left"
    assert last.heading_deg is not None and 150 < last.heading_deg < 210
    assert first.upper_colour == "red" and first.lower_colour == "navy"
    assert first.appearance == (1.0, 1.0, 1.0, 1.0) and first.appearance_model == "test-model"
    assert first.crop_jpeg and first.crop_jpeg[:2] == b"\xff\xd8"
    assert len({r.record_id for r in records}) == 3 and all(
        r.track_started_at == first.track_started_at for r in records
    )
    # the track's best views are described once each, not once per record
    assert enc.crops <= 2 + 3


def test_a_record_without_its_crop_stays_under_2_kb() -> None:
    rec = TrackRecorder("cam-1", TrackRecordConfig(every_s=60.0), encoder=Encoder)
    records = walk_left(rec, 60, speed=8.0)
    for r in records:
        d = asdict(r)
        d.pop("crop_jpeg")
        size = len(json.dumps(d, default=str).encode())
        assert size <= 2048, size


def test_a_short_track_gets_no_record() -> None:
    rec = TrackRecorder("cam-1", TrackRecordConfig(min_s=1.0), encoder=Encoder)
    out = []
    for i in range(30):
        boxes = {3: (300.0, 200.0, 350.0, 330.0)} if i < 3 else {}  # 0.4 s, then gone
        frame, det = scene(boxes, i)
        out += rec.update(frame, det, True, at)
    assert out == []


def test_the_stream_ending_sends_the_open_tracks_last_records() -> None:
    rec = TrackRecorder("cam-1", TrackRecordConfig(), encoder=Encoder)
    for i in range(20):
        frame, det = scene({5: (300.0 - i, 200.0, 350.0 - i, 330.0)}, i)
        rec.update(frame, det, True, at)
    last = rec.finish(at)
    assert len(last) == 1 and last[0].final and last[0].exit_edge is None


def test_without_the_appearance_network_records_carry_colours_only() -> None:
    def missing():  # noqa: ANN202
        raise FileNotFoundError("reid-mobilenetv2.xml is missing: run `gwanje models import-reid`")

    rec = TrackRecorder("cam-1", TrackRecordConfig(), encoder=missing)
    records = walk_left(rec, 40)
    assert records and all(r.appearance is None and r.upper_colour == "red" for r in records)


@pytest.mark.parametrize(
    ("box", "edges"),
    [((0, 100, 40, 200), ["left"]), ((700, 500, 768, 576), ["right", "bottom"]), ((300, 100, 340, 200), [])],
)
def test_edges(box, edges) -> None:  # noqa: ANN001
    assert edges_touched(box, 768, 576, 0.04) == edges


def test_a_corner_is_left_the_way_the_person_moves() -> None:
    assert edge_towards(["right", "bottom"], 10.0) == "right"
    assert edge_towards(["right", "bottom"], 80.0) == "bottom"
    assert edge_towards([], 80.0) is None
    assert heading_of([(0.0, 100.0, 100.0), (1.0, 100.5, 100.0)], 100.0) is None  # standing
    assert heading_of([(0.0, 100.0, 100.0), (1.0, 100.0, 160.0)], 100.0) == 90.0  # toward the camera


@pytest.mark.slow
def test_pets_people_get_records_with_their_colours(vtest_frames) -> None:
    """The pipeline's own records on the first 10 s of PETS S2L1: tracks of people with names of
    colours, a crop, the appearance vector when the network is there."""
    from gwanje.config import CameraConfig
    from gwanje.pipeline import CameraPipeline

    pipe = CameraPipeline(CameraConfig(id="pets", url="x", track_records={"first_after_s": 1.0}), fps=5.0)
    records = []
    for frame in vtest_frames[::2]:
        records += pipe.process(frame).records
    records += pipe.finish_records()
    people = [r for r in records if r.class_name == "person"]
    assert len({r.track_id for r in people}) >= 4
    assert all(r.upper_colour is not None and r.crop_jpeg for r in people)
    assert sum(r.final for r in people) >= 4
