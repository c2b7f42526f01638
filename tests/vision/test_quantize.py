"""INT8 quantization on site footage: the CLI makes the model, the detector uses it."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from common import load_mot_gt, match_counts, prf  # noqa: E402

pytestmark = pytest.mark.slow


def test_int8_needs_quantize_first(tmp_path, monkeypatch):
    monkeypatch.setenv("GWANJE_CACHE_DIR", str(tmp_path))
    from gwanje.vision.detectors.darknet_yolo import DarknetYolo
    from gwanje.vision.detectors.quantize import NotQuantizedError

    with pytest.raises(NotQuantizedError, match="run `gwanje models quantize"):
        DarknetYolo(input_width=416, input_height=416, precision="int8")


def test_quantize_cli_then_detect(tmp_path, monkeypatch, vtest, vtest_frames, pets_gt):
    monkeypatch.setenv("GWANJE_CACHE_DIR", str(tmp_path))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gwanje.cli",
            "models",
            "quantize",
            "--video",
            str(vtest),
            "--frames",
            "12",
            "--width",
            "416",
            "--height",
            "416",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "models" / "yolov3-tiny-coco-416x416-int8.xml").exists()

    from gwanje.vision.detectors.darknet_yolo import DarknetYolo

    det = DarknetYolo(input_width=416, input_height=416, precision="int8", classes=["person"])
    gt = load_mot_gt(pets_gt)
    c = np.zeros(3, int)
    for f in vtest_frames[::5]:
        c += match_counts(gt.get(f.index + 1), det.detect(f.image).xyxy)
    p, r, f1 = prf(*c)
    assert f1 > 0.75, (p, r, f1)


def test_quantize_refuses_a_bad_video(tmp_path, monkeypatch):
    monkeypatch.setenv("GWANJE_CACHE_DIR", str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "gwanje.cli", "models", "quantize", "--video", str(tmp_path / "none.mp4")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "video file not found" in proc.stderr and "Traceback" not in proc.stderr
