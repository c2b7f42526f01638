"""Fall detection on the UR Fall Detection dataset (camera 0, RGB half) and on the PETS walkers.

    .venv/bin/python bench/fall.py

Each clip runs through the whole CameraPipeline (motion gate, YOLOv3-tiny at 416x320, ByteTrack,
fall rule) at 10 analysed frames a second. A clip is called a fall when the fall rule raises an
alarm anywhere in it. URFD clips end 0.2-2 s after the person lands, so the rule is run with
``down_s`` = 0.3 s here (the default for live cameras is 5 s); the delay is from the first frame
labelled ``falling`` (label 0) to the alarm. vtest.avi (PETS 2009) is run with both the bench
setting and the defaults: walkers must raise no fall alarm. Writes bench/results/fall.md.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, VTEST, Summary, prf, write_result  # noqa: E402

from gwanje.config import (  # noqa: E402
    CameraConfig,
    DetectorConfig,
    FallConfig,  # noqa: E402
    TamperConfig,
)
from gwanje.domain import EventType  # noqa: E402
from gwanje.pipeline import CameraPipeline  # noqa: E402
from gwanje.video.source import VideoSource  # noqa: E402

URFD = SHARED / "fall_urfd"
BENCH_FALL = FallConfig(down_s=0.3)


def camera(
    fall: FallConfig, fps: float, width: int, height: int, url: str, low_light: str = "auto"
) -> CameraConfig:
    return CameraConfig(
        id="bench",
        url=url,
        analysis_fps=fps,
        low_light=low_light,
        detector=DetectorConfig(classes=["person"], input_width=width, input_height=height),
        tamper=TamperConfig(enabled=False),
        fall=fall,
    )


def darken(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A low-light copy: gamma 2.2 and a third of the light, with sensor noise (sigma 3 grey levels)."""
    dark = (image.astype(np.float32) / 255.0) ** 2.2 * 255.0 / 3.0
    dark += rng.normal(0.0, 3.0, image.shape)
    return np.clip(dark, 0, 255).astype(np.uint8)


def run_clip(cam: CameraConfig, crop_rgb: bool, detector=None, source_fps: float = 10.0, dark: bool = False):
    """Fall alarms (frame index from 1, t), frames analysed, ms per analysed frame, pose runs."""
    pipe = CameraPipeline(cam, detector=detector)
    rng = np.random.default_rng(0)
    alarms, n, t0 = [], 0, time.perf_counter()
    for frame in VideoSource(cam.id, cam.url, analysis_fps=cam.analysis_fps).frames():
        if crop_rgb:
            frame = dataclasses.replace(frame, image=frame.image[:, 320:].copy())
        if dark:
            frame = dataclasses.replace(frame, image=darken(frame.image, rng))
        n += 1
        for e in pipe.process(frame).events:
            if e.type == EventType.FALL and e.phase == "start":
                alarms.append((round(frame.pts_s * source_fps) + 1, frame.pts_s))
    poses = sum(getattr(r, "pose_runs", 0) for r in pipe.rules)
    return alarms, n, (time.perf_counter() - t0) / max(n, 1) * 1e3, pipe.detector, poses


VARIANTS = {  # name: (fall config, darkened, low-light setting)
    "boxes": (BENCH_FALL.model_copy(update={"pose_check": False}), False, "off"),
    "boxes + pose check": (BENCH_FALL, False, "off"),
    "CLAHE always: boxes + pose check": (BENCH_FALL, False, "clahe"),
    "default: boxes + pose check, low_light auto": (BENCH_FALL, False, "auto"),
    "dark: boxes": (BENCH_FALL.model_copy(update={"pose_check": False}), True, "off"),
    "dark: boxes + pose check": (BENCH_FALL, True, "off"),
    "dark, CLAHE always: boxes + pose check": (BENCH_FALL, True, "clahe"),
    "dark, default: boxes + pose check, low_light auto": (BENCH_FALL, True, "auto"),
}
DEFAULT = "default: boxes + pose check, low_light auto"


def score(seqs: list[dict], fall: FallConfig, dark: bool, low_light: str, detector=None):
    """Clip table rows, counts (tp, fp, fn, tn), delays, ms per frame, pose runs; and the detector."""
    rows, tp, fp, fn, tn, delays, costs, poses = [], 0, 0, 0, 0, [], [], 0
    for s in seqs:
        cam = camera(fall, 10, 416, 320, str(URFD / "videos" / s["video"]), low_light)
        alarms, n, ms, detector, runs = run_clip(cam, True, detector, float(s["fps"]), dark)
        costs.append(ms)
        poses += runs
        is_fall = s["clip_class"] == "fall"
        hit = bool(alarms)
        tp, fp, fn, tn = (
            tp + (is_fall and hit),
            fp + (not is_fall and hit),
            fn + (is_fall and not hit),
            tn + (not is_fall and not hit),
        )
        delay = ""
        if is_fall and hit:
            d = (alarms[0][0] - int(s["first_frame_label0"])) / float(s["fps"])
            delays.append(d)
            delay = f"{d:.2f} s"
        first = f"frame {alarms[0][0]}" if alarms else "-"
        rows.append(
            f"| {s['sequence']} | {s['clip_class']} | {'alarm' if hit else '-'} | {first} | {delay} | {ms:.0f} |"
        )
    return rows, (tp, fp, fn, tn), sorted(delays), costs, poses, detector


