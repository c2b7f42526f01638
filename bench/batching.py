"""Detector inference for several cameras in one worker process: each camera its own compiled
network (latency hint: one request over all the cores, the cameras fighting for them) against one
network shared by the cameras (throughput hint: the cores split into streams, the cameras'
requests in parallel; ``detector.shared``).

    .venv/bin/python bench/batching.py [--seconds 20] [--cameras 1,2,4,8]

Each camera is a thread running the detector on real PETS 2009 frames (vtest.avi) as fast as it
can, all the machine's cores available; reported: frames per second over all cameras and the
mean time a camera waits for one frame's detections. Detector only (no decode, tracking or
rules): what sharing the network changes. Writes bench/results/batching.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import VTEST, write_result  # noqa: E402

from gwanje.config import DetectorConfig  # noqa: E402
from gwanje.video.source import VideoSource  # noqa: E402
from gwanje.vision.detectors import create_detector  # noqa: E402

CASES = [
    ("yolov3-tiny 768x576 (default), own network per camera", {}),
    (
        "nanodet 416, own network per camera",
        {"backend": "nanodet_coco", "score_threshold": 0.5, "shared": False},
    ),
    (
        "nanodet 416, one network shared, parallel requests",
        {"backend": "nanodet_coco", "score_threshold": 0.5},
    ),
]


def measure(config: dict, cameras: int, frames: list, seconds: float) -> tuple[float, float]:
    detectors = [create_detector(DetectorConfig(classes=["person"], **config)) for _ in range(cameras)]
    for d in detectors:
        d.detect(frames[0].image)  # compile and warm up
    done = [0] * cameras
    waited = [0.0] * cameras
    start, stop = threading.Barrier(cameras + 1), threading.Event()

    def camera(k: int) -> None:
        start.wait()
        i = k * 7
        while not stop.is_set():
            t0 = time.perf_counter()
            detectors[k].detect(frames[i % len(frames)].image)
            waited[k] += time.perf_counter() - t0
            done[k] += 1
            i += 1

    threads = [threading.Thread(target=camera, args=(k,)) for k in range(cameras)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    total = sum(done)
    return total / wall, 1e3 * sum(waited) / max(1, total)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--cameras", default="1,2,4,8")
    args = ap.parse_args()
    counts = [int(c) for c in args.cameras.split(",")]
    frames = list(islice(VideoSource("pets", str(VTEST), analysis_fps=10).frames(), 100))
    lines = [
        "# Detector inference for several cameras in one worker (bench/batching.py)",
        "",
        f"`python bench/batching.py --seconds {args.seconds:g} --cameras {args.cameras}`; {os.cpu_count()} cores, "
        f"precision {os.environ.get('GWANJE_INFERENCE_PRECISION', 'auto')}. Frames per second over all cameras "
        "(each camera a thread detecting PETS frames back to back) and the mean ms a camera waits for one "
        "frame's detections.",
        "",
        "| detector | " + " | ".join(f"{c} camera{'s' if c > 1 else ''}" for c in counts) + " |",
        "|---|" + "---:|" * len(counts),
    ]
    for label, config in CASES:
        cells = []
        for n in counts:
            fps, ms = measure(config, n, frames, args.seconds)
            print(f"{label}, {n} cameras: {fps:.1f} frames/s, {ms:.1f} ms", flush=True)
            cells.append(f"{fps:.1f} f/s ({ms:.0f} ms)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    write_result("batching", lines)


if __name__ == "__main__":
    main()
