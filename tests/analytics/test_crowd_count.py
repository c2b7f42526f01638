from pathlib import Path

import cv2
import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.crowd import CrowdRules
from gwanje.analytics.crowd_count import CountModel, fit_count_model, perspective_from_ground
from gwanje.analytics.ground import GroundPlane
from gwanje.config import CrowdConfig, ZoneConfig

NO_PEOPLE = np.zeros((0, 5))


@pytest.fixture(scope="module")
def mall(shared):
    import scipy.io as sio

    mall_dir = shared("crowd_mall")
    counts = sio.loadmat(mall_dir / "mall_gt.mat")["count"].ravel().astype(float)
    pick = list(range(0, 800, 8)) + list(range(800, 2000, 24))
    greys = {
        i: cv2.imread(str(mall_dir / "frames" / f"seq_{i + 1:06d}.jpg"), cv2.IMREAD_GRAYSCALE) for i in pick
    }
    return greys, counts


def _fit(mall):
    greys, counts = mall
    train = [i for i in greys if i < 800]
    zone = [(0, 0), (639, 0), (639, 479), (0, 479)]
    model = fit_count_model([greys[i] for i in train], [NO_PEOPLE] * len(train), counts[train], zone)
    return model


def test_regression_counts_real_mall_frames_without_any_detection(mall):
    greys, counts = mall
    model = _fit(mall)
    test = [i for i in greys if i >= 800]
    pred = np.array([model.count(greys[i], NO_PEOPLE) for i in test])
    err = np.abs(pred - counts[test])
    # foreground and edges alone, fitted on 100 frames: well under the 13-53 spread of the counts
    assert err.mean() < 4.5, err.mean()
    assert np.corrcoef(pred, counts[test])[0, 1] > 0.7


def test_count_model_round_trips_and_refuses_other_frame_sizes(mall, tmp_path: Path):
    greys, _ = mall
    model = _fit(mall)
    model.save(tmp_path / "m.npz")
    again = CountModel.load(tmp_path / "m.npz")
    g = greys[824]
    assert again.count(g, NO_PEOPLE) == pytest.approx(model.count(g, NO_PEOPLE))
    with pytest.raises(ValueError, match="fitted on 640x480"):
        again.count(cv2.resize(g, (320, 240)), NO_PEOPLE)
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="count model"):
        CountModel.load(tmp_path / "bad.npz")


def test_crowd_rule_takes_its_count_from_the_model(mall, tmp_path: Path):
    greys, counts = mall
    _fit(mall).save(tmp_path / "m.npz")
    plane = GroundPlane.from_points(
        [(0, 0), (640, 0), (640, 480), (0, 480)], [(0, 0), (8, 0), (8, 6), (0, 6)]
    )
    zone = ZoneConfig(
        name="mall",
        polygon=[(0, 0), (639, 0), (639, 479), (0, 479)],
        rules=["crowd"],
        count_model=tmp_path / "m.npz",
    )
    rules = CrowdRules(zone, CrowdConfig(), plane)
    empty = sv.Detections.empty()
    rules.observe(cv2.cvtColor(greys[992], cv2.COLOR_GRAY2BGR), empty)
    rules.update(empty, 0.0)
    # no tracked person at all, yet the zone holds the regressed crowd
    assert abs(rules.last_count - counts[992]) < 8
    assert rules.last_density == pytest.approx(rules.last_count / 48, abs=0.05)


def test_perspective_weights_grow_with_distance():
    # a camera looking down a walkway: the far (upper) rows cover more ground per pixel
    plane = GroundPlane.from_points(
        [(200, 100), (440, 100), (640, 480), (0, 480)], [(0, 30), (6, 30), (6, 0), (0, 0)]
    )
    w = perspective_from_ground(plane, (480, 640))
    assert w[120, 320] > 3 * w[460, 320]
    assert np.median(w) == pytest.approx(1.0, rel=0.05)


class _FixedNetwork:
    """Stands in for the density network: people spread evenly over the picture's 8x8 cells."""

    def __init__(self, people: float) -> None:
        self.people = people

    def density(self, image: np.ndarray) -> np.ndarray:
        rows, cols = image.shape[0] // 8, image.shape[1] // 8
        return np.full((rows, cols), self.people / (rows * cols), np.float32)


def test_a_count_model_can_be_refined_by_the_density_network(mall, tmp_path: Path):
    """Fitted with the network's count as one more input, the model follows it; it is saved as
    such, refuses to count without it, and a zone whose camera has no network says so."""
    from gwanje.analytics.crowd import DensityMaps

    greys, counts = mall
    train = [i for i in greys if i < 800]
    zone = [(0, 0), (639, 0), (639, 479), (0, 479)]
    noise = np.random.default_rng(0).normal(0, 0.5, len(train))
    model = fit_count_model(
        [greys[i] for i in train],
        [NO_PEOPLE] * len(train),
        counts[train],
        zone,
        densities=counts[train] + noise,
    )
    assert model.uses_density
    model.save(tmp_path / "m.npz")
    again = CountModel.load(tmp_path / "m.npz")
    assert again.uses_density and again.features[-1] == "density_net"
    g = greys[992]
    assert again.count(g, NO_PEOPLE, 20.0) < again.count(g, NO_PEOPLE, 40.0) - 10
    with pytest.raises(ValueError, match="density network"):
        again.count(g, NO_PEOPLE)

    plane = GroundPlane.from_points(
        [(0, 0), (640, 0), (640, 480), (0, 480)], [(0, 0), (8, 0), (8, 6), (0, 6)]
    )
    cfg = ZoneConfig(name="mall", polygon=zone, rules=["crowd"], count_model=tmp_path / "m.npz")
    with pytest.raises(ValueError, match="no density network"):
        CrowdRules(cfg, CrowdConfig(), plane)
    for people in (15.0, 45.0):
        rules = CrowdRules(cfg, CrowdConfig(), plane, DensityMaps(_FixedNetwork(people), 1.0))
        assert rules.method == "regression"
        empty = sv.Detections.empty()
        rules.observe(cv2.cvtColor(g, cv2.COLOR_GRAY2BGR), empty)
        rules.update(empty, 0.0)
        assert abs(rules.last_count - people) < 6, (people, rules.last_count)
