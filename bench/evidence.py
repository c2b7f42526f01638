"""Evidence exports: how well the masking hides everyone but the subject, what an export costs,
and how long a package takes to verify.

    .venv/bin/python bench/evidence.py [--mall-frames 400]

1. Masking on PETS 2009 S2L1 (vtest.avi as an H.264 camera stream, recorded into segments by the
   product's recorder, then read back as an export reads it): every frame (795) through the
   product's finder and planner (``gwanje.evidence``), one ground-truth person chosen as the
   subject (the one seen longest) and marked as a supervisor would, by picking the tracked box on
   the first of the preview's pick frames where that person is tracked (IoU ≥ 0.5). Scored on
   every ground-truth box of every frame (``../shared/data/pets09_s2l1/gt.txt``): masking recall =
   share of the other people's boxes with ≥ 90 % of their area masked (target ≥ 99 %); the
   subject's frames left visible (≤ 10 % of the box masked); over-masking = share of the picture
   masked outside every ground-truth box. Rows take the steps away one by one.
   The settings were chosen on this clip, so its recall is optimistic: the Mall row below was not
   looked at while choosing them.
2. Held out: Mall (``crowd_mall``, a different camera: indoor, high, dense, 640x480, about 2 fps),
   its first ``--mall-frames`` frames as one sequence, nobody a subject: share of annotated head
   points inside the masked area (the Mall truth is head points, not boxes).
3. Speed: seconds of processing per minute of the 768x576 10-fps stream (the first 60 s of the
   recording): finding people on every frame, rendering the masked export (mosaic, watermark,
   libx264), and rendering without masking (decode, watermark, encode). Target: find + render
   ≤ 60 s per minute (no slower than real time).
4. Verify: a 10-minute package (the masked minute's export repeated to 10 minutes of frames,
   sealed with a fresh key), checked by ``gwanje.evidence.package.verify``.

Writes bench/results/evidence.md and evidence.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import scipy.io as sio
import supervision as sv

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import RESULTS, SHARED, VTEST, load_mot_gt, write_result  # noqa: E402
from support.recorded import record_clip  # noqa: E402

from gwanje.config import EvidenceConfig, MaskingConfig  # noqa: E402
from gwanje.evidence.export import find, render  # noqa: E402
from gwanje.evidence.masking import TrackLog, frame_area, masked_area, plan  # noqa: E402
from gwanje.evidence.package import load_or_create_key, seal, verify  # noqa: E402
from gwanje.video.clips import Part, decode_range  # noqa: E402
from gwanje.video.transcode import h264_copy  # noqa: E402

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def score_pets(
    log: TrackLog, frames: list[np.ndarray], gt, subject_gt: int, subject: int | None, cfg: MaskingConfig
) -> dict:
    masks = plan(log, {subject} if subject is not None else set(), cfg)
    h, w = log.height, log.width
    hit = total = shown = subject_total = 0
    over = pixels = 0
    half = 0
    for i, (m, image) in enumerate(zip(masks, frames, strict=True)):
        area = masked_area((h, w), m.boxes, frame_area(image, log, m, cfg, None))
        g = gt.get(i + 1)
        people = np.zeros((h, w), bool)
        if g is not None:
            for pid, box in zip(g.ids, g.boxes, strict=True):
                x1, y1, x2, y2 = (int(round(v)) for v in box)
                x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
                if x2 <= x1 or y2 <= y1:
                    continue
                people[y1:y2, x1:x2] = True
                share = float(area[y1:y2, x1:x2].mean())
                if pid == subject_gt:
                    subject_total += 1
                    shown += share <= 0.1
                else:
                    total += 1
                    hit += share >= 0.9
                    half += share >= 0.5
            for box in g.ignore:
                x1, y1, x2, y2 = (int(round(v)) for v in box)
                people[max(0, y1) : y2, max(0, x1) : x2] = True
        over += int((area & ~people).sum())
        pixels += h * w
    return {
        "recall_90": hit / total,
        "recall_50": half / total,
        "missed": total - hit,
        "people_boxes": total,
        "subject_visible": shown / subject_total if subject_total else 0.0,
        "subject_frames": subject_total,
        "over_masking": over / pixels,
    }


def choose_subject(found, gt, subject_gt: int) -> int | None:
    """The track a supervisor would click: on the first pick frame showing the subject tracked."""
    for pick in found.picks:
        g = gt.get(pick.index + 1)
        if g is None or subject_gt not in g.ids:
            continue
        box = g.boxes[list(g.ids).index(subject_gt)]
        tracked = np.array([p[1:] for p in pick.people])
        iou = sv.box_iou_batch(box[None, :], tracked)[0]
        if iou.max() >= 0.5:
            return int(pick.people[int(iou.argmax())][0])
    return None


def mall(n: int, cfg: EvidenceConfig) -> dict:
    folder = SHARED / "crowd_mall"
    heads = sio.loadmat(folder / "mall_gt.mat")["frame"][0]
    images = [cv2.imread(str(folder / "frames" / f"seq_{i + 1:06d}.jpg")) for i in range(n)]
    frames = [(T0 + timedelta(seconds=i / 2), img) for i, img in enumerate(images)]
    found = find(iter(frames), T0, T0 + timedelta(seconds=n / 2), cfg, fps=2.0)
    masks = plan(found.log, set(), cfg.masking)
    inside = total = 0
    masked_share = 0.0
    for i, (m, image) in enumerate(zip(masks, images, strict=True)):
        area = masked_area(image.shape[:2], m.boxes, frame_area(image, found.log, m, cfg.masking, None))
        masked_share += float(area.mean())
        for x, y in heads[i]["loc"][0, 0]:
            xi, yi = int(np.clip(x, 0, image.shape[1] - 1)), int(np.clip(y, 0, image.shape[0] - 1))
            total += 1
            inside += bool(area[yi, xi])
    return {"frames": n, "heads": total, "heads_masked": inside / total, "picture_masked": masked_share / n}


def repeat_to(src: Path, out: Path, minutes: float) -> int:
    """The export's packets copied again and again (timestamps shifted) to ``minutes``; frames."""
    with av.open(str(src)) as c:
        packets = [(p.pts, p.dts, bytes(p), p.is_keyframe) for p in c.demux(c.streams.video[0]) if p.size]
        tb = c.streams.video[0].time_base
        length = max(p[0] for p in packets) + packets[1][0] - packets[0][0]
        with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as o:
            stream = o.add_stream_from_template(c.streams.video[0])
            n = 0
            loop = 0
            while n * (packets[1][0] - packets[0][0]) * tb < minutes * 60:
                for pts, dts, data, key in packets:
                    p = av.Packet(data)
                    p.pts, p.dts = pts + loop * length, dts + loop * length
                    p.time_base, p.stream = tb, stream
                    if key:
                        p.is_keyframe = True
                    o.mux(p)
                    n += 1
                loop += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mall-frames", type=int, default=400)
    args = ap.parse_args()
    cfg = EvidenceConfig()
    gt = load_mot_gt(SHARED / "pets09_s2l1" / "gt.txt")
    counts = Counter(int(i) for g in gt.values() for i in g.ids)
    subject_gt = counts.most_common(1)[0][0]
    results: dict = {"settings": cfg.masking.model_dump()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stream = h264_copy(VTEST, tmp / "vtest-h264.mp4")
        segs = record_clip(stream, "pets", tmp / "volume", T0, 80.0, segment_s=10.0)
        parts = [Part(tmp / "volume" / s.path, s.start) for s in segs]
        start, end = segs[0].start, segs[-1].end

        # 1. masking on PETS, every frame
        t = time.perf_counter()
        found = find(decode_range(parts, start, end), start, end, cfg)
        find_s = time.perf_counter() - t
        frames = [img for _, img in decode_range(parts, start, end)]
        subject = choose_subject(found, gt, subject_gt)
        print(f"{len(frames)} frames, found in {find_s:.1f} s; subject gt {subject_gt} = track {subject}")
        variants = [
            ("product default", cfg.masking),
            ("without the background difference", cfg.masking.model_copy(update={"foreground": False})),
            (
                "boxes only: no background difference, no gap filling or hold",
                cfg.masking.model_copy(update={"foreground": False, "fill_s": 0.0, "hold_s": 0.0}),
            ),
            (
                "boxes only, margin 0.15 (detector boxes barely grown)",
                cfg.masking.model_copy(
                    update={"foreground": False, "fill_s": 0.0, "hold_s": 0.0, "margin": 0.15}
                ),
            ),
        ]
        rows = []
        for name, settings in variants:
            r = score_pets(found.log, frames, gt, subject_gt, subject, settings)
            rows.append((name, r))
            print(name, r)
        results["pets"] = {name: r for name, r in rows}
        results["pets_frames"] = len(frames)
        results["subject"] = {"gt_id": subject_gt, "track": subject}

        # 2. held out: Mall
        results["mall"] = mall(args.mall_frames, cfg)
        print("mall", results["mall"])

        # 3. speed on the first minute
        minute_end = start + timedelta(seconds=60)
        t = time.perf_counter()
        found60 = find(decode_range(parts, start, minute_end), start, minute_end, cfg)
        t_find = time.perf_counter() - t
        t = time.perf_counter()
        masked = render(
            decode_range(parts, start, minute_end),
            start,
            found60.log,
            set(),
            tmp / "masked.mp4",
            cfg,
            watermark="GWANJE BENCH",
        )
        t_render = time.perf_counter() - t
        plain_log = TrackLog(found60.log.width, found60.log.height, list(found60.log.times))
        plain_log.people = [[] for _ in plain_log.times]
        plain_log.vehicles = [[] for _ in plain_log.times]
        t = time.perf_counter()
        render(
            decode_range(parts, start, minute_end),
            start,
            plain_log,
            set(),
            tmp / "plain.mp4",
            cfg.model_copy(update={"masking": cfg.masking.model_copy(update={"foreground": False})}),
            watermark="GWANJE BENCH",
        )
        t_plain = time.perf_counter() - t
        per_min = 60.0 / (masked.frames / 10.0)
        results["speed"] = {
            "frames": masked.frames,
            "find_s_per_min": t_find * per_min,
            "render_s_per_min": t_render * per_min,
            "masked_s_per_min": (t_find + t_render) * per_min,
            "unmasked_s_per_min": t_plain * per_min,
            "mb_per_min": masked.bytes / 1e6 * per_min,
        }
        print("speed", results["speed"])

        # 4. verify a 10-minute package
        pkg = tmp / "package"
        pkg.mkdir()
        n = repeat_to(masked.path, pkg / "cam.mp4", 10.0)
        seal(pkg, {"request": {"number": "BENCH"}}, load_or_create_key(tmp / "key"))
        t = time.perf_counter()
        verdict = verify(pkg)
        t_verify = time.perf_counter() - t
        assert verdict.ok, verdict.problems
        size = (pkg / "cam.mp4").stat().st_size
        results["verify"] = {"frames": n, "bytes": size, "seconds": t_verify}
        print("verify", results["verify"])
    (RESULTS / "evidence.json").write_text(json.dumps(results, indent=2))
    write_markdown(results)


def write_markdown(r: dict) -> None:
    sp, ve, ma = r["speed"], r["verify"], r["mall"]
    d = r["pets"]["product default"]
    lines = [
        "# Evidence exports: masking, speed, verification",
        "",
        f"Measured {datetime.now(UTC).date().isoformat()}: `.venv/bin/python bench/evidence.py`. Masking settings: "
        f"`{json.dumps(r['settings'])}`.",
        "",
        f"**Masking recall {d['recall_90']:.2%}** of the other people's boxes ≥ 90 % masked on every PETS frame "
        f"(target ≥ 99 %); the subject left visible on {d['subject_visible']:.0%} of their frames; "
        f"{d['over_masking']:.1%} of the picture masked where nobody is. Held-out Mall: "
        f"{ma['heads_masked']:.1%} of head points masked. Export {sp['masked_s_per_min']:.0f} s per minute of "
        f"768x576 10-fps video with masking (target ≤ 60 s), {sp['unmasked_s_per_min']:.0f} s without; "
        f"a 10-minute package verifies in {ve['seconds']:.2f} s.",
        "",
        "## Masking on PETS 2009 S2L1 (795 frames, every one scored)",
        "",
        f"Subject: ground-truth person {r['subject']['gt_id']} (the one seen longest), marked as tracked "
        f"person {r['subject']['track']} on the first pick frame where the tracker had them.",
        "",
        "| settings | recall (≥ 90 % of box masked) | recall (≥ 50 %) | boxes missed / scored | subject visible | over-masking |",
        "|---|---|---|---|---|---|",
    ]
    for name, x in r["pets"].items():
        lines.append(
            f"| {name} | **{x['recall_90']:.2%}** | {x['recall_50']:.2%} | {x['missed']} / {x['people_boxes']} | "
            f"{x['subject_visible']:.1%} of {x['subject_frames']} | {x['over_masking']:.1%} |"
        )
    lines += [
        "",
        "How optimistic: the threshold, margin, fill, hold and background settings were chosen on this "
        "clip (by looking at which boxes were missed: two people standing side by side, one never "
        "detected; boxes drawn tighter than the annotators' boxes). Expect less on footage not looked at; "
        "the Mall row is such footage. The subject is masked too where their own detection is missing or "
        "another person's box overlaps theirs (identities may swap there): privacy wins, which is why "
        "they are visible on only part of their frames.",
        "",
        "## Held out: Mall (not looked at while choosing the settings)",
        "",
        "| frames | head points | head points masked | share of the picture masked |",
        "|---|---|---|---|",
        f"| {ma['frames']} (first ones, about 2 fps) | {ma['heads']} | **{ma['heads_masked']:.1%}** | {ma['picture_masked']:.1%} |",
        "",
        "## Speed (first 60 s of the stream, 768x576, 10 fps)",
        "",
        "| step | seconds per minute of video |",
        "|---|---|",
        f"| finding people on every frame (YOLOv3-tiny 768x576, tracker, background samples) | {sp['find_s_per_min']:.1f} |",
        f"| rendering the masked export (decode, background difference, mosaic, watermark, libx264 {r.get('crf', 'crf 20 veryfast')}) | {sp['render_s_per_min']:.1f} |",
        f"| **masked export in all** (target ≤ 60) | **{sp['masked_s_per_min']:.1f}** |",
        f"| export without masking (decode, watermark, encode) | {sp['unmasked_s_per_min']:.1f} |",
        "",
        f"Masked export size: {sp['mb_per_min']:.1f} MB per minute.",
        "",
        "## Verification",
        "",
        f"A 10-minute package ({ve['frames']} frames, {ve['bytes'] / 1e6:.0f} MB): "
        f"`gwanje.evidence.package.verify` in **{ve['seconds']:.2f} s** (SHA-256 of the video, the "
        "signature and every manifest field).",
    ]
    write_result("evidence", lines)


if __name__ == "__main__":
    main()
