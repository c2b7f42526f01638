"""Shared helpers for the benchmarks: ground truth loading and detection matching."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import supervision as sv
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GWANJE_SHARED_DATA", ROOT.parent / "shared" / "data"))
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
RESULTS = ROOT / "bench" / "results"


@dataclass
class GtFrame:
    ids: np.ndarray
    boxes: np.ndarray  # xyxy, evaluated rows
    ignore: np.ndarray  # xyxy, rows with conf 0


def load_mot_gt(path: Path) -> dict[int, GtFrame]:
    """MOT15 ``gt.txt`` by frame (1-based). Rows with conf 0 become ignore regions."""
    rows = np.loadtxt(path, delimiter=",")
    by_frame: dict[int, list[np.ndarray]] = defaultdict(list)
    for r in rows:
        by_frame[int(r[0])].append(r)
    out: dict[int, GtFrame] = {}
    for f, rs in by_frame.items():
        a = np.array(rs)
        xyxy = np.column_stack([a[:, 2], a[:, 3], a[:, 2] + a[:, 4], a[:, 3] + a[:, 5]])
        keep = a[:, 6] != 0
        out[f] = GtFrame(a[keep, 1].astype(int), xyxy[keep], xyxy[~keep])
    return out


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    return sv.box_iou_batch(np.asarray(a, float), np.asarray(b, float))


def match_counts(gt: GtFrame | None, pred: np.ndarray, iou_thr: float = 0.5) -> tuple[int, int, int]:
    """True positives, false positives, false negatives for one frame (one-to-one at ``iou_thr``).

    A prediction left unmatched that overlaps an ignored (conf 0) ground-truth box at ``iou_thr``
    is neither a hit nor a false positive.
    """
    boxes = gt.boxes if gt is not None else np.zeros((0, 4))
    ignore = gt.ignore if gt is not None else np.zeros((0, 4))
    iou = iou_matrix(boxes, pred)
    tp = 0
    matched_pred: set[int] = set()
    if iou.size:
        r, c = linear_sum_assignment(-iou)
        for i, j in zip(r, c, strict=True):
            if iou[i, j] >= iou_thr:
                tp += 1
                matched_pred.add(j)
    unmatched = [j for j in range(len(pred)) if j not in matched_pred]
    fp = 0
    if unmatched and len(ignore):
        ign = iou_matrix(pred[unmatched], ignore).max(1)
        fp = int((ign < iou_thr).sum())
    else:
        fp = len(unmatched)
    return tp, fp, len(boxes) - tp


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def use_bench_int8(width: int = 768, height: int = 576) -> str:
    """Make (once) the INT8 model the benchmarks use, calibrated on footage other than PETS:
    60 Mall frames and 40 CDnet highway frames. Points GWANJE_CACHE_DIR at bench/.cache so a
    site's own quantized model is left alone. Returns a description for the result tables."""
    import glob

    import cv2

    os.environ["GWANJE_CACHE_DIR"] = str(ROOT / "bench" / ".cache")
    from gwanje.vision.detectors.quantize import int8_model_path, quantize_yolov3_tiny

    if not int8_model_path(width, height).exists():
        mall = sorted(glob.glob(str(SHARED / "crowd_mall" / "frames" / "*.jpg")))[::20][:60]
        road = sorted(glob.glob(str(SHARED / "traffic_cdnet_highway" / "input" / "*.jpg")))[::30][:40]
        if len(mall) + len(road) < 50:
            raise SystemExit(f"calibration footage missing under {SHARED}")
        quantize_yolov3_tiny((cv2.imread(p) for p in mall + road), width=width, height=height)
    return (
        "INT8 (NNCF, the first convolution and the two head convolutions kept in float; calibrated on "
        "60 crowd_mall + 40 traffic_cdnet_highway frames, not PETS)"
    )


@dataclass(frozen=True)
class Summary:
    """One row of bench/results/events.md."""

    analyzer: str
    dataset: str
    metric: str
    value: str
    target: str
    cost: str

    def row(self) -> str:
        return f"| {self.analyzer} | {self.dataset} | {self.metric} | {self.value} | {self.target} | {self.cost} |"


def machine() -> str:
    """The CPU the figures come from: costs differ several-fold between machines of the same size
    (AVX-512 with bf16 runs the network in bf16, AVX2 alone in f32)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return f"{os.cpu_count()} cores"
    model = next(
        (ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?"
    )
    flags = set(next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []))
    if "avx512_bf16" in flags:
        isa = "AVX-512 with bf16" + (" and VNNI" if "avx512_vnni" in flags else "")
    elif "avx512f" in flags:
        isa = "AVX-512 (no bf16)"
    else:
        isa = "AVX2, no AVX-512" if "avx2" in flags else "no AVX2"
    return f"{model}, {os.cpu_count()} cores, {isa}"


def write_result(name: str, lines: list[str]) -> Path:
    """Write a result table to bench/results/NAME.md, with the machine it ran on, and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    lines = [*lines, "", f"Machine: {machine()}."]
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"wrote {path}")
    return path
