"""The analytics overlay (boxes, ids, zones, lines) and an MP4 writer for it (PyAV, H.264)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import supervision as sv

from gwanje.config import CameraConfig

ZONE_COLOUR = (0, 200, 255)
LINE_COLOUR = (255, 160, 0)


class Overlay:
    def __init__(self, camera: CameraConfig) -> None:
        self.camera = camera
        self.boxes = sv.BoxAnnotator(thickness=2)
        self.labels = sv.LabelAnnotator(text_scale=0.45, text_padding=3)

    def draw(
        self, image: np.ndarray, tracks: sv.Detections, active_zones: set[str] | None = None
    ) -> np.ndarray:
        out = image.copy()
        for zone in self.camera.zones:
            pts = np.asarray(zone.polygon, np.int32)
            colour = (0, 0, 255) if active_zones and zone.name in active_zones else ZONE_COLOUR
            cv2.polylines(out, [pts], True, colour, 2, cv2.LINE_AA)
            cv2.putText(
                out, zone.name, tuple(pts[0] + (4, 16)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA
            )
        for line in self.camera.lines:
            a = tuple(int(v) for v in line.start)
            b = tuple(int(v) for v in line.end)
            cv2.arrowedLine(out, a, b, LINE_COLOUR, 2, cv2.LINE_AA, tipLength=0.03)
            cv2.putText(
                out,
                line.name,
                (a[0] + 4, a[1] - 6),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5,
                LINE_COLOUR,
                1,
                cv2.LINE_AA,
            )
        if len(tracks):
            names = tracks.data.get("class_name", np.array(["?"] * len(tracks), dtype=object))
            ids = tracks.tracker_id if tracks.tracker_id is not None else np.full(len(tracks), -1)
            labels = [f"#{i} {n}" for i, n in zip(ids, names, strict=True)]
            out = self.boxes.annotate(out, tracks)
            out = self.labels.annotate(out, tracks, labels=labels)
        return out


class Mp4Writer:
    """H.264 MP4 written with PyAV; frames are BGR arrays, all of the first frame's size."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = Fraction(fps).limit_denominator(1000)
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None

    def write(self, image: np.ndarray) -> None:
        if self._container is None:
            self._container = av.open(str(self.path), mode="w")
            stream = self._container.add_stream("libx264", rate=self.fps)
            stream.height, stream.width = (image.shape[0] // 2) * 2, (image.shape[1] // 2) * 2
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "veryfast", "crf": "26"}
            self._stream = stream
        assert self._stream is not None
        h, w = self._stream.height, self._stream.width
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:h, :w]), format="bgr24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._container is None or self._stream is None:
            return
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None
