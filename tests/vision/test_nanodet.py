"""NanoDet from the npm package: the OpenVINO graph our TF.js reader builds equals an independent
NumPy run of the same graph, and the detector finds the PETS 2009 walkers on real frames."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from common import load_mot_gt, match_counts, prf  # noqa: E402

from gwanje.config import DetectorConfig  # noqa: E402
from gwanje.vision.detectors import create_detector  # noqa: E402
from gwanje.vision.detectors.base import ModelNotInstalledError  # noqa: E402
from gwanje.vision.detectors.nanodet import MEAN, SIZE, STD, graph_file  # noqa: E402
from gwanje.vision.detectors.tfjs_graph import GraphError, build_openvino_model  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_openvino_graph_equals_a_numpy_run_of_the_tfjs_graph(vtest_frames) -> None:
    import cv2
    import openvino as ov
    from support.tfjs_numpy import run_graph

    image = cv2.resize(vtest_frames[10].image, (SIZE, SIZE)).astype(np.float32)
    x = ((image - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
    model, names = build_openvino_model(graph_file(), [1, 3, SIZE, SIZE])
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    got = compiled.create_infer_request().infer({0: x})
    reference = run_graph(graph_file(), x)
    for i, name in enumerate(names):
        diff = np.abs(got[compiled.output(i)] - reference[name]).max()
        assert diff < 1e-4, (name, diff)
    assert reference["Identity"][0, :, 0].max() > 0.5  # a person found: not a graph of zeros


def test_nanodet_finds_the_pets_walkers(vtest_frames, pets_gt) -> None:
    detector = create_detector(
        DetectorConfig(backend="nanodet_coco", score_threshold=0.5, classes=["person"], precision="f32")
    )
    gt = load_mot_gt(pets_gt)
    counts = np.zeros(3, int)
    for f in vtest_frames[::5]:
        det = detector.detect(f.image)
        assert set(det.data["class_name"]) <= {"person"}
        counts += match_counts(gt.get(f.index + 1), det.xyxy)
    p, r, f1 = prf(*counts)
    assert p > 0.85 and r > 0.75 and f1 > 0.8, (p, r, f1)  # 0.92 / 0.80 / 0.85 here


def test_an_op_the_reader_does_not_know_is_named(tmp_path) -> None:
    doc = {
        "modelTopology": {
            "node": [
                {"name": "x", "op": "Placeholder"},
                {"name": "y", "op": "Erf", "input": ["x"]},
                {"name": "Identity", "op": "Identity", "input": ["y"]},
            ]
        },
        "weightsManifest": [{"paths": ["w.bin"], "weights": []}],
    }
    (tmp_path / "w.bin").write_bytes(b"")
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(GraphError, match="op Erf"):
        build_openvino_model(tmp_path / "model.json", [1, 3, 8, 8])


def test_without_the_npm_package_the_error_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GWANJE_NODE_MODULES", str(tmp_path))
    with pytest.raises(ModelNotInstalledError, match="make install"):
        graph_file()


def test_cameras_of_a_process_share_one_network_and_get_their_own_answers(vtest_frames) -> None:
    """Four camera threads on one shared network (parallel requests) get each frame's own boxes,
    the same as one camera alone."""
    import threading

    config = DetectorConfig(backend="nanodet_coco", score_threshold=0.5, classes=["person"], precision="f32")
    cameras = [create_detector(config) for _ in range(4)]
    assert len({id(c.network) for c in cameras}) == 1
    alone = create_detector(config.model_copy(update={"shared": False}))
    assert alone.network is not cameras[0].network
    frames = vtest_frames[:40]
    expected = [alone.detect(f.image).xyxy for f in frames]
    wrong: list[int] = []

    def camera(k: int) -> None:
        for i in range(k, len(frames), 4):
            got = cameras[k].detect(frames[i].image).xyxy
            if got.shape != expected[i].shape or not np.allclose(got, expected[i], atol=1e-3):
                wrong.append(i)

    threads = [threading.Thread(target=camera, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
