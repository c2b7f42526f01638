"""Tiling for small, distant objects: the full frame plus overlapping tiles, merged with NMS.

With ``only_motion`` a tile runs only where the motion gate saw motion, so a quiet corner of a
wide view costs nothing.
"""

from __future__ import annotations

import numpy as np
import supervision as sv

from gwanje.config import TilingConfig
from gwanje.vision.detectors.base import Detector, empty_detections, make_detections, nms

Box = tuple[int, int, int, int]


def tile_grid(width: int, height: int, rows: int, cols: int, overlap: float) -> list[Box]:
    """Tiles covering the image, each overlapping its neighbours by ``overlap`` of its size."""
    tw = width / (cols - (cols - 1) * overlap) if cols > 1 else width
    th = height / (rows - (rows - 1) * overlap) if rows > 1 else height
    tiles = []
    for r in range(rows):
        for c in range(cols):
            x1 = round(c * tw * (1 - overlap))
            y1 = round(r * th * (1 - overlap))
            tiles.append((x1, y1, min(width, round(x1 + tw)), min(height, round(y1 + th))))
    return tiles


def _touches(tile: Box, regions: tuple[Box, ...]) -> bool:
    x1, y1, x2, y2 = tile
    return any(rx1 < x2 and rx2 > x1 and ry1 < y2 and ry2 > y1 for rx1, ry1, rx2, ry2 in regions)


class TiledDetector:
    def __init__(self, inner: Detector, config: TilingConfig, nms_iou: float = 0.45) -> None:
        self.inner, self.config, self.nms_iou = inner, config, nms_iou
        self.name = f"{inner.name}+tiles"
        self.class_names = inner.class_names

    def detect(self, image: np.ndarray) -> sv.Detections:
        return self.detect_regions(image, None)

    def detect_regions(self, image: np.ndarray, regions: tuple[Box, ...] | None) -> sv.Detections:
        h, w = image.shape[:2]
        parts = [self.inner.detect(image)]
        for tile in tile_grid(w, h, self.config.rows, self.config.cols, self.config.overlap):
            if self.config.only_motion and regions is not None and not _touches(tile, regions):
                continue
            x1, y1, x2, y2 = tile
            det = self.inner.detect(image[y1:y2, x1:x2])
            if len(det):
                det.xyxy = det.xyxy + np.array([x1, y1, x1, y1], dtype=np.float32)
                parts.append(det)
        parts = [p for p in parts if len(p)]
        if not parts:
            return empty_detections()
        xyxy = np.concatenate([p.xyxy for p in parts])
        scores = np.concatenate([p.confidence for p in parts])
        cls = np.concatenate([p.class_id for p in parts])
        keep = nms(xyxy, scores, cls, self.nms_iou)
        return make_detections(xyxy[keep], scores[keep], cls[keep], self.class_names)
