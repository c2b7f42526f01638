"""Fire: FURG house6 against its flame boxes, the same clip seen by cameras that see colour
differently, and no alarm on every clip without fire.

    .venv/bin/python bench/fire.py

All clips at 5 analysed frames a second (image sequences taken as 5 a second). On house6 a frame
counts as detected when the detector returns a flame region that overlaps an annotated flame box;
a region that overlaps none is a false region. The alarm is the fire rule's event (a flame region
held 2 s). house6 is also run colour-cast, faded, over- and underexposed (bench/transforms.py),
with the scene-relative colour (the default) and without it; the fire-free clips too, to check that
the correction does not make flames of other things. Writes bench/results/fire.md.
"""

from __future__ import annotations

import sys
import time
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clips import Clip, quiet_clips, video  # noqa: E402
from common import SHARED, VTEST, Summary, write_result  # noqa: E402
from transforms import TRANSFORMS, transformed  # noqa: E402

from gwanje.analytics.fire import FireRules  # noqa: E402
from gwanje.config import FireConfig  # noqa: E402

FURG = SHARED / "fire_furg"


@cache
def flame_boxes() -> tuple[dict[int, np.ndarray], float]:
    """house6's annotated flame boxes by frame number, and its frame rate (read once)."""
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


def fire_free_clips() -> list[Clip]:
    """Every clip here without fire: the quiet clips, the fight clips, the abandoned-object clips and
    UR Fall's (its RGB half)."""
    out = quiet_clips(SHARED, VTEST)
    out += [video(p.stem, p) for p in sorted((SHARED / "fight_clips" / "fight").glob("*.mp4"))]
    out += [
        video("avss2007", SHARED / "abandoned_avss2007" / "AVSS_corto.mov"),
        video("aboda4", SHARED / "abandoned_aboda" / "video4.avi"),
    ]
    for path in sorted((SHARED / "fall_urfd" / "videos").glob("*.mp4")):
        rgb = video(path.stem, path)
        out.append(Clip(f"urfd {path.stem}", lambda rgb=rgb: ((t, img[:, 320:]) for t, img in rgb.frames())))
    return out


def house6(config: FireConfig, clip: Clip) -> dict:
    truth, fps = flame_boxes()
    alarms, frames, ms = run(clip, config)
    det = hit = false_regions = regions = annotated = 0
    for t, boxes in frames:
        gt = truth.get(round(t * fps), np.zeros((0, 4)))
        annotated += len(gt) > 0
        good = [b for b in boxes if len(gt) and overlaps(b, gt)]
        det += bool(boxes)
        hit += bool(good)
        regions += len(boxes)
        false_regions += len(boxes) - len(good)
    first = min(n for n, b in truth.items() if len(b)) / fps
    return {
        "p": hit / det if det else 0.0,
        "r": hit / annotated if annotated else 0.0,
        "delay": alarms[0] - first if alarms else None,
        "frames": len(frames),
        "regions": regions,
        "false": false_regions,
        "ms": ms,
    }


def _delay(h: dict) -> str:
    return f"{h['delay']:.1f} s" if h["delay"] is not None else "**none**"


