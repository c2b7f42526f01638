import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.fight import MODEL_FILE, FightModel, FightRules, MotionAppearance, window_vector
from gwanje.config_rules import FightConfig


def pair(x=100):
    return sv.Detections(
        xyxy=np.array([[x, 100, x + 40, 220], [x + 30, 100, x + 70, 220]], np.float32),
        confidence=np.ones(2, np.float32),
        class_id=np.zeros(2, int),
        data={"class_name": np.array(["person", "person"], dtype=object)},
    )


def test_features_describe_what_moved(vtest_frames):
    f = MotionAppearance()
    assert f(vtest_frames[0].image) is None  # no flow before a second frame
    v = f(vtest_frames[5].image)
    assert v.shape == (1024,) and np.isfinite(v).all()
    w = f(vtest_frames[5].image)  # nothing moved: the weights are all zero, so is the vector
    assert np.allclose(w, 0)


def test_shipped_model_reads_and_scores():
    model = FightModel(MODEL_FILE)
    p = model.probability(window_vector([np.zeros(1024), np.ones(1024)]))
    assert 0.0 <= p <= 1.0
    with pytest.raises(ValueError, match="missing"):
        FightModel(MODEL_FILE.with_name("nope.npz"))


def test_alarm_starts_at_threshold_and_ends_after_calm(vtest_frames, monkeypatch):
    rule = FightRules(FightConfig(window_s=1.0, calm_s=1.0))
    probs = iter([0.1] * 8 + [0.9] * 10 + [0.1] * 20)
    monkeypatch.setattr(rule.model, "probability", lambda _v: next(probs))
    hits, t = [], 0.0
    for frame in vtest_frames[:38]:
        rule.observe(frame.image, None)
        hits += rule.update(pair(), t)
        t += 0.2
    assert [h.phase for h in hits] == ["start", "end"]
    assert hits[0].confidence == pytest.approx(0.9)


def test_people_far_apart_are_not_scored(vtest_frames):
    rule = FightRules(FightConfig())
    apart = pair()
    apart.xyxy[1] += [400, 0, 400, 0]
    for i, frame in enumerate(vtest_frames[:15]):
        rule.observe(frame.image, None)
        assert rule.update(apart, i * 0.2) == []
    assert rule.last_probability == 0.0
