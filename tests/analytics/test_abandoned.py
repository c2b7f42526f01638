import numpy as np
import supervision as sv

from gwanje.analytics.abandoned import AbandonedRules
from gwanje.config import AbandonConfig

BAG = (300, 450, 340, 500)  # x1 y1 x2 y2 on the lawn of vtest.avi


def person(box, tid=1):
    return sv.Detections(
        xyxy=np.array([box], np.float32),
        confidence=np.ones(1, np.float32),
        class_id=np.zeros(1, int),
        tracker_id=np.array([tid]),
        data={"class_name": np.array(["person"], dtype=object)},
    )


def play(scene, script, dt=0.2, config=None, weak=None):
    """script: (seconds, bag shown?, person box or None); ``weak``: a person box the detector
    gives at a low score on every frame (below what starts a track); returns (t, phase, box)."""
    rule, out, t = AbandonedRules(config or AbandonConfig()), [], 0.0
    rng = np.random.default_rng(0)
    for seconds, bag, who in script:
        for _ in range(round(seconds / dt)):
            img = np.clip(scene.astype(np.int16) + rng.integers(-3, 4, scene.shape), 0, 255).astype(np.uint8)
            if bag:
                img[BAG[1] : BAG[3], BAG[0] : BAG[2]] = (30, 25, 20)
            raw = None
            if weak is not None and bag:
                raw = person(weak)
                raw.confidence[:] = 0.22
            rule.observe(img, raw)
            out += [
                (round(t, 1), h.phase, h.boxes[0])
                for h in rule.update(person(who) if who else sv.Detections.empty(), t)
            ]
            t += dt
    return out


def near(a, b, tol=12):
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_a_bag_left_alone_alarms_after_30_s_with_its_box_and_ends_when_taken(vtest_frames):
    scene = vtest_frames[0].image
    hits = play(scene, [(20, False, None), (45, True, None), (5, False, None)])
    assert [p for _, p, _ in hits] == ["start", "end"]
    t, _, box = hits[0]
    assert 52 <= t <= 58  # put down at 20 s, short background takes it in within a few s, then 30 s
    assert near(box, BAG)


def test_no_alarm_while_the_owner_stands_beside_it(vtest_frames):
    owner = (345, 400, 385, 505)
    hits = play(vtest_frames[0].image, [(20, False, None), (45, True, owner)])
    assert hits == []
    hits = play(vtest_frames[0].image, [(20, False, None), (40, True, owner), (10, True, None)])
    assert [p for _, p, _ in hits] == ["start"]  # the owner walked off


def test_something_there_from_the_start_is_scenery(vtest_frames):
    assert play(vtest_frames[0].image, [(60, True, None)]) == []


def test_a_person_sitting_still_is_not_an_object(vtest_frames):
    sitter = (295, 445, 345, 505)  # the detector sees the person covering the whole region
    assert play(vtest_frames[0].image, [(20, False, None), (45, True, sitter)]) == []


def test_a_half_hidden_person_the_detector_sees_only_weakly_is_not_an_object(vtest_frames):
    """Someone sitting behind leaves scores below the tracker's threshold: no track, but the
    detector's own weak box still says person (seen on the Mall clip)."""
    sitter = (295, 445, 345, 505)
    assert play(vtest_frames[0].image, [(20, False, None), (45, True, None)], weak=sitter) == []
