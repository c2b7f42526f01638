"""The site-model backend, on tiny ONNX networks built here whose outputs are known exactly.

Each network ignores its image (a zero-weight layer on the input's mean) and adds a known bias,
so the raw output, and therefore the expected boxes after decoding and NMS, are known.
"""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from gwanje.config import DetectorConfig
from gwanje.vision.detectors import create_detector
from gwanje.vision.detectors.onnx_yolo import yolox_grid


def constant_net(path, raw: np.ndarray, size: int) -> None:
    """ONNX: images [1,3,size,size] -> GlobalAveragePool -> Gemm(W=0, bias=raw) -> Reshape(raw.shape)."""
    flat = raw.astype(np.float32).reshape(1, -1)
    inits = [
        numpy_helper.from_array(np.zeros((3, flat.shape[1]), np.float32), "W"),
        numpy_helper.from_array(flat.reshape(-1), "B"),
        numpy_helper.from_array(np.array([1, 3], np.int64), "flat_shape"),
        numpy_helper.from_array(np.array(raw.shape, np.int64), "out_shape"),
    ]
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Reshape", ["pooled", "flat_shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "W", "B"], ["y"]),
        helper.make_node("Reshape", ["y", "out_shape"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(raw.shape))],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def make(tmp_path, raw, size, layout, names, **kw):
    path = tmp_path / "site_model.onnx"
    constant_net(str(path), raw, size)
    cfg = DetectorConfig(
        backend="yolo_onnx",
        model_path=path,
        layout=layout,
        class_names=names,
        classes=kw.pop("classes", names),
        score_threshold=0.3,
        **kw,
    )
    return create_detector(cfg)


def test_yolov8_layout_decodes_scales_and_suppresses(tmp_path):
    # 64x64 input, 2 classes, 4 candidates: cx, cy, w, h, score(person), score(car)
    raw = np.array(
        [
            [
                [16, 17, 48, 40],  # cx
                [16, 17, 32, 10],  # cy
                [10, 10, 20, 4],  # w
                [20, 20, 16, 4],  # h
                [0.9, 0.8, 0.1, 0.2],
                [0.0, 0.0, 0.7, 0.1],
            ]
        ],
        np.float32,
    )
    det = make(tmp_path, raw, 64, "yolov8", ["person", "car"])
    image = np.zeros((128, 256, 3), np.uint8)  # scale 0.25, centred: 64x32 content, pad_y 16
    out = det.detect(image)
    order = np.argsort(-out.confidence)
    assert list(out.data["class_name"][order]) == ["person", "car"]  # candidate 2 suppressed, 4 too low
    assert out.confidence[order] == pytest.approx([0.9, 0.7])
    # person: cx16 cy16 w10 h20 -> input xyxy (11,6,21,26) -> image (x/0.25, (y-16)/0.25), y clipped at 0
    # car: cx48 cy32 w20 h16 -> input (38,24,58,40) -> image (152,32,232,96)
    expected = np.array([[44, 0, 84, 40], [152, 32, 232, 96]], np.float32)
    np.testing.assert_allclose(out.xyxy[order], expected, atol=1e-3)


def test_yolov8_class_filter(tmp_path):
    raw = np.zeros((1, 6, 2), np.float32)
    raw[0, :4] = [[10, 40], [10, 40], [8, 8], [8, 8]]
    raw[0, 4] = [0.9, 0.0]
    raw[0, 5] = [0.0, 0.8]
    det = make(tmp_path, raw, 64, "yolov8", ["person", "car"], classes=["car"])
    out = det.detect(np.zeros((64, 64, 3), np.uint8))
    assert list(out.data["class_name"]) == ["car"]


def test_yolox_layout_decodes_grid_and_strides(tmp_path):
    size = 64
    grid, stride = yolox_grid(size, size)
    n = len(grid)  # 8x8 + 4x4 + 2x2 = 84
    raw = np.zeros((1, n, 5 + 1), np.float32)
    raw[0, :, 4] = 0.0  # objectness
    i = 8 * 2 + 3  # stride 8 cell (x3, y2)
    raw[0, i] = [0.5, 0.5, np.log(2.0), np.log(3.0), 0.9, 0.8]
    j = 64 + 4 * 1 + 1  # stride 16 cell (x1, y1)
    raw[0, j] = [0.0, 0.0, 0.0, 0.0, 0.6, 0.9]
    det = make(tmp_path, raw, size, "yolox", ["person"])
    out = det.detect(np.zeros((size, size, 3), np.uint8))
    order = np.argsort(-out.confidence)
    assert out.confidence[order] == pytest.approx([0.72, 0.54])
    # cell (3,2) stride 8: centre (28, 20), size (16, 24); cell (1,1) stride 16: centre (16,16), size 16
    np.testing.assert_allclose(out.xyxy[order], [[20, 8, 36, 32], [8, 8, 24, 24]], atol=1e-3)


def test_wrong_class_count_is_refused(tmp_path):
    raw = np.zeros((1, 6, 3), np.float32)
    det = make(tmp_path, raw, 64, "yolov8", ["person", "car", "bus"])
    with pytest.raises(ValueError, match="model has 2 classes but class_names lists 3"):
        det.detect(np.zeros((64, 64, 3), np.uint8))


def test_config_requires_model_and_names():
    with pytest.raises(ValueError, match="needs model_path and class_names"):
        DetectorConfig(backend="yolo_onnx")
