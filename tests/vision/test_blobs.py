"""Vehicle blobs: changed regions of vehicle size and shape become ``vehicle`` detections."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import supervision as sv

from gwanje.config import VehicleBlobConfig
from gwanje.vision.blobs import CLASS_NAME, VehicleBlobs

FPS = 5.0
RNG = np.random.default_rng(3)
ROAD = cv2.GaussianBlur(RNG.integers(70, 110, (240, 320, 3), dtype=np.uint8), (3, 3), 0)


def scene(*boxes: tuple[int, int, int, int], grey: int = 200, gain: float = 1.0) -> np.ndarray:
    img = ROAD.astype(np.float32) * gain
    for x1, y1, x2, y2 in boxes:
        img[y1:y2, x1:x2] = grey
        img[y1 + 4 : y1 + 10, x1 + 3 : x2 - 3] = 40  # a windscreen
    return img.clip(0, 255).astype(np.uint8)


def run(blobs: VehicleBlobs, frames, t0: float = 0.0) -> list[np.ndarray]:
    return [blobs.update(img, t0 + k / FPS) for k, img in enumerate(frames)]


def learned(cfg: VehicleBlobConfig | None = None, zones=None) -> VehicleBlobs:
    blobs = VehicleBlobs(cfg or VehicleBlobConfig(enabled=True, learn_s=2.0), zones)
    run(blobs, [ROAD] * 12)
    return blobs


def test_a_car_sized_region_driving_by_is_a_vehicle() -> None:
    blobs = learned()
    out = run(blobs, [scene((20 + 12 * k, 100, 80 + 12 * k, 130)) for k in range(10)], t0=3.0)
    assert all(len(b) == 1 for b in out)
    x1, y1, x2, y2 = out[-1][0]
    assert abs(x1 - 128) <= 3 and abs(x2 - 188) <= 3 and abs(y1 - 100) <= 3 and abs(y2 - 130) <= 3


@pytest.mark.parametrize(
    ("box", "why"),
    [
        ((100, 100, 108, 108), "too small: 64 px of 76,800"),
        ((20, 100, 300, 112), "too long and thin: a shadow line, not a vehicle"),
    ],
)
def test_regions_without_a_vehicles_size_or_shape_are_not(box, why) -> None:
    blobs = learned()
    assert all(len(b) == 0 for b in run(blobs, [scene(box)] * 3, t0=3.0)), why


def test_the_whole_picture_brightening_is_not_a_vehicle() -> None:
    blobs = learned()
    assert all(len(b) == 0 for b in run(blobs, [scene(gain=1.5)] * 5, t0=3.0))


def test_a_stopped_vehicle_stays_for_minutes_and_goes_when_it_leaves() -> None:
    blobs = learned()
    parked = scene((100, 100, 160, 130))
    out = run(blobs, [parked] * int(FPS * 300), t0=3.0)  # five minutes still
    assert all(len(b) == 1 for b in out)
    assert all(len(b) == 0 for b in run(blobs, [ROAD] * 3, t0=303.0))


def test_only_the_watched_zones_count() -> None:
    blobs = learned(zones=[[(0, 0), (160, 0), (160, 240), (0, 240)]])
    assert len(run(blobs, [scene((200, 100, 260, 130))], t0=3.0)[0]) == 0
    assert len(run(blobs, [scene((40, 100, 100, 130))], t0=3.2)[0]) == 1


def test_blobs_a_detector_box_explains_are_left_to_it() -> None:
    blobs = learned()
    run(blobs, [scene((40, 100, 100, 130), (200, 100, 260, 130))], t0=3.0)
    person = sv.Detections(
        xyxy=np.array([[35, 95, 105, 135]], np.float32),
        confidence=np.array([0.8], np.float32),
        class_id=np.array([0]),
        data={"class_name": np.array(["car"], dtype=object)},
    )
    merged = blobs.add_to(person)
    assert list(merged.data["class_name"]) == ["car", CLASS_NAME]
    assert merged.xyxy[1].tolist() == pytest.approx([200, 100, 260, 130], abs=3)


def test_nothing_before_the_road_is_learned() -> None:
    blobs = VehicleBlobs(VehicleBlobConfig(enabled=True, learn_s=2.0))
    assert all(len(b) == 0 for b in run(blobs, [scene((40, 100, 100, 130))] * 5))
