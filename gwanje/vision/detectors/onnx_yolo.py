"""A site's own YOLO model (ONNX or OpenVINO IR), in the common export layouts.

- ``yolov8``: Ultralytics v8/v11 style, one output ``[1, 4+C, N]`` of centre x, centre y, width,
  height (input pixels) and C class scores (already sigmoid, no objectness). Input RGB / 255,
  letterboxed centred on grey 114.
- ``yolox``: one output ``[1, N, 5+C]`` as YOLOX's ONNX export writes it (``decode_in_inference``
  off): grid offsets and log sizes per stride 8, 16, 32, then objectness and class scores
  (sigmoid). Input BGR 0-255, letterboxed at the top left on grey 114.

Class names come from config (index order of the model's classes). No such weights ship with
Gwanje: this is how a site plugs in a better model on its own hardware.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import supervision as sv

from gwanje.vision.detectors.base import clip_boxes, compile_openvino, letterbox, make_detections, nms

YOLOX_STRIDES = (8, 16, 32)


def decode_yolov8(out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[1, 4+C, N]`` to (xyxy in input pixels, class scores ``[N, C]``)."""
    pred = out[0].T  # (N, 4+C)
    cx, cy, w, h = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    xyxy = np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return xyxy, pred[:, 4:]


def yolox_grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell origins and strides for every YOLOX prediction, in output order."""
    grids, strides = [], []
    for s in YOLOX_STRIDES:
        gh, gw = height // s, width // s
        ys, xs = np.meshgrid(np.arange(gh), np.arange(gw), indexing="ij")
        grids.append(np.column_stack([xs.ravel(), ys.ravel()]))
        strides.append(np.full(gh * gw, s))
    return np.concatenate(grids).astype(np.float32), np.concatenate(strides).astype(np.float32)


def decode_yolox(out: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    pred = out[0]  # (N, 5+C)
    grid, stride = yolox_grid(width, height)
    if len(grid) != len(pred):
        raise ValueError(
            f"YOLOX output has {len(pred)} predictions, expected {len(grid)} for a {width}x{height} input"
        )
    cxy = (pred[:, :2] + grid) * stride[:, None]
    wh = np.exp(pred[:, 2:4]) * stride[:, None]
    xyxy = np.column_stack([cxy - wh / 2, cxy + wh / 2])
    return xyxy, pred[:, 4:5] * pred[:, 5:]


class OnnxYolo:
    name = "yolo_onnx"

    def __init__(
        self,
        model_path: Path,
        *,
        class_names: list[str],
        layout: str = "yolov8",
        input_width: int = 640,
        input_height: int = 640,
        score_threshold: float = 0.3,
        nms_iou: float = 0.45,
        classes: list[str] | None = None,
        precision: str = "auto",
        threads: int = 0,
    ) -> None:
        import openvino as ov

        path = Path(model_path)
        if not path.exists():
            raise FileNotFoundError(f"model file not found: {path}")
        if layout not in ("yolov8", "yolox"):
            raise ValueError(f"unknown YOLO layout {layout!r} (known: yolov8, yolox)")
        model = ov.Core().read_model(str(path))
        shape = model.inputs[0].partial_shape
        if shape.is_static:
            input_height, input_width = int(shape[2].get_length()), int(shape[3].get_length())
        else:
            model.reshape({model.inputs[0]: [1, 3, input_height, input_width]})
        self.width, self.height, self.layout = input_width, input_height, layout
        self.class_names = list(class_names)
        self.class_keep = np.array([not classes or n in classes for n in self.class_names])
        self.score_threshold, self.nms_iou = score_threshold, nms_iou
        self.compiled = compile_openvino(model, precision=precision, threads=threads)
        self.request = self.compiled.create_infer_request()

    def detect(self, image: np.ndarray) -> sv.Detections:
        yolox = self.layout == "yolox"
        canvas, box = letterbox(image, self.width, self.height, fill=114, centre=not yolox)
        if yolox:
            blob = canvas.transpose(2, 0, 1)[None].astype(np.float32)
        else:
            blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        out = self.request.infer({0: blob})[self.compiled.output(0)]
        return self.decode(out, box, image.shape[1], image.shape[0])

    def decode(self, out: np.ndarray, box, image_width: int, image_height: int) -> sv.Detections:
        if self.layout == "yolox":
            xyxy, scores_all = decode_yolox(out, self.width, self.height)
        else:
            xyxy, scores_all = decode_yolov8(out)
        if scores_all.shape[1] != len(self.class_names):
            raise ValueError(
                f"model has {scores_all.shape[1]} classes but class_names lists {len(self.class_names)}"
            )
        scores_all = scores_all * self.class_keep
        cls = scores_all.argmax(1)
        scores = scores_all[np.arange(len(cls)), cls]
        keep = scores > self.score_threshold
        xyxy, scores, cls = xyxy[keep], scores[keep], cls[keep]
        k = nms(xyxy, scores, cls, self.nms_iou)
        xyxy = clip_boxes(box.to_image(xyxy[k]), image_width, image_height)
        return make_detections(xyxy, scores[k], cls[k], self.class_names)
