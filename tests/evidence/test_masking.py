"""Who gets masked on which frame: gaps filled from both ends, held before and after, the subject
left visible only where their own detection is there and nobody overlaps them."""

from __future__ import annotations

import numpy as np

from gwanje.config import MaskingConfig, PrivacyConfig
from gwanje.evidence.masking import UNTRACKED, TrackLog, masked_area, mosaic, plan

CFG = MaskingConfig(margin=0.0, hold_s=0.2, fill_s=0.5, foreground=False)


def log_of(rows: list[list[tuple]], fps: float = 10.0) -> TrackLog:
    log = TrackLog(200, 100, [i / fps for i in range(len(rows))])
    log.people = rows
    log.vehicles = [[] for _ in rows]
    return log


def test_a_gap_in_a_track_is_filled_and_the_track_held_before_and_after() -> None:
    a, b = (1, 10.0, 10.0, 30.0, 60.0), (1, 20.0, 10.0, 40.0, 60.0)
    rows = [[], [], [], [a], [], [], [], [b], [], [], [], [], []]
    masks = plan(log_of(rows), set(), CFG)
    covered = [len(m.boxes) > 0 for m in masks]
    # held 2 frames before frame 3 and after frame 7; frames 4-6 filled (gap of 3 ≤ 5 frames)
    assert covered == [False, True, True, True, True, True, True, True, True, True, False, False, False]
    assert masks[5].boxes[0].tolist() == [11, 6, 39, 64]  # halfway between the two sightings, grown 4 px


def test_a_long_gap_is_not_bridged() -> None:
    a = (1, 10.0, 10.0, 30.0, 60.0)
    rows = [[a]] + [[] for _ in range(10)] + [[a]]
    covered = [len(m.boxes) > 0 for m in plan(log_of(rows), set(), CFG)]
    assert covered == [True, True, True, False, False, False, False, False, False, True, True, True]


def test_the_subject_is_visible_only_where_detected_and_clear_of_others() -> None:
    subject, other, stray = (
        (7, 10.0, 10.0, 30.0, 60.0),
        (8, 150.0, 10.0, 170.0, 60.0),
        (UNTRACKED, 90, 10, 100, 40),
    )
    close = (8, 15.0, 10.0, 35.0, 60.0)  # overlapping the subject: their ids could swap here
    rows = [[subject, other, stray], [subject, close], [], [], [], [subject]]
    masks = plan(log_of(rows), {7}, CFG)
    assert len(masks[0].subject) == 1 and len(masks[0].boxes) == 2  # the other and the stray masked
    assert len(masks[1].subject) == 0  # overlapped: masked too
    assert len(masks[2].subject) == 0 and len(masks[2].boxes) >= 1  # not detected: filled, masked
    assert len(masks[5].subject) == 1


def test_vehicle_plates_and_fixed_regions() -> None:
    log = log_of([[]])
    log.vehicles = [[(100.0, 20.0, 180.0, 80.0)]]
    (m,) = plan(log, set(), CFG, PrivacyConfig(vehicles="plates"))
    x1, y1, x2, y2 = m.boxes[0]
    assert y1 >= 80 - 0.4 * 60 - 4 and y2 == 84  # the lower band only (grown by at least 4 px)
    image = np.random.default_rng(0).integers(0, 255, (100, 200, 3), dtype=np.uint8)
    regions = np.zeros((100, 200), bool)
    regions[:20, :50] = True
    before = image.copy()
    mosaic(image, m.boxes, 10, regions)
    area = masked_area((100, 200), m.boxes, regions)
    assert (image[~area] == before[~area]).all() and not (image[area] == before[area]).all()
    block = image[0:10, 0:10].reshape(-1, 3)
    assert (block == block[0]).all()  # a mosaic block is one colour