def main() -> list[Summary]:
    t0 = time.time()
    with open(URFD / "labels" / "urfd_sequences.csv") as f:
        seqs = list(csv.DictReader(f))
    detector, results = None, {}
    for name, (fall, dark, low_light) in VARIANTS.items():
        results[name] = score(seqs, fall, dark, low_light, detector)
        detector = results[name][-1]
        tp, fp, fn, tn = results[name][1]
        print(name, prf(tp, fp, fn), f"adl alarms {fp}", flush=True)
    rows, (tp, fp, fn, tn), delays, costs, _, _ = results[DEFAULT]
    p, r, f1 = prf(tp, fp, fn)
    variants = []
    for name, (_, (vtp, vfp, vfn, vtn), _, vcosts, vposes, _) in results.items():
        vp, vr, vf = prf(vtp, vfp, vfn)
        variants.append(
            f"| {name} | {vtp} of {vtp + vfn} | {vfp} of {vfp + vtn} | {vp:.2f} | {vr:.2f} | {vf:.2f} | "
            f"{np.median(vcosts):.0f} | {vposes} |"
        )
    pets = []
    for label, cfg in (("bench setting (down_s 0.3 s)", BENCH_FALL), ("defaults (down_s 5 s)", FallConfig())):
        alarms, n, ms, _, _ = run_clip(camera(cfg, 5, 768, 576, str(VTEST)), False)
        pets.append(f"| vtest.avi, PETS 2009 walkers, {label} | {n} | {len(alarms)} | {ms:.0f} |")
        print(pets[-1], flush=True)
    lines = [
        "# Fall",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/fall.py` ({time.time() - t0:.0f} s). "
        "UR Fall Detection dataset (Kwolek and Kepski 2014; CC BY-NC-SA, testing only), camera 0, "
        "the RGB half of each frame (320x240). The whole pipeline at 10 analysed frames a second, "
        "YOLOv3-tiny 416x320; the fall rule from box geometry with the pose check before each alarm "
        "(gwanje/analytics/fall.py; BlazePose from the mediapipe wheel, only on fall candidates; a track "
        "the detector loses while going down fast is followed by the change in the picture, "
        "gwanje/analytics/fall_presence.py). "
        "Target: clip-level F1 ≥ 0.90, adl-10 and adl-11 (lying down on purpose) without an alarm.",
        "",
        "How optimistic: the rule has no learned part, so no clip trains it; but its thresholds (box "
        "ratios, 1.5 s, drop) were set while looking at these clips, and the pose check's thresholds are "
        "body proportions set before running it here. The standing-height memory (a fall starts from at "
        "least 0.8 of the tallest upright box the person showed at the same depth, so a seated person lying "
        "down is not one) had its same-depth tolerance narrowed from a sixth to a tenth of the height after "
        "it lost fall-07 (a person walking away from the camera); the lost-track presence (a track lost while "
        "going down fast counts while the floor where they would lie stays changed) had its change share "
        "(0.3 → 0.2) and the contrast-relative grey step set while looking at the darkened clips, so the "
        "dark rows flatter it. Unseen footage has scored the box rule much lower "
        "(issue 13: F1 0.71 and 0.33 on two unseen sets).",
        "",
        "| variant | falls caught | daily-activity clips alarmed | precision | recall | F1 | ms per frame "
        "(median) | pose runs |",
        "|---|---|---|---|---|---|---|---|",
        *variants,
        "",
        "*dark*: every frame made dark as a night room (gamma 2.2, a third of the light, noise sigma 3 grey "
        "levels); *CLAHE always*: the camera's `low_light: clahe` equalises the luminance of every frame "
        "before analysis; *low_light auto* (the default) only of frames whose mean grey level is under 60.",
        "",
        "The default (boxes + pose check, low_light auto), clip by clip:",
        "",
        f"**Clip level: precision {p:.2f}, recall {r:.2f}, F1 {f1:.2f}** "
        f"(falls caught {tp} of {tp + fn}; alarms on daily-activity clips {fp} of {fp + tn}). "
        f"Delay from the first `falling` frame to the alarm: median "
        f"{delays[len(delays) // 2] if delays else float('nan'):.2f} s, max {max(delays) if delays else float('nan'):.2f} s "
        f"(it includes the 0.3 s the person must stay down).",
        "",
        "| clip | class | result | first alarm | delay | ms per analysed frame |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Walkers (must be no fall alarm):",
        "",
        "| clip | analysed frames | fall alarms | ms per frame |",
        "|---|---|---|---|",
        *pets,
    ]
    print("\n".join(lines))
    write_result("fall", lines)
    pets_alarms = sum(int(r.split("|")[3]) for r in pets)
    cost = f"{np.median(costs):.0f} ms/frame (pipeline)"
    return [
        Summary(
            "fall",
            "fall_urfd 20+12 clips",
            "clip P / R / F1",
            f"{p:.2f} / {r:.2f} / {f1:.2f}",
            "F1 ≥ 0.90",
            cost,
        ),
        Summary(
            "fall",
            "fall_urfd falls",
            "delay, median",
            f"{delays[len(delays) // 2]:.2f} s" if delays else "-",
            "-",
            "",
        ),
        Summary("fall", "vtest.avi walkers", "fall alarms", str(pets_alarms), "0", ""),
    ]


if __name__ == "__main__":
    main()
