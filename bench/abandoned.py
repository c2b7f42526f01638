"""Abandoned objects: AVSS 2007 (i-LIDS, easy), ABODA video4, and no alarm on busy clips.

    .venv/bin/python bench/abandoned.py

Every clip runs through the whole CameraPipeline at 5 analysed frames a second (image sequences
taken as 5 a second) with the default abandoned-object rule (still 30 s, owner gone 2 s).
AVSS: the zone is the platform (the dataset's mask cuts out the track); the alarm must fall in
the abandonment window (excerpt frame 1,395 to the end: the full video's frames 2,870-4,727
less the excerpt's offset of about 1,475, see the data README) with box IoU ≥ 0.5 against the
annotated box, and there must be no other alarm. ABODA has no truth: the snapshot is saved for a
look. Writes bench/results/abandoned.md, and the alarms' snapshots under bench/results/snapshots/
(not committed: they are frames of the research datasets).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402
from clips import Clip, clips, video  # noqa: E402
from common import RESULTS, SHARED, VTEST, Summary, iou_matrix, write_result  # noqa: E402

from gwanje.config import AbandonConfig, CameraConfig, FallConfig, FireConfig, TamperConfig, ZoneConfig  # noqa: E402  # noqa: E402
from gwanje.domain import EventType, Frame  # noqa: E402
from gwanje.pipeline import CameraPipeline  # noqa: E402

AVSS = SHARED / "abandoned_avss2007"
AVSS_BOX = np.array([[59, 242, 59 + 88, 242 + 155]], float)
AVSS_WINDOW = (1395 / 30.0, 1969 / 30.0)
PLATFORM = [(396, 0), (720, 0), (720, 576), (0, 576), (0, 330)]


def snapshot(name: str, jpeg: bytes | None) -> None:
    if jpeg:
        (RESULTS / "snapshots").mkdir(parents=True, exist_ok=True)
        (RESULTS / "snapshots" / name).write_bytes(jpeg)


def camera(zones: list[ZoneConfig] | None = None, rule: AbandonConfig | None = None) -> CameraConfig:
    return CameraConfig(
        id="bench",
        url="bench",
        zones=zones or [],
        abandoned=rule or AbandonConfig(),
        tamper=TamperConfig(enabled=False),
        fall=FallConfig(enabled=False),
        fire=FireConfig(enabled=False),
    )


def run(clip: Clip, cam: CameraConfig, detector=None):
    pipe = CameraPipeline(cam, detector=detector)
    alarms, n, t0 = [], 0, time.perf_counter()
    for i, (t, image) in enumerate(clip.frames()):
        n += 1
        for e in pipe.process(Frame(cam.id, i, t, datetime.now(UTC), image)).events:
            if e.type == EventType.ABANDONED and e.phase == "start":
                alarms.append((t, e.boxes[0], e.snapshot_jpeg))
    return alarms, n, (time.perf_counter() - t0) / max(n, 1) * 1e3, pipe.detector


def main() -> list[Summary]:
    t0 = time.time()
    zone = ZoneConfig(name="platform", polygon=PLATFORM, rules=["abandoned"])
    alarms, n, ms, detector = run(video("avss2007", AVSS / "AVSS_corto.mov"), camera([zone]))
    lines_avss = []
    good = [
        a
        for a in alarms
        if AVSS_WINDOW[0] <= a[0] <= AVSS_WINDOW[1] and iou_matrix(np.array([a[1]]), AVSS_BOX)[0, 0] >= 0.5
    ]
    for t, box, jpeg in alarms:
        iou = iou_matrix(np.array([box]), AVSS_BOX)[0, 0]
        lines_avss.append(
            f"| avss2007 | {t:.1f} s (frame {round(t * 30)}) | {', '.join(f'{v:.0f}' for v in box)} | {iou:.2f} |"
        )
        snapshot("abandoned_avss2007.jpg", jpeg)
    print(lines_avss, flush=True)
    aboda_clip = video("aboda4", SHARED / "abandoned_aboda" / "video4.avi")
    aboda_default, _, _, _ = run(aboda_clip, camera(), detector)
    # the clip is 39 s and the bag arrives at about 13 s: too short for 15 s of learning plus 30 s
    aboda, _, _, _ = run(aboda_clip, camera(rule=AbandonConfig(abandon_s=10, learn_s=10)), detector)
    for _t, _box, jpeg in aboda[:1]:
        snapshot("abandoned_aboda4.jpg", jpeg)
    rows = []
    for clip in clips(SHARED, VTEST):
        a, m, cost, _ = run(clip, camera(), detector)
        rows.append(f"| {clip.name} | {m} | {len(a)} | {cost:.0f} |")
        print(rows[-1], flush=True)
    verdict = "meets" if len(good) >= 1 and len(alarms) == len(good) else "does not meet"
    lines = [
        "# Abandoned object",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: `.venv/bin/python bench/abandoned.py` ({time.time() - t0:.0f} s). "
        "Whole pipeline (YOLOv3-tiny people, tracker, abandoned-object rule with defaults), 5 analysed frames a second.",
        "",
        f"**AVSS 2007 easy (i-LIDS): {len(alarms)} alarm(s), {len(good)} inside the abandonment window "
        f"({AVSS_WINDOW[0]:.1f}-{AVSS_WINDOW[1]:.1f} s) with IoU ≥ 0.5 — {verdict} the check.** "
        f"{n} analysed frames, {ms:.0f} ms a frame for the whole pipeline.",
        "",
        "| clip | alarm at | box x1, y1, x2, y2 | IoU with the annotated bag |",
        "|---|---|---|---|",
        *(lines_avss or ["| avss2007 | none | | |"]),
        "",
        f"**ABODA video4** (no truth shipped; 39 s; a man sets a bag down beside the blue cabinet at "
        f"about 13 s and walks off by 27 s): with the defaults {len(aboda_default)} alarm(s), as it must "
        "be (15 s of learning plus 30 s still is longer than the clip); with `abandon_s: 10, learn_s: 10`, "
        f"{len(aboda)} alarm(s)"
        + (
            f", first at {aboda[0][0]:.1f} s, box {', '.join(f'{v:.0f}' for v in aboda[0][1])}; snapshot "
            "`bench/results/snapshots/abandoned_aboda4.jpg`."
            if aboda
            else ". Seen in a debug run: only about 60 pixels of the bag (at the rule's 320-pixel width) differ "
            "from the empty scene by the `diff` of 35 grey levels, and the region fails the size and edge "
            "tests: a small dark bag on dark paving is below what the defaults see."
        ),
        "",
        "Clips with nothing abandoned (must be no alarm):",
        "",
        "| clip | analysed frames | abandoned-object alarms | ms per frame |",
        "|---|---|---|---|",
        *rows,
    ]
    print("\n".join(lines))
    write_result("abandoned", lines)
    quiet = sum(int(r.split("|")[3]) for r in rows)
    best = max((iou_matrix(np.array([a[1]]), AVSS_BOX)[0, 0] for a in alarms), default=0.0)
    return [
        Summary(
            "abandoned object",
            "abandoned_avss2007 easy",
            "alarms in window, IoU ≥ 0.5 / all",
            f"{len(good)} / {len(alarms)} (IoU {best:.2f})",
            "1 / 1",
            f"{ms:.0f} ms/frame (pipeline)",
        ),
        Summary(
            "abandoned object",
            "abandoned_aboda video4",
            "alarms: defaults / abandon_s 10",
            f"{len(aboda_default)} / {len(aboda)}",
            "look",
            "",
        ),
        Summary("abandoned object", "vtest, crowd_mall, highway", "alarms", str(quiet), "0", ""),
    ]


if __name__ == "__main__":
    main()
