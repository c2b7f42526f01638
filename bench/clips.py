"""Real clips as (seconds, BGR frame) streams at the default analysis rate, for the analyzers'
benchmarks. Image sequences without a frame rate (Mall, CDnet highway) are taken as 5 a second."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gwanje.video.source import VideoSource

FPS = 5.0


@dataclass
class Clip:
    name: str
    frames: Callable[[], Iterator[tuple[float, np.ndarray]]]


def video(name: str, path: Path, fps: float = FPS) -> Clip:
    def gen():
        for f in VideoSource(name, str(path), analysis_fps=fps).frames():
            yield f.pts_s, f.image

    return Clip(name, gen)


def sequence(name: str, pattern: Path, fps: float = FPS) -> Clip:
    def gen():
        for i, p in enumerate(sorted(glob.glob(str(pattern)))):
            yield i / fps, cv2.imread(p)

    return Clip(name, gen)


def clips(shared: Path, vtest: Path) -> list[Clip]:
    """vtest.avi, the Mall and the CDnet highway: three scenes with people or traffic."""
    return [
        video("vtest", vtest),
        sequence("crowd_mall", shared / "crowd_mall" / "frames" / "*.jpg"),
        sequence("traffic_cdnet_highway", shared / "traffic_cdnet_highway" / "input" / "*.jpg"),
    ]


def quiet_clips(shared: Path, vtest: Path) -> list[Clip]:
    """Every clip with no fire and nothing abandoned: the three above, Intel's two samples and the
    75 no-fight clips."""
    out = clips(shared, vtest)
    out += [video(p.stem, p) for p in sorted((shared / "intel_samples").glob("*.mp4"))]
    out += [video(p.stem, p) for p in sorted((shared / "fight_clips" / "noFight").glob("*.mp4"))]
    return out
