"""The shipped detectors on real PETS 2009 frames, scored against the ground truth boxes."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from common import load_mot_gt, match_counts, prf  # noqa: E402

from gwanje.config import DetectorConfig, TilingConfig  # noqa: E402
from gwanje.vision.detectors import create_detector  # noqa: E402
from gwanje.vision.detectors.base import ModelNotInstalledError, installed_package_file  # noqa: E402
from gwanje.vision.detectors.tiling import TiledDetector, tile_grid  # noqa: E402

pytestmark = pytest.mark.slow


def score(detector, frames, gt, every=5):
    c = np.zeros(3, int)
    for f in frames[::every]:
        c += match_counts(gt.get(f.index + 1), detector.detect(f.image).xyxy)
    return prf(*c)


def test_yolov3_tiny_finds_the_pets_walkers(yolo, vtest_frames, pets_gt):
    p, r, f1 = score(yolo, vtest_frames, load_mot_gt(pets_gt))
    assert p > 0.8 and r > 0.75 and f1 > 0.8, (p, r, f1)


def test_yolov3_tiny_output_is_well_formed(yolo, vtest_frames):
    det = yolo.detect(vtest_frames[0].image)
    assert len(det) >= 3
    assert set(det.data["class_name"]) == {"person"}
    assert (det.confidence >= 0.3).all() and (det.confidence <= 1).all()
    assert (det.xyxy[:, 2] > det.xyxy[:, 0]).all() and (det.xyxy[:, 3] > det.xyxy[:, 1]).all()
    assert det.xyxy.min() >= 0 and det.xyxy[:, 2].max() < 768 and det.xyxy[:, 3].max() < 576


def test_anchor_mask_quirk_gives_half_size_duplicates(vtest_frames):
    """With the cfg's 0,1,2 mask on the 26x26 head, boxes from that head come out about half size."""
    from gwanje.vision.detectors.darknet_yolo import DarknetYolo

    kw = dict(input_width=768, input_height=576, classes=["person"], score_threshold=0.3, nms_iou=0.9)
    fixed = DarknetYolo(**kw)
    raw = DarknetYolo(fix_anchor_mask=False, **kw)
    img = vtest_frames[10].image
    a, b = fixed.detect(img), raw.detect(img)
    small = lambda d: np.median(d.xyxy[:, 3] - d.xyxy[:, 1])  # noqa: E731
    assert small(b) < 0.75 * small(a)


def test_vehicle_classes_are_known_and_unknown_names_refused():
    from gwanje.vision.detectors.darknet_yolo import DarknetYolo

    with pytest.raises(ValueError, match="unknown COCO class name"):
        DarknetYolo(classes=["person", "unicorn"])


def test_ssdlite_person_finds_people(vtest_frames, pets_gt):
    det = create_detector(DetectorConfig(backend="ssdlite_person", score_threshold=0.3))
    p, r, f1 = score(det, vtest_frames, load_mot_gt(pets_gt))
    assert p > 0.7 and r > 0.5, (p, r, f1)


def test_tiling_helps_the_small_model(vtest_frames, pets_gt):
    gt = load_mot_gt(pets_gt)
    plain = create_detector(DetectorConfig(backend="ssdlite_person", score_threshold=0.3))
    tiled = TiledDetector(plain, TilingConfig(enabled=True, only_motion=False))
    assert score(tiled, vtest_frames, gt)[1] > score(plain, vtest_frames, gt)[1]


def test_tiles_only_where_motion_is(vtest_frames):
    calls = []

    class Recorder:
        name, class_names = "rec", ["person"]

        def detect(self, image):
            calls.append(image.shape)
            from gwanje.vision.detectors.base import empty_detections

            return empty_detections()

    tiled = TiledDetector(Recorder(), TilingConfig(enabled=True, rows=2, cols=2, only_motion=True))
    tiled.detect_regions(vtest_frames[0].image, ((10, 10, 50, 50),))
    assert len(calls) == 2  # the full frame and the top-left tile


@pytest.mark.parametrize(
    ("w", "h", "rows", "cols", "overlap"), [(768, 576, 2, 2, 0.2), (1920, 1080, 3, 4, 0.1)]
)
def test_tile_grid_covers_the_image(w, h, rows, cols, overlap):
    tiles = tile_grid(w, h, rows, cols, overlap)
    assert len(tiles) == rows * cols
    cover = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in tiles:
        cover[y1:y2, x1:x2] = True
    assert cover.all()


def test_missing_model_package_is_a_clear_error():
    with pytest.raises(ModelNotInstalledError, match="not installed"):
        installed_package_file("no_such_model_package_xyz", "model.bin")


def test_a_crop_finds_the_same_people_as_the_whole_frame(yolo, vtest_frames):
    """Run on a region (on the full frame's 32-pixel grid), the people well inside it come out
    with the boxes the whole frame gives; boxes against a cut edge are dropped; the whole frame
    as a region is the whole frame."""
    import supervision as sv

    img = vtest_frames[50].image
    full = yolo.detect(img)
    assert np.array_equal(yolo.detect_crop(img, (0, 0, 768, 576)).xyxy, full.xyxy)
    roi = (300, 100, 768, 440)
    inner = full[(full.xyxy[:, 0] > 340) & (full.xyxy[:, 1] > 140) & (full.xyxy[:, 3] < 400)]
    assert len(inner) >= 3
    crop = yolo.detect_crop(img, roi)
    iou = sv.box_iou_batch(inner.xyxy, crop.xyxy)
    assert (iou.max(axis=1) > 0.9).all(), iou.max(axis=1)
    x1, y1 = 288, 96  # the region's corner moved down onto the grid
    assert (crop.xyxy[:, 0] > x1 + 2).all() and (crop.xyxy[:, 1] > y1 + 2).all()
    assert (crop.xyxy[:, 3] < 440 - 2).all()
    many = yolo.detect_crops(img, [(0, 0, 400, 576), (300, 0, 768, 576)])  # overlapping: no doubles
    pairs = sv.box_iou_batch(many.xyxy, many.xyxy)[np.triu_indices(len(many), 1)]
    assert len(many) >= len(full) - 1 and (pairs <= 0.45).all()
