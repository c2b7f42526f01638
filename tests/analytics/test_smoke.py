"""The smoke rule on the real walkway clip (vtest.avi): quiet as it is, an alarm on a plume of
synthetic smoke laid over it (bench/smoke_synth.py), where the plume is; none for a grey board
put down in the scene (it fades the edges behind it but neither rises, grows nor moves) or for the
whole picture darkening at once (the light, not smoke)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from gwanje.analytics.smoke import SmokeRules
from gwanje.config import SmokeConfig
from gwanje.domain import EventType
from gwanje.video.source import VideoSource

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from smoke_synth import Plume, SmokeOverlay  # noqa: E402

pytestmark = pytest.mark.slow
START = 12.0


@pytest.fixture(scope="module")
def walkway(vtest) -> list[tuple[float, np.ndarray]]:
    """vtest.avi's first 40 s at 5 frames a second, 384 px wide."""
    out = []
    for f in VideoSource("vtest", str(vtest), analysis_fps=5).frames():
        if f.pts_s > 40:
            break
        out.append((f.pts_s, cv2.resize(f.image, (384, 288), interpolation=cv2.INTER_AREA)))
    return out


def run(frames, change=lambda t, img: img) -> list:  # noqa: ANN001
    rules, hits = SmokeRules(SmokeConfig()), []
    for t, image in frames:
        rules.observe(change(t, image), None)
        hits += [(t, h) for h in rules.update(None, t)]
    return hits


def test_the_walkway_as_it_is_raises_nothing(walkway) -> None:
    assert run(walkway) == []


def test_a_rising_plume_raises_smoke_where_it_is(walkway) -> None:
    overlay = SmokeOverlay(
        Plume("thin white", (0.3, 0.85), START, colour=200, max_alpha=0.5, seed=1), (288, 384)
    )
    hits = run(walkway, lambda t, img: overlay.apply(img, t))
    starts = [(t, h) for t, h in hits if h.phase == "start"]
    assert starts, "no smoke alarm"
    t, h = starts[0]
    assert h.type == EventType.SMOKE and START < t <= START + 20, t
    alpha = overlay.alpha(t)
    assert all(
        (alpha[int(y1) : int(y2) + 1, int(x1) : int(x2) + 1] > 0.1).any() for x1, y1, x2, y2 in h.boxes
    )


def test_a_grey_board_put_down_is_not_smoke(walkway) -> None:
    def board(t: float, img: np.ndarray) -> np.ndarray:
        if t < START:
            return img
        out = img.copy()
        out[150:260, 60:200] = (150, 150, 150)
        return out

    assert [h for _, h in run(walkway, board) if h.phase == "start"] == []


def test_the_light_going_down_is_not_smoke(walkway) -> None:
    def dusk(t: float, img: np.ndarray) -> np.ndarray:
        return img if t < START else (img * 0.5).astype(np.uint8)

    assert [h for _, h in run(walkway, dusk) if h.phase == "start"] == []
