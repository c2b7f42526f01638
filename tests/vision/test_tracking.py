import numpy as np
import pytest
import supervision as sv

from gwanje.config import TrackerConfig
from gwanje.vision.tracking import Tracker, colour_histogram, similarity

RED, BLUE = (30, 30, 220), (220, 60, 30)


def scene(people):
    """people: list of (x_left, colour) -> (image, Detections) with 40x120 boxes on a grey floor."""
    img = np.full((300, 600, 3), 128, np.uint8)
    boxes = []
    for x, colour in people:
        img[100:220, x : x + 40] = colour
        boxes.append([x, 100, x + 40, 220])
    det = sv.Detections(
        xyxy=np.array(boxes, np.float32).reshape(-1, 4),
        confidence=np.full(len(people), 0.9, np.float32),
        class_id=np.zeros(len(people), int),
    )
    return img, det


def ids_by_colour(tracker, frames, start_t=0.0):
    out = []
    for k, people in enumerate(frames):
        img, det = scene(people)
        tr = tracker.update(det, img, start_t + k * 0.2)
        by_x = {int(b[0]): int(i) for b, i in zip(tr.xyxy, tr.tracker_id, strict=True)}
        out.append({c: by_x.get(x) for x, c in people})
    return out


def test_colour_histogram_tells_red_from_blue():
    img, det = scene([(100, RED), (300, BLUE)])
    red, blue = (colour_histogram(img, b) for b in det.xyxy)
    assert similarity(red, red) == pytest.approx(1.0)
    assert similarity(red, blue) < 0.3


def test_ids_are_stable_while_people_walk():
    tracker = Tracker(TrackerConfig(), fps=5)
    frames = [[(100 + 4 * k, RED), (400 - 4 * k, BLUE)] for k in range(10)]
    seen = ids_by_colour(tracker, frames)
    assert len({s[RED] for s in seen}) == 1 and len({s[BLUE] for s in seen}) == 1
    assert seen[0][RED] != seen[0][BLUE]


@pytest.mark.parametrize(("margin", "kept"), [(0.2, True), (0.0, False)])
def test_swapped_ids_are_given_back_by_colour(margin, kept):
    """Two people trade places between frames: overlap alone hands each the other's track."""
    tracker = Tracker(TrackerConfig(swap_margin=margin), fps=5)
    before = [[(200, RED), (260, BLUE)]] * 6
    after = [[(262, RED), (198, BLUE)]] * 4
    seen = ids_by_colour(tracker, before + after)
    red_id, blue_id = seen[0][RED], seen[0][BLUE]
    last = seen[-1]
    assert ((last[RED], last[BLUE]) == (red_id, blue_id)) is kept


@pytest.mark.parametrize(("reid", "same"), [(2.0, True), (0.0, False)])
def test_a_person_hidden_for_a_moment_keeps_the_id(reid, same):
    cfg = TrackerConfig(reid_seconds=reid, lost_seconds=0.4)
    tracker = Tracker(cfg, fps=5)
    walk = [[(100 + 6 * k, RED)] for k in range(8)]
    first = ids_by_colour(tracker, walk)
    for k in range(5):  # one second with nobody visible
        img, det = scene([])
        tracker.update(det, img, 1.6 + k * 0.2)
    back = ids_by_colour(tracker, [[(100 + 6 * (13 + k), RED)] for k in range(3)], start_t=2.6)
    assert (back[-1][RED] == first[0][RED]) is same


def test_predict_carries_tracks_by_their_velocity_and_expires():
    tracker = Tracker(TrackerConfig(), fps=5)
    ids_by_colour(tracker, [[(100 + 10 * k, RED)] for k in range(6)])  # 50 px/s to the right, last at t=1.0
    ahead = tracker.predict(1.2, max_age_s=1.0)
    assert len(ahead) == 1
    assert ahead.xyxy[0, 0] == pytest.approx(160, abs=3)  # 150 + 50 px/s * 0.2 s
    assert len(tracker.predict(2.5, max_age_s=1.0)) == 0


# a car coming into view at the bottom and driving out at the top, seen straight down (its boxes
# from the vehicle-blob fallback on Intel's car-detection sample, frames 58-105 at 5 fps): the
# box changes shape so fast that ByteTrack's filtered box runs well ahead of it
CAR_PASSING = [
    [288, 362, 465, 432], [285, 331, 484, 432], [280, 288, 480, 432], [278, 256, 482, 432],
    [273, 216, 482, 432], [273, 187, 480, 432], [271, 151, 468, 432], [271, 124, 456, 432],
    [271, 91, 444, 400], [268, 69, 436, 364], [271, 40, 427, 321], [271, 19, 422, 288],
    [273, 0, 415, 249], [273, 0, 410, 225], [278, 0, 405, 194], [278, 0, 403, 172],
    [278, 0, 400, 139], [278, 0, 398, 117],
]  # fmt: skip


def test_a_track_keeps_the_detection_bytetrack_matched_even_when_its_box_drifts():
    tracker = Tracker(TrackerConfig(), 5.0)
    ids = []
    for k, box in enumerate(CAR_PASSING):
        det = sv.Detections(
            xyxy=np.array([box], np.float32),
            confidence=np.array([0.5], np.float32),
            class_id=np.array([2]),
            data={"class_name": np.array(["car"], dtype=object)},
        )
        out = tracker.update(det, None, k * 0.2)
        assert len(out) == 1 and out.xyxy[0].tolist() == box, k  # the detection itself, every frame
        ids.append(int(out.tracker_id[0]))
    assert len(set(ids)) == 1


def test_each_track_gets_the_detection_it_was_matched_with_among_many():
    tracker = Tracker(TrackerConfig(), 5.0)
    first: list[int] = []
    for k in range(5):
        xs = [20 + 100 * i + 5 * k for i in range(6)]
        det = sv.Detections(
            xyxy=np.array([[x, 50, x + 40, 170] for x in xs], np.float32),
            confidence=np.full(6, 0.8, np.float32),  # equal scores: only the marks tell them apart
            class_id=np.zeros(6, int),
        )
        out = tracker.update(det, None, k * 0.2)
        assert sorted(out.xyxy[:, 0].tolist()) == xs
        by_x = dict(zip(out.xyxy[:, 0].tolist(), out.tracker_id.tolist(), strict=True))
        if not first:
            first = [by_x[x] for x in xs]
        assert [by_x[x] for x in xs] == first
