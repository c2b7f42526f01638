import sys
from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.crowd import CrowdRules
from gwanje.analytics.ground import GroundPlane
from gwanje.config import CameraConfig, CrowdConfig, FallConfig, ZoneConfig
from gwanje.domain import EventType

# image pixels = 10 x metres: a 10 m x 10 m zone of 100 m² at (0,0)-(100,100)
PLANE = GroundPlane.from_points(
    [(0, 0), (100, 0), (100, 100), (0, 100)], [(0, 0), (10, 0), (10, 10), (0, 10)]
)
ZONE = ZoneConfig(name="plaza", polygon=[(0, 0), (100, 0), (100, 100), (0, 100)], rules=["crowd"])


def people(n):
    """n person boxes standing inside the zone."""
    rng = np.random.default_rng(n)
    x = rng.uniform(5, 95, n)
    y = rng.uniform(5, 95, n)
    xyxy = np.column_stack([x - 2, y - 8, x + 2, y]).astype(np.float32)
    return sv.Detections(
        xyxy=xyxy.reshape(-1, 4),
        confidence=np.ones(n, np.float32),
        class_id=np.zeros(n, int),
        data={"class_name": np.array(["person"] * n, dtype=object)},
    )


def run(rules, densities, dt=0.2, repeat=20):
    hits, t = [], 0.0
    for d in densities:
        for _ in range(repeat):
            hits += rules.update(people(round(d * 100)), t)
            t += dt
    return hits


def test_ground_plane_maps_points_and_areas():
    assert PLANE.to_ground(np.array([[50, 50]])) == pytest.approx(np.array([[5, 5]]))
    assert PLANE.area_m2([(0, 0), (100, 0), (100, 100), (0, 100)]) == pytest.approx(100)


def test_degenerate_calibration_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        GroundPlane.from_points([(0, 0), (1, 0), (1, 1)], [(0, 0), (1, 0), (1, 1)])
    with pytest.raises(ValueError, match="degenerate"):
        GroundPlane.from_points([(0, 0), (1, 1), (2, 2), (3, 3)], [(0, 0), (1, 0), (1, 1), (0, 1)])


def test_levels_escalate_one_event_each_and_end_with_hysteresis():
    rules = CrowdRules(ZONE, CrowdConfig(trend_rise=100), PLANE)
    hits = run(rules, [1.0, 3.2, 4.1, 5.2, 4.8, 4.2, 2.8, 1.0])
    got = [(h.phase, h.details["level"]) for h in hits if h.type == EventType.CROWD]
    assert got == [
        ("start", "caution"),
        ("end", "caution"),
        ("start", "warning"),
        ("end", "warning"),
        ("start", "danger"),  # 4.8 is within the 0.5 hysteresis of danger: stays
        ("end", "danger"),
        ("start", "warning"),  # 4.2 < 4.5
        ("end", "warning"),
        ("start", "caution"),  # 2.8 < 3.5, but within the hysteresis of caution
        ("end", "caution"),  # 1.0
    ]
    starts = [h.severity.value for h in hits if h.phase == "start"]
    assert starts == ["medium", "high", "critical", "high", "medium"]


def test_density_near_a_threshold_does_not_flicker():
    rules = CrowdRules(ZONE, CrowdConfig(trend_rise=100), PLANE)
    hits = run(rules, [3.1, 2.9, 3.05, 2.8, 3.0, 2.7], repeat=20)
    assert [(h.phase, h.details["level"]) for h in hits] == [("start", "caution")]


def test_rising_trend_alerts_before_any_level():
    rules = CrowdRules(ZONE, CrowdConfig(trend_rise=1.5, trend_window_s=30), PLANE)
    hits = run(rules, [0.5, 1.0, 1.5, 2.0, 2.5], repeat=25)  # 5 s per step
    trend = [h for h in hits if h.type == EventType.CROWD_TREND]
    assert trend and trend[0].phase == "start" and trend[0].details["rise"] >= 1.5
    assert not [h for h in hits if h.type == EventType.CROWD]


def test_crowd_rule_needs_a_ground_calibration():
    with pytest.raises(ValueError, match="no ground calibration"):
        CameraConfig(id="c", url="x", zones=[ZONE])
    with pytest.raises(ValueError, match="they pair up"):
        CameraConfig(
            id="c",
            url="x",
            zones=[ZONE],
            ground={"image_points": [(0, 0), (1, 0), (1, 1), (0, 1)], "ground_points": [(0, 0)] * 5},
        )


def test_pets_homography_and_density_match_ground_truth(pets_gt):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from pets_ground import measure

    res, _ = measure()
    assert res["median_m"] < 0.2 and res["p90_m"] < 0.3
    assert res["frames_equal"] >= 0.9 * res["frames"]
    assert res["max_density_diff"] < 0.05


class FixedCounter:
    """Stands in for the density network: every call gives the same cells and is counted."""

    def __init__(self, cells):
        self.cells, self.calls = cells, 0

    def density(self, image):
        self.calls += 1
        return self.cells


def test_density_network_counts_the_cells_inside_the_zone_at_most_once_a_second():
    from gwanje.analytics.crowd import DensityMaps

    cells = np.zeros((16, 16), np.float32)  # a 128x128 picture: the zone is cells 0..12 each way
    cells[:12, :12] = 450 / 144  # 450 people in the zone (4.5 per m² over 100 m²)
    cells[14:, 14:] = 50.0  # people outside the zone do not count
    counter = FixedCounter(cells)
    rules = CrowdRules(ZONE, CrowdConfig(), PLANE, DensityMaps(counter, every_s=1.0))
    assert rules.method == "density"
    image = np.zeros((128, 128, 3), np.uint8)
    hits, t = [], 0.0
    for _ in range(50):  # 10 s at 5 frames a second, and the detector sees nobody
        rules.observe(image, people(0))
        hits += rules.update(people(0), t)
        t += 0.2
    assert counter.calls == 10
    # cells 0..11 lie wholly inside the 0-100 zone (cell 12, half inside, is empty)
    assert rules.last_count == 450 and rules.last_density == pytest.approx(4.5)
    levels = [h.details["level"] for h in hits if h.type == EventType.CROWD and h.phase == "start"]
    assert levels == ["warning"]


def test_density_maps_follow_the_method(tmp_path):
    from gwanje.analytics.crowd import density_maps

    missing = tmp_path / "none.onnx"
    assert density_maps(CrowdConfig(method="auto", density_model=missing)) is None
    assert density_maps(CrowdConfig(method="detections", density_model=missing)) is None
    with pytest.raises(FileNotFoundError, match="train-crowd"):
        density_maps(CrowdConfig(method="density", density_model=missing))


def test_pipeline_reports_how_crowds_are_counted(tmp_path):
    from gwanje.pipeline import CameraPipeline

    cam = CameraConfig(
        id="c",
        url="x.mp4",
        zones=[ZONE],
        ground={
            "image_points": [[0, 0], [100, 0], [100, 100], [0, 100]],
            "ground_points": [[0, 0], [10, 0], [10, 10], [0, 10]],
        },
        crowd={"method": "auto", "density_model": str(tmp_path / "none.onnx")},
        fall={"enabled": False},
        fire={"enabled": False},
        abandoned={"enabled": False},
        low_light="off",
    )
    assert CameraPipeline(cam, detector=object()).methods == {"crowd": "detections"}
    lit = cam.model_copy(update={"zones": [], "fall": FallConfig(), "low_light": "auto"})
    assert CameraPipeline(lit, detector=object()).methods == {"fall": "pose", "light": "auto"}
