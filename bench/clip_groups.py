"""Which clips come from the same source: groups for cross-validation that does not leak.

Public clip sets are cut from longer videos: neighbouring clips share the room, the camera and
often the people, and a fight and a no-fight clip may come from the same video. Random folds then
put near-copies on both sides and a classifier can score by recognising the room. The sets do not
say where each clip came from, so the sources are recovered from the pictures: each clip's first
frame as a 32x24 thumbnail in Lab colour, standardised per channel (so a darker copy of the same
room still matches), and clips joined by average-linkage clustering while the thumbnails are
closer than ``THRESHOLD`` (RMS difference in standard deviations). Clips of one group then always
fall in the same fold.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

THRESHOLD = 1.0


def thumbnail(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    small = cv2.resize(frame, (32, 24), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32).reshape(-1, 3)
    lab = (lab - lab.mean(axis=0)) / (lab.std(axis=0) + 1e-3)
    return lab.ravel() / np.sqrt(lab.size)


def source_groups(paths: list[Path], threshold: float = THRESHOLD) -> np.ndarray:
    """A group number per clip (clips of one source share it)."""
    tree = linkage(pdist(np.stack([thumbnail(p) for p in paths])), "average")
    return fcluster(tree, threshold, "distance")


def describe(paths: list[Path], groups: np.ndarray, labels: np.ndarray) -> list[str]:
    """Markdown lines: the groups with more than one clip, largest first, with their clips."""
    lines = ["| group | clips | fights | no fights | clips in it |", "|---|---|---|---|---|"]
    order = sorted(set(groups.tolist()), key=lambda g: (-(groups == g).sum(), g))
    for n, g in enumerate(order, 1):
        members = np.flatnonzero(groups == g)
        if len(members) < 2:
            continue
        names = ", ".join(paths[i].stem for i in members)
        fights = int(labels[members].sum())
        lines.append(f"| {n} | {len(members)} | {fights} | {len(members) - fights} | {names} |")
    return lines