def main() -> list[Summary]:
    t0 = time.time()
    config, plain = FireConfig(), FireConfig(relative_colour=False)
    clip = video("house6", FURG / "house6.mp4")
    base = house6(config, clip)
    bare = house6(plain, clip)  # the cost without the colour correction, in the same run
    variants = []
    for name, transform in TRANSFORMS.items():
        variants.append(
            (name, house6(config, transformed(clip, transform)), house6(plain, transformed(clip, transform)))
        )
        print(name, variants[-1][1]["delay"], variants[-1][2]["delay"], flush=True)
    caught = sum(v["delay"] is not None for _, v, _ in variants) + (base["delay"] is not None)

    groups: dict[str, list[int]] = {}  # group: [clips, frames, frames with a region, alarms]
    rows, total_alarms, total_frames, total_s = [], 0, 0, 0.0
    clips = fire_free_clips()
    for c in clips:
        a, f, m = run(c, config)
        seconds = f[-1][0] + 0.2 if f else 0.0
        total_alarms, total_frames, total_s = total_alarms + len(a), total_frames + len(f), total_s + seconds
        lit = sum(bool(b) for _, b in f)
        group = (
            "fight_clips/noFight"
            if c.name.startswith("nofi")
            else "fight_clips/fight"
            if c.name.startswith("fi")
            else "UR Fall (RGB half)"
            if c.name.startswith("urfd")
            else None
        )
        if group is None:
            rows.append(f"| {c.name} | {seconds / 60:.1f} | {len(f)} | {lit} | {len(a)} | {m:.1f} |")
        else:
            g = groups.setdefault(group, [0, 0, 0, 0, 0])
            g[0], g[1], g[2], g[3] = g[0] + 1, g[1] + len(f), g[2] + lit, g[3] + len(a)
            g[4] += round(seconds)
        print(c.name, len(a), lit, flush=True)
    for name, (n, frames_, lit, alarms_, secs) in groups.items():
        rows.append(f"| {name} ({n} clips) | {secs / 60:.1f} | {frames_} | {lit} | {alarms_} | |")
    cast_rows = []
    for name, transform in TRANSFORMS.items():
        a_total = lit_total = 0
        for c in clips:
            a, f, _ = run(transformed(c, transform), config)
            a_total += len(a)
            lit_total += sum(bool(b) for _, b in f)
        cast_rows.append(f"| {name} | {a_total} | {lit_total} |")
        print(name, a_total, lit_total, flush=True)
    lines = [
        "# Fire",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/fire.py` ({time.time() - t0:.0f} s). "
        "Classical: flame colour, staying in place, brightness changing while lit (gwanje.analytics.fire, "
        "defaults), the colour judged on the picture brought to neutral white balance, full brightness and "
        "normal colourfulness (gwanje.vision.colour; `fire.relative_colour`, on by default). 5 analysed "
        "frames a second. The brightness thresholds were chosen by sweeping them on these same clips "
        "(house6 is the only fire footage here), and the colour correction's settings (grey world rather "
        "than higher Minkowski powers, the colourfulness percentile, level and cap) while looking at "
        "house6's variants below, so read the margins, not only the zero.",
        "",
        f"**FURG house6** (CC0; 426x240, flames annotated from frame 0): frame-level precision {base['p']:.2f}, "
        f"recall {base['r']:.2f} over {base['frames']} analysed frames; {base['false']} of {base['regions']} "
        f"flame regions overlap no annotated box. Alarm {_delay(base)} after the first annotated flame (the "
        f"rule needs 1.5 s of history and 2 s of hold). Cost {base['ms']:.1f} ms a frame ({bare['ms']:.1f} "
        "without the colour correction, same run).",
        "",
        f"**house6 as other cameras would see it: alarmed {caught} of {len(variants) + 1}** "
        "(synthetic changes of the real clip, bench/transforms.py):",
        "",
        "| house6 | alarm after (default) | frame precision / recall (default) | false regions | "
        "alarm after without the colour correction | recall without |",
        "|---|---|---|---|---|---|",
    ]
    for name, v, w in variants:
        lines.append(
            f"| {name} | {_delay(v)} | {v['p']:.2f} / {v['r']:.2f} | {v['false']} of {v['regions']} | "
            f"{_delay(w)} | {w['r']:.2f} |"
        )
    lines += [
        "",
        f"**Clips without fire: {total_alarms} alarms over {total_frames} analysed frames, {total_s / 60:.1f} "
        "minutes** (every real clip here without fire; the issue asks for at least 30 minutes, and the "
        "shared data hold this much).",
        "",
        "| clip | minutes | analysed frames | frames with a flame region | fire alarms | ms per frame |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "The same fire-free clips changed as above (synthetic; the correction must not turn a cast into "
        "flames):",
        "",
        "| change | fire alarms | frames with a flame region |",
        "|---|---|---|",
        *cast_rows,
    ]
    print("\n".join(lines))
    write_result("fire", lines)
    return [
        Summary(
            "fire",
            "fire_furg house6",
            "frame P / R; delay",
            f"{base['p']:.2f} / {base['r']:.2f}; {_delay(base)}",
            "-",
            f"{base['ms']:.1f} ms/frame",
        ),
        Summary(
            "fire",
            "fire_furg house6 colour-cast, faded, over/underexposed",
            "variants alarmed",
            f"{caught} / {len(variants) + 1}",
            "all",
            "",
        ),
        Summary(
            "fire",
            f"fire-free clips ({total_s / 60:.0f} min, {total_frames} frames)",
            "fire alarms",
            str(total_alarms),
            "0",
            "",
        ),
    ]


if __name__ == "__main__":
    main()
