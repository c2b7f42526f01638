"""YOLOv3-tiny (darknet, COCO 80 classes) run with OpenVINO: the detector and its decoding.

The network is built by ``darknet_graph`` (or read as the INT8 model ``quantize`` made); decoding
of the two YOLO heads and non-maximum suppression run in NumPy here.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import supervision as sv

from gwanje.vision.detectors.base import (
    Letterbox,
    class_mask,
    clip_boxes,
    compile_openvino,
    empty_detections,
    kept,
    letterbox,
    make_detections,
    nms,
)
from gwanje.vision.detectors.darknet_graph import (
    build_openvino_model,
    model_file,
    parse_cfg,
    with_bgr_u8_input,
    yolo_heads,
)
from gwanje.vision.detectors.quantize import load_int8


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def decode_yolo(
    raw: np.ndarray,
    anchors: np.ndarray,
    width: int,
    height: int,
    num_classes: int,
    threshold: float,
    class_mask: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One YOLO head ``[1, A*(5+C), gh, gw]`` to boxes (xyxy, network pixels), scores, class ids."""
    _, _, gh, gw = raw.shape
    a = len(anchors)
    t = raw.reshape(a, 5 + num_classes, gh, gw)
    obj = _sigmoid(t[:, 4])
    cand = obj > threshold
    if not cand.any():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int)
    ai, gy, gx = np.nonzero(cand)
    cells = t[ai, :, gy, gx]  # (n, 5+C)
    cls_prob = _sigmoid(cells[:, 5:])
    if class_mask is not None:
        cls_prob = cls_prob * class_mask
    scores_all = obj[ai, gy, gx][:, None] * cls_prob
    cls = scores_all.argmax(1)
    scores = scores_all[np.arange(len(cls)), cls]
    keep = scores > threshold
    cells, ai, gy, gx, cls, scores = cells[keep], ai[keep], gy[keep], gx[keep], cls[keep], scores[keep]
    cx = (gx + _sigmoid(cells[:, 0])) / gw * width
    cy = (gy + _sigmoid(cells[:, 1])) / gh * height
    bw = np.exp(cells[:, 2]) * anchors[ai, 0]
    bh = np.exp(cells[:, 3]) * anchors[ai, 1]
    xyxy = np.column_stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]).astype(np.float32)
    return xyxy, scores.astype(np.float32), cls


class DarknetYolo:
    """YOLOv3-tiny COCO detector (the default backend)."""

    name = "yolov3_tiny_coco"

    def __init__(
        self,
        *,
        input_width: int = 416,
        input_height: int = 416,
        score_threshold: float = 0.3,
        nms_iou: float = 0.45,
        classes: list[str] | None = None,
        fix_anchor_mask: bool = True,
        precision: str = "auto",
        threads: int = 0,
    ) -> None:
        if input_width % 32 or input_height % 32:
            raise ValueError(
                f"YOLOv3-tiny input size must be a multiple of 32, got {input_width}x{input_height}"
            )
        cfg, weights = model_file("yolov3-tiny.cfg"), model_file("yolov3-tiny.weights")
        names = model_file("coco.names")
        self.class_names = [n.strip() for n in names.read_text().splitlines() if n.strip()]
        self.width, self.height = input_width, input_height
        self.score_threshold, self.nms_iou = score_threshold, nms_iou
        self.class_mask = class_mask(self.class_names, classes)
        if precision == "int8":  # the quantized IR already holds the network: no need to build it
            model, precision = load_int8(input_width, input_height), "auto"
            self.heads = yolo_heads(parse_cfg(cfg.read_text()), fix_anchor_mask)
        else:
            model, self.heads = build_openvino_model(cfg, weights, input_width, input_height, fix_anchor_mask)
        # all convolutions: any multiple of 32 runs through the same compiled network, at a cost
        # in proportion to its area (what lets ``detect_crop`` look at a part of the frame)
        model.reshape([1, 3, -1, -1])
        self.compiled = compile_openvino(with_bgr_u8_input(model), precision=precision, threads=threads)
        self.request = self.compiled.create_infer_request()

    def detect(self, image: np.ndarray) -> sv.Detections:
        canvas, box = letterbox(image, self.width, self.height)
        h, w = image.shape[:2]
        return self._run(canvas, box, w, h)

    def detect_crop(self, image: np.ndarray, roi: tuple[int, int, int, int]) -> sv.Detections:
        """Detect inside ``roi`` (x1, y1, x2, y2 frame pixels) only, at the scale the full frame
        would have: the same boxes for what lies well inside it, at a share of the cost."""
        h, w = image.shape[:2]
        scale = min(self.width / w, self.height / h)
        # start on the full frame's 32-pixel network grid, so the cells fall where they would on it
        pad_x, pad_y = (self.width - w * scale) / 2, (self.height - h * scale) / 2
        x1 = max(0, math.floor(((max(0, roi[0]) * scale + pad_x) // 32 * 32 - pad_x) / scale))
        y1 = max(0, math.floor(((max(0, roi[1]) * scale + pad_y) // 32 * 32 - pad_y) / scale))
        x2, y2 = min(w, roi[2]), min(h, roi[3])
        if x2 - x1 < 2 or y2 - y1 < 2:
            return empty_detections()
        crop = image[y1:y2, x1:x2]
        cw, ch = max(1, round((x2 - x1) * scale)), max(1, round((y2 - y1) * scale))
        net_w, net_h = min(self.width, -(-cw // 32) * 32), min(self.height, -(-ch // 32) * 32)
        canvas = np.full((net_h, net_w, 3), 127, np.uint8)
        canvas[: min(ch, net_h), : min(cw, net_w)] = cv2.resize(
            crop, (cw, ch), interpolation=cv2.INTER_LINEAR
        )[:net_h, :net_w]
        det = self._run(canvas, Letterbox(scale, -x1 * scale, -y1 * scale), w, h)
        # a box against a cut edge (not the frame's) is half an object or the network guessing at
        # the padding: what the region was drawn around lies well inside it
        b, edge = det.xyxy, 2.0 / scale
        cut = (
            ((x1 > 0) & (b[:, 0] <= x1 + edge))
            | ((y1 > 0) & (b[:, 1] <= y1 + edge))
            | ((x2 < w) & (b[:, 2] >= x2 - edge))
            | ((y2 < h) & (b[:, 3] >= y2 - edge))
        )
        return det[~cut] if cut.any() else det

    def detect_crops(self, image: np.ndarray, rois: list[tuple[int, int, int, int]]) -> sv.Detections:
        """``detect_crop`` on each region, merged (one box for an object two regions share)."""
        parts = [d for d in (self.detect_crop(image, r) for r in rois) if len(d)]
        if len(parts) < 2:
            return parts[0] if parts else empty_detections()
        merged = sv.Detections.merge(parts)
        keep = nms(merged.xyxy, merged.confidence, merged.class_id, self.nms_iou)
        return merged[keep]

    def _run(self, canvas: np.ndarray, box: Letterbox, w: int, h: int) -> sv.Detections:
        result = self.request.infer({0: canvas[None]})
        net_h, net_w = canvas.shape[:2]
        parts = [
            decode_yolo(
                result[self.compiled.output(hd.output_index)],
                hd.anchors,
                net_w,
                net_h,
                len(self.class_names),
                self.score_threshold,
                self.class_mask,
            )
            for hd in self.heads
        ]
        xyxy, scores, cls = kept(parts, self.nms_iou)
        return make_detections(clip_boxes(box.to_image(xyxy), w, h), scores, cls, self.class_names)
