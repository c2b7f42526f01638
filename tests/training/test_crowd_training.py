"""The crowd density network: its training data, the training command on a tiny set, and the
exported file run by OpenVINO as cameras run it."""

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the train extra (PyTorch) is not installed; make test installs it"
)

from gwanje.training.crowd_data import CrowdImage, density_cells, prepare, to_tensor  # noqa: E402
from gwanje.training.crowd_net import CrowdNet, DensityHead, export_onnx  # noqa: E402
from gwanje.training.crowd_train import TrainSettings, predict_counts, train_head  # noqa: E402
from gwanje.vision.density import DensityCounter, cell_shares, polygon_shares  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_density_cells_keep_every_head_even_at_the_border():
    points = np.array([[0, 0], [15.5, 7], [300, 300], [-4, 20], [31, 31]], np.float32)
    cells = density_cells(points, (32, 48))
    assert cells.shape == (4, 6)
    assert cells.sum() == pytest.approx(5.0, abs=1e-4)
    assert cells[0, 0] > cells[2, 2]  # the mass stays near its head


def test_cell_shares_follow_the_mask_and_pad_to_sixteen():
    mask = np.zeros((20, 40), bool)
    mask[:, :20] = True
    shares = cell_shares(mask, mask.shape)
    assert shares.shape == (4, 6)  # 20x40 padded to 32x48, 8-pixel cells
    assert shares[0, 0] == 1.0 and shares[0, 2] == 0.5 and shares[0, 3] == 0.0
    assert shares[3].sum() == 0.0  # padding is outside every zone
    half = polygon_shares([(0, 0), (19.5, 0), (19.5, 19.5), (0, 19.5)], (20, 40))
    assert half[:2, :2].min() == 1.0 and half[:, 3:].max() == 0.0


def test_each_scale_of_a_picture_is_a_sample_with_its_heads_moved(tmp_path):
    """A picture with scales (0.5, 1.0, 1.4) gives three samples; the heads follow the resize, so
    each sample's target still holds every head, where the resized picture shows it; the ROI too."""
    img = np.full((96, 128, 3), 40, np.uint8)
    pts = np.array([[20, 30], [100, 70], [64, 10]], np.float32)
    cv2.imwrite(str(tmp_path / "p.png"), img)
    roi = np.zeros((96, 128), bool)
    roi[:, :64] = True
    item = CrowdImage("p", "synthetic", tmp_path / "p.png", pts, roi, scales=(0.5, 1.0, 1.4))
    small, same, large = prepare([item])
    # 134x179 padded to 144x192 at 1.4
    assert [s.target.shape for s in (small, same, large)] == [(6, 8), (12, 16), (18, 24)]
    for s in (small, same, large):
        assert float(s.target.sum()) == pytest.approx(3.0, abs=1e-3)
        assert s.image is item
    # the head at (100, 70) lands in the cell that holds it at each scale
    for s, k in ((small, 0.5), (large, 1.4)):
        row, col = int(70 * k) // 8, int(100 * k) // 8
        assert float(s.target[row - 1 : row + 2, col - 1 : col + 2].sum()) > 0.9
    # the ROI (left half) resized with the picture: left cells in, right cells out
    assert [s.scale for s in (small, same, large)] == [0.5, 1.0, 1.4]
    assert float(large.roi[:16, 0].min()) == 1.0 and float(large.roi[:, 12:].max()) == 0.0


def test_head_learns_where_people_are_on_a_synthetic_scene(tmp_path):
    """Bright blobs as people on a dark floor: after a short training the head counts them on
    pictures it did not see, and the exported file agrees with PyTorch."""
    rng = np.random.default_rng(3)

    def scene(i, n):
        img = np.full((128, 160, 3), 40, np.uint8)
        pts = rng.uniform([8, 8], [152, 120], size=(n, 2)).astype(np.float32)
        for x, y in pts:
            cv2.circle(img, (int(x), int(y)), 4, (230, 230, 230), -1)
        path = tmp_path / f"s{i}.png"
        cv2.imwrite(str(path), img)
        return CrowdImage(f"s{i}", "synthetic", path, pts)

    train = prepare([scene(i, int(n)) for i, n in enumerate(rng.integers(0, 25, 16))])
    test = prepare([scene(100 + i, n) for i, n in enumerate((3, 12, 22))])
    head = train_head(train, TrainSettings(steps=150, batch=6, width=16))
    counts = predict_counts(head, test)
    assert np.abs(counts - [3, 12, 22]).max() < 5, counts
    assert counts[2] > counts[1] > counts[0]

    path = export_onnx(head, tmp_path / "crowd.onnx")
    counter = DensityCounter(path, precision="f32")
    image = cv2.imread(str(test[2].image.path))
    cells = counter.density(image)
    with torch.no_grad():
        ref = CrowdNet(head).eval()(to_tensor(image))[0, 0].numpy()
    assert cells.shape == ref.shape == (16, 20)
    np.testing.assert_allclose(cells, ref, atol=1e-3)


def test_density_counter_says_how_to_make_a_missing_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="gwanje models train-crowd"):
        DensityCounter(tmp_path / "none.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"not a network")
    with pytest.raises(ValueError, match="unreadable"):
        DensityCounter(tmp_path / "bad.onnx")


def _train(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "gwanje.cli", "models", "train-crowd", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )


def test_train_crowd_command_on_a_tiny_set(shared, vtest, tmp_path):
    out = tmp_path / "models" / "crowd.onnx"
    env = {**os.environ, "GWANJE_CACHE_DIR": str(tmp_path / "cache")}
    proc = _train(
        "--shanghaitech", shared("crowd_shanghaitech_a"), "--mall", shared("crowd_mall"),
        "--pets", shared("pets09_s2l1"), "--video", vtest, "--limit", 2, "--steps", 3, "--out", out, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "cache" / "pets09_frames").glob("*.jpg"))) == 265
    assert "crowd density model saved" in proc.stdout
    cells = DensityCounter(out, precision="f32").density(np.zeros((480, 640, 3), np.uint8))
    assert cells.shape == (60, 80) and np.isfinite(cells).all() and (cells >= 0).all()


def test_train_crowd_refuses_a_folder_without_the_dataset(tmp_path):
    proc = _train("--shanghaitech", tmp_path, "--steps", 1, "--out", tmp_path / "m.onnx")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error: ") and "ShanghaiTech A" in proc.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_density_head_is_not_an_empty_scene_at_start():
    """The head starts small but alive (softplus(-4)), so training can move it."""
    head = DensityHead(16)
    out = head(torch.zeros(1, 128, 4, 4), torch.zeros(1, 256, 2, 2))
    assert 0.005 < float(out.mean()) < 0.05
