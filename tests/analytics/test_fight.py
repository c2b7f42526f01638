import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.fight import (
    FightGate,
    FightModel,
    FightRules,
    MotionAppearance,
    save_model,
    window_vector,
)
from gwanje.config import FightConfig


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


def test_two_layers_give_both_vectors_from_one_inference(vtest_frames):
    one, two = MotionAppearance(), MotionAppearance((12, 21))
    for f in (one, two):
        f(vtest_frames[0].image)
    a, b = one(vtest_frames[4].image), two(vtest_frames[4].image)
    assert b.shape == (1280,) and np.allclose(b[:1024], a, rtol=1e-4, atol=1e-4)
    assert np.abs(b[1024:]).sum() > 0  # the 26x26 layer's vector is there, not padding
    with pytest.raises(ValueError, match="choose from"):
        MotionAppearance((3,))


def test_each_layer_is_scaled_to_unit_length_on_its_own():
    frames = [np.concatenate([np.full(4, 10.0 * (i + 1)), np.full(2, 0.01)]) for i in range(3)]
    v = window_vector(frames, "mean_std_change", (4, 2))
    # per layer: mean (unit vector), spread 0, change 0 -- the small layer is not drowned by the big one
    assert v.shape == (18,)
    assert np.allclose(v[:4], 0.5) and np.allclose(v[12:14], 1 / np.sqrt(2))
    with pytest.raises(ValueError, match="not layers"):
        window_vector(frames, "mean_std", (4, 3))


@pytest.fixture
def model_file(tmp_path):
    """A model with known weights: the probability is the logistic of the mean feature."""
    path = tmp_path / "fight.npz"
    coef = np.concatenate([np.full(1024, 1 / 1024), np.zeros(1024)])
    save_model(path, np.zeros(2048), np.ones(2048), coef, 0.0)
    return path


def test_model_reads_scores_and_refuses_bad_files(model_file, tmp_path):
    model = FightModel(model_file)
    assert model.probability(window_vector([np.zeros(1024), np.zeros(1024)])) == pytest.approx(0.5)
    assert model.probability(window_vector([np.full(1024, 3.0)] * 2)) == pytest.approx(
        1 / (1 + np.exp(-3)), rel=1e-5
    )
    with pytest.raises(ValueError, match="missing"):
        FightModel(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="fight model"):
        FightModel(tmp_path / "bad.npz")
    save_model(tmp_path / "layers.npz", np.zeros(2048), np.ones(2048), np.zeros(2048), 0.0, layers=(12, 99))
    with pytest.raises(ValueError, match="choose from"):
        FightModel(tmp_path / "layers.npz")
    save_model(tmp_path / "short.npz", np.zeros(2048), np.ones(2048), np.zeros(2048), 0.0, layers=(12, 21))
    with pytest.raises(ValueError, match="do not fit"):
        FightModel(tmp_path / "short.npz")


def test_enabling_fight_needs_a_model():
    with pytest.raises(ValueError, match="model_path"):
        FightConfig(enabled=True)


def test_alarm_starts_at_threshold_and_ends_after_calm(vtest_frames, monkeypatch, model_file):
    rule = FightRules(FightConfig(window_s=1.0, calm_s=1.0, model_path=model_file))
    probs = iter([0.1] * 8 + [0.9] * 10 + [0.1] * 20)
    monkeypatch.setattr(rule.model, "probability", lambda _v: next(probs))
    hits, t = [], 0.0
    for frame in vtest_frames[:38]:
        rule.observe(frame.image, None)
        hits += rule.update(pair(), t)
        t += 0.2
    assert [h.phase for h in hits] == ["start", "end"]
    assert hits[0].confidence == pytest.approx(0.9)


def test_people_far_apart_are_not_scored_when_two_are_asked_for(vtest_frames, model_file):
    rule = FightRules(FightConfig(min_people=2, model_path=model_file))
    apart = pair()
    apart.xyxy[1] += [400, 0, 400, 0]
    for i, frame in enumerate(vtest_frames[:15]):
        rule.observe(frame.image, None)
        assert rule.update(apart, i * 0.2) == []
    assert rule.last_probability == 0.0


def test_the_detectors_raw_boxes_open_the_gate_when_nobody_is_tracked(vtest_frames, model_file):
    """Grappling people often get only low-scoring boxes, which never start a track: the rule
    scores on the raw person boxes of the frame."""
    rule = FightRules(FightConfig(min_people=2, model_path=model_file))
    nobody = pair()[[]]
    for i, frame in enumerate(vtest_frames[:12]):
        rule.observe(frame.image, pair())
        rule.update(nobody, i * 0.2)
    assert rule.last_probability > 0.0
    quiet = FightRules(FightConfig(min_people=2, model_path=model_file))
    for i, frame in enumerate(vtest_frames[:12]):
        quiet.observe(frame.image, pair()[[]])
        quiet.update(nobody, i * 0.2)
    assert quiet.last_probability == 0.0


def test_the_gate_holds_for_hold_s_after_the_people_were_last_seen():
    gate = FightGate(min_people=2, hold_s=2.0)
    close, nobody = pair().xyxy, np.zeros((0, 4), np.float32)
    assert gate.update(close, None, 0.0)
    assert gate.update(nobody, None, 1.0) and gate.update(nobody, None, 2.0)
    assert not gate.update(nobody, None, 2.2)
    one = FightGate(min_people=1, hold_s=0.0)
    assert one.update(close[:1], None, 0.0) and not one.update(nobody, nobody, 0.2)
    assert not FightGate(min_people=2, hold_s=2.0).update(close[:1], close[:1], 0.0)


def test_a_saved_support_vector_machine_gives_sklearns_probabilities(tmp_path):
    """bench/fight.py may pick an RBF SVM with a Platt sigmoid; the file it writes must score as
    the trained model does."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from gwanje.analytics.fight import save_svm

    rng = np.random.default_rng(0)
    frames = [[rng.normal(label * 0.3, 1.0, 1024) for _ in range(6)] for label in (0, 1) for _ in range(30)]
    y = np.array([0] * 30 + [1] * 30)
    x = np.stack([window_vector(f, "mean_std_change") for f in frames])
    svm = CalibratedClassifierCV(SVC(C=1.0), method="sigmoid", cv=5, ensemble=False)
    model = make_pipeline(StandardScaler(), svm).fit(x, y)
    fitted = model[1].calibrated_classifiers_[0]
    path = tmp_path / "svm.npz"
    save_svm(
        path,
        "mean_std_change",
        model[0].mean_,
        model[0].scale_,
        fitted.estimator.support_vectors_,
        fitted.estimator.dual_coef_[0],
        float(fitted.estimator._gamma),
        float(fitted.estimator.intercept_[0]),
        float(fitted.calibrators[0].a_),
        float(fitted.calibrators[0].b_),
    )
    saved = FightModel(path)
    assert saved.features == "mean_std_change"
    ours = np.array([saved.probability(v) for v in x])
    assert np.allclose(ours, model.predict_proba(x)[:, 1], atol=1e-4)
    assert ours[y == 1].mean() > 0.5 > ours[y == 0].mean()
