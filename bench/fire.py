"""Fire: FURG house6 against its flame boxes, and no alarm on every clip without fire.

    .venv/bin/python bench/fire.py

All clips at 5 analysed frames a second (image sequences taken as 5 a second). On house6 a frame
counts as detected when the detector returns a flame region that overlaps an annotated flame box;
a region that overlaps none is a false region. The alarm is the fire rule's event (a flame region
held 2 s). Writes bench/results/fire.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clips import quiet_clips, video  # noqa: E402
from common import SHARED, VTEST, Summary, write_result  # noqa: E402

from gwanje.analytics.fire import FireRules  # noqa: E402
from gwanje.config import FireConfig  # noqa: E402

FURG = SHARED / "fire_furg"


def flame_boxes() -> tuple[dict[int, np.ndarray], float]:
    root = ElementTree.parse(FURG / "house6.xml").getroot()
    fps = float(root.findtext("frameRate") or 29.97)
    out = {}
    for item in root.find("frames"):
        n = int(item.findtext("frameNumber"))
        rects = [list(map(float, r.text.split())) for r in item.find("annotations") or []]
        out[n] = np.array([[x, y, x + w, y + h] for x, y, w, h in rects]).reshape(-1, 4)
    return out, fps


def overlaps(box, truth: np.ndarray) -> bool:
    x1, y1, x2, y2 = box
    return bool(
        (
            (np.minimum(x2, truth[:, 2]) > np.maximum(x1, truth[:, 0]))
            & (np.minimum(y2, truth[:, 3]) > np.maximum(y1, truth[:, 1]))
        ).any()
    )


def run(clip, config: FireConfig):
    rules = FireRules(config)
    alarms, per_frame, t_total, n = [], [], 0.0, 0
    for t, image in clip.frames():
        t0 = time.perf_counter()
        rules.observe(image, None)
        hits = rules.update(None, t)
        t_total += time.perf_counter() - t0
        n += 1
        per_frame.append((t, [b for b, _ in rules.last_regions]))
        alarms += [t for h in hits if h.phase == "start"]
    return alarms, per_frame, t_total / max(n, 1) * 1e3


def main() -> list[Summary]:
    t0 = time.time()
    config = FireConfig()
    truth, fps = flame_boxes()
    alarms, frames, ms = run(video("house6", FURG / "house6.mp4"), config)
    det = hit = false_regions = regions = 0
    annotated = 0
    for t, boxes in frames:
        gt = truth.get(round(t * fps), np.zeros((0, 4)))
        annotated += len(gt) > 0
        good = [b for b in boxes if len(gt) and overlaps(b, gt)]
        det += bool(boxes)
        hit += bool(good)
        regions += len(boxes)
        false_regions += len(boxes) - len(good)
    first_flame = min(n for n, b in truth.items() if len(b)) / fps
    p = hit / det if det else 0.0
    r = hit / annotated if annotated else 0.0
    rows, total_alarms, total_frames = [], 0, 0
    for clip in quiet_clips(SHARED, VTEST):
        a, f, m = run(clip, config)
        total_alarms += len(a)
        total_frames += len(f)
        lit = sum(bool(b) for _, b in f)
        if not clip.name.startswith("nofi"):
            rows.append(f"| {clip.name} | {len(f)} | {lit} | {len(a)} | {m:.1f} |")
        print(clip.name, len(a), lit, flush=True)
    nofight = [c for c in quiet_clips(SHARED, VTEST) if c.name.startswith("nofi")]
    lines = [
        "# Fire",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/fire.py` ({time.time() - t0:.0f} s). "
        "Classical: flame colour, staying in place, brightness changing while lit (gwanje.analytics.fire, "
        "defaults). 5 analysed frames a second. The brightness thresholds were chosen by sweeping them "
        "on these same clips (house6 is the only fire footage here), so read the margins, not only the "
        "zero: at half the brightness-change threshold the Mall and Intel's indoor clip start to show "
        "regions.",
        "",
        f"**FURG house6** (CC0; 426x240, flames annotated from frame 0): frame-level precision {p:.2f}, "
        f"recall {r:.2f} over {len(frames)} analysed frames; {false_regions} of {regions} flame regions "
        f"overlap no annotated box. Alarm at {alarms[0] if alarms else float('nan'):.1f} s, "
        f"{(alarms[0] - first_flame) if alarms else float('nan'):.1f} s after the first annotated flame "
        f"(the rule needs 1.5 s of history and 2 s of hold). Cost {ms:.1f} ms a frame.",
        "",
        f"**Clips without fire: {total_alarms} alarms over {total_frames} analysed frames** "
        f"(vtest.avi, Mall, CDnet highway, Intel's two samples and the {len(nofight)} fight_clips/noFight clips).",
        "",
        "| clip | analysed frames | frames with a flame region | fire alarms | ms per frame |",
        "|---|---|---|---|---|",
        *rows,
        f"| fight_clips/noFight ({len(nofight)} clips) | see total | | | |",
    ]
    print("\n".join(lines))
    write_result("fire", lines)
    delay = f"{alarms[0] - first_flame:.1f} s" if alarms else "no alarm"
    return [
        Summary(
            "fire",
            "fire_furg house6",
            "frame P / R; delay",
            f"{p:.2f} / {r:.2f}; {delay}",
            "-",
            f"{ms:.1f} ms/frame",
        ),
        Summary(
            "fire", f"fire-free clips ({total_frames} frames)", "fire alarms", str(total_alarms), "0", ""
        ),
    ]


if __name__ == "__main__":
    main()
