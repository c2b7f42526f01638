import sys
from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.zones import LineRules, ZoneRules
from gwanje.config import LineConfig, ZoneConfig, load_config
from gwanje.domain import EventType

ROOT = Path(__file__).resolve().parents[2]
SQUARE = [(100, 100), (200, 100), (200, 200), (100, 200)]


def tracks(*items):
    """items: (track_id, cx, bottom_y[, class_name]) -> tracked Detections with 20x40 boxes."""
    xyxy = np.array([[cx - 10, by - 40, cx + 10, by] for _, cx, by, *_ in items], np.float32).reshape(-1, 4)
    names = np.array([it[3] if len(it) > 3 else "person" for it in items], dtype=object)
    return sv.Detections(
        xyxy=xyxy,
        confidence=np.full(len(items), 0.9, np.float32),
        class_id=np.zeros(len(items), int),
        tracker_id=np.array([i[0] for i in items], int),
        data={"class_name": names},
    )


def run(rule, steps):
    out = []
    for t, dets in steps:
        out.extend(rule.update(dets, t))
    out.extend(rule.finish())
    return out


def test_intrusion_starts_when_the_feet_enter_and_ends_when_they_leave():
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE, rules=["intrusion"]))
    steps = [(t * 0.2, tracks((1, 50 + 20 * t, 150))) for t in range(15)]  # x 50 -> 330
    hits = run(rule, steps)
    start, end = [h for h in hits if h.phase == "start"], [h for h in hits if h.phase == "end"]
    assert len(start) == 1 and len(end) == 1
    assert start[0].type == EventType.INTRUSION and start[0].track_ids == (1,)
    assert start[0].start_s == pytest.approx(0.6)  # x=110, first point inside
    assert end[0].end_s == pytest.approx(1.4)  # x=190, last point inside
    assert end[0].event_id == start[0].event_id


def test_zone_edge_counts_as_inside_and_body_outside_does_not():
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE))
    assert len(rule.update(tracks((1, 150, 100)), 0.0)) == 1  # feet exactly on the top edge
    rule2 = ZoneRules(ZoneConfig(name="z", polygon=SQUARE))
    assert rule2.update(tracks((1, 150, 90)), 0.0) == []  # body over the zone, feet outside


def test_class_filter():
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE, classes=["person"]))
    assert rule.update(tracks((1, 150, 150, "car")), 0.0) == []


@pytest.mark.parametrize(("seconds", "expected_at"), [(10.0, 10.0), (3.0, 3.0)])
def test_loitering_fires_once_after_the_dwell_time(seconds, expected_at):
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE, rules=["loitering"], loiter_seconds=seconds))
    steps = [(t * 0.2, tracks((7, 150 + (t % 3), 150))) for t in range(80)]  # 16 s in the zone
    hits = run(rule, steps)
    starts = [h for h in hits if h.phase == "start"]
    assert len(starts) == 1
    assert starts[0].type == EventType.LOITERING
    assert starts[0].start_s == pytest.approx(expected_at)
    end = [h for h in hits if h.phase == "end"][0]
    assert end.end_s == pytest.approx(15.8)


def test_loitering_not_reported_for_a_short_stay_and_rearms_after_leaving():
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE, rules=["loitering"], loiter_seconds=10))
    steps = [(t * 0.2, tracks((1, 150, 150))) for t in range(40)]  # 8 s inside
    steps += [(8 + t * 0.2, tracks((1, 400, 150))) for t in range(10)]  # 2 s outside
    steps += [(10 + t * 0.2, tracks((1, 150, 150))) for t in range(60)]  # 12 s inside again
    starts = [h for h in run(rule, steps) if h.phase == "start"]
    assert len(starts) == 1
    assert starts[0].start_s == pytest.approx(20.0)  # 10 s after re-entering at 10 s


def test_short_detection_gap_does_not_reset_the_dwell():
    rule = ZoneRules(ZoneConfig(name="z", polygon=SQUARE, rules=["loitering"], loiter_seconds=10))
    empty = tracks()
    steps = [(t * 0.2, tracks((1, 150, 150)) if t % 20 not in (5, 6, 7) else empty) for t in range(60)]
    starts = [h for h in run(rule, steps) if h.phase == "start"]
    assert len(starts) == 1 and starts[0].start_s == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("direction", "expected"), [("both", ["in", "out"]), ("in", ["in"]), ("out", ["out"])]
)
def test_line_crossing_with_direction(direction, expected):
    rule = LineRules(LineConfig(name="l", start=(200, 0), end=(200, 400), direction=direction))
    right_to_left = [(t * 0.2, tracks((1, 260 - 20 * t, 200))) for t in range(7)]  # x 260 -> 140
    left_to_right = [(2 + t * 0.2, tracks((2, 140 + 20 * t, 200))) for t in range(7)]
    hits = run(rule, right_to_left + left_to_right)
    got = [(h.track_ids[0], h.details["direction"]) for h in hits]
    # walking from start to end, track 1 goes from the walker's left to right ("out")
    want = [pair for pair in [(1, "out"), (2, "in")] if pair[1] in expected]
    assert got == want


def test_line_not_crossed_beyond_its_ends():
    rule = LineRules(LineConfig(name="l", start=(200, 0), end=(200, 100)))
    hits = run(rule, [(t * 0.2, tracks((1, 260 - 20 * t, 300))) for t in range(7)])
    assert hits == []


@pytest.mark.slow
def test_vtest_events_match_ground_truth(vtest, pets_gt):
    """Intrusion, loitering and line crossing on vtest.avi against events derived from gt.txt."""
    sys.path.insert(0, str(ROOT / "bench"))
    from zone_truth import score, truth_events

    from gwanje.pipeline import CameraPipeline
    from gwanje.video.source import VideoSource

    cam = load_config(ROOT / "configs" / "vtest.yaml").camera(None).model_copy(update={"url": str(vtest)})
    pipeline = CameraPipeline(cam)
    found = []
    for frame in VideoSource(cam.id, str(vtest), analysis_fps=5).frames():
        found += [
            (e.type.value, e.zone, e.start_s) for e in pipeline.process(frame).events if e.phase == "start"
        ]
    truth = truth_events(np.loadtxt(pets_gt, delimiter=","), cam, fps=10.0)
    # floors at what the pipeline measures today (bench/results/zone_events.md): loitering over
    # 10 s needs one identity through occlusions and is bounded by the tracker's IDF1
    floors = {"intrusion": 0.6, "line_crossing": 0.8, "loitering": 0.3}
    for kind, floor in floors.items():
        res = score([t for t in truth if t.type == kind], [f for f in found if f[0] == kind])
        assert res["truth"] > 0, kind
        assert res["recall"] >= floor and res["precision"] >= floor, (kind, res)
