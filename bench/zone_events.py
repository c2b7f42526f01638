"""Intrusion, loitering and line-crossing events on vtest.avi against ground-truth-derived events.

    .venv/bin/python bench/zone_events.py [--fps 5]

Runs the default pipeline with the zones and line of configs/vtest.yaml at the analysis rate,
derives the true events from pets09_s2l1/gt.txt with the same zones (bench/zone_truth.py), and
counts a found event as right when a true one of the same type and zone starts within 1 s.
Writes bench/results/zone_events.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, VTEST, Summary, write_result  # noqa: E402
from zone_truth import score, truth_events  # noqa: E402

from gwanje.config import load_config  # noqa: E402
from gwanje.pipeline import CameraPipeline  # noqa: E402
from gwanje.video.source import VideoSource  # noqa: E402

TYPES = ("intrusion", "loitering", "line_crossing")


def run(fps: float) -> dict[str, dict]:
    cam = (
        load_config(ROOT / "configs" / "vtest.yaml")
        .camera(None)
        .model_copy(update={"url": str(VTEST), "analysis_fps": fps})
    )
    pipeline = CameraPipeline(cam)
    found = []
    for frame in VideoSource(cam.id, str(VTEST), analysis_fps=fps).frames():
        for e in pipeline.process(frame).events:
            if e.phase == "start":
                found.append((e.type.value, e.zone, e.start_s))
    truth = truth_events(np.loadtxt(SHARED / "pets09_s2l1" / "gt.txt", delimiter=","), cam, fps=10.0)
    return {t: score([x for x in truth if x.type == t], [f for f in found if f[0] == t]) for t in TYPES}


def main(argv: list[str] | None = None) -> list[Summary]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fps", type=float, default=5.0)
    args = ap.parse_args(argv)
    t0 = time.time()
    res = run(args.fps)
    lines = [
        "# Zone events on vtest.avi against ground truth",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/zone_events.py --fps {args.fps:g}` "
        f"({time.time() - t0:.0f} s). Zones and line from `configs/vtest.yaml`; truth from "
        "`pets09_s2l1/gt.txt` with the same zones (bottom-centre anchor, `bench/zone_truth.py`); "
        "a match is the same type and zone starting within 1 s.",
        "",
        "| event | true | found | matched | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for t, r in res.items():
        lines.append(
            f"| {t} | {r['truth']} | {r['found']} | {r['tp']} | {r['precision']:.2f} | {r['recall']:.2f} |"
        )
        print(t, r)
    write_result("zone_events", lines)
    return [
        Summary(t, "vtest.avi vs gt.txt", "P / R", f"{r['precision']:.2f} / {r['recall']:.2f}", "-", "")
        for t, r in res.items()
    ]


if __name__ == "__main__":
    main()
