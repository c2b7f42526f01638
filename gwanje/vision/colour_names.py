"""Clothing colours in the words a Korean operator uses: 검정, 흰색, 회색, 빨강, 파랑, 남색, 초록,
노랑, 갈색, 베이지, 분홍/보라.

Each pixel of a body part gets a name from its CIE Lab colour: pixels with little chroma are black,
grey or white by lightness; the others by hue angle (red, yellow, green, blue, pink/purple), dark
blue being navy and orange-to-olive hues brown when dark, beige when light and dull. The picture is
first balanced grey-world over the whole frame (a sodium-lit street or a warm mall otherwise paints
every grey beige). A part's name is the most common pixel name, chromatic names counting
``CHROMATIC_WEIGHT`` times (shadows and folds of a red coat are dark, not black). The parts: upper
body 18-50 % of the box's height, lower body 55-90 %, each the middle 50 % of its width (less
background between arms and legs). The histogram of names (shares of the part's pixels) is kept
with the record for search and matching.

bench/colour_names.py measures it against crops named by hand (vtest.avi and Mall frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gwanje.vision.colour import grey_world

NAMES = ("black", "white", "grey", "red", "blue", "navy", "green", "yellow", "brown", "beige", "pink_purple")
KOREAN = {
    "black": "검정",
    "white": "흰색",
    "grey": "회색",
    "red": "빨강",
    "blue": "파랑",
    "navy": "남색",
    "green": "초록",
    "yellow": "노랑",
    "brown": "갈색",
    "beige": "베이지",
    "pink_purple": "분홍/보라",
}
CHROMATIC = {"red", "blue", "navy", "green", "yellow", "brown", "beige", "pink_purple"}
CHROMATIC_WEIGHT = 2.0
UPPER = (0.18, 0.50)
LOWER = (0.55, 0.90)
VEHICLE = (0.25, 0.75)
COLUMNS = (0.25, 0.75)
_INDEX = {n: i for i, n in enumerate(NAMES)}


@dataclass(frozen=True)
class BodyColours:
    upper: str | None  # one of NAMES, None when the part is not seen
    lower: str | None
    upper_hist: tuple[float, ...]  # share of the part's pixels per name, in NAMES' order
    lower_hist: tuple[float, ...]


def grey_world_gains(frame: np.ndarray) -> np.ndarray:
    """Per-channel gains (B, G, R) that make the frame's mean grey (from a small copy; pixels near
    black or clipped left out), capped at 2."""
    small = cv2.resize(frame, (64, 48), interpolation=cv2.INTER_AREA).reshape(-1, 3).astype(np.float32)
    return grey_world(small, max_gain=2.0, dark=10.0, min_pixels=32)


def pixel_names(bgr: np.ndarray) -> np.ndarray:
    """The name index (into NAMES) of every pixel of a BGR uint8 picture, flattened."""
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    lightness = lab[:, 0] * (100.0 / 255.0)
    a, b = lab[:, 1] - 128.0, lab[:, 2] - 128.0
    chroma = np.hypot(a, b)
    hue = (np.degrees(np.arctan2(b, a)) + 360.0) % 360.0
    out = np.full(len(lab), _INDEX["grey"], np.int8)
    out[lightness < 28] = _INDEX["black"]
    out[lightness > 78] = _INDEX["white"]
    # chroma that counts as a colour grows a little with lightness (bright greys look tinted)
    coloured = chroma > 9.0 + 0.08 * lightness
    dark = lightness < 14
    col = coloured & ~dark
    warm = (hue >= 50) & (hue < 100)
    names = np.select(
        [
            (hue >= 345) | (hue < 50),
            warm & (lightness < 52),
            warm & (chroma < 28) & (lightness >= 52),
            warm,
            (hue >= 100) & (hue < 200),
            (hue >= 200) & (hue < 300) & (lightness < 32),
            (hue >= 200) & (hue < 300),
        ],
        [
            np.where(lightness > 62, _INDEX["pink_purple"], _INDEX["red"]),
            _INDEX["brown"],
            _INDEX["beige"],
            _INDEX["yellow"],
            _INDEX["green"],
            _INDEX["navy"],
            _INDEX["blue"],
        ],
        _INDEX["pink_purple"],
    )
    out[col] = names[col]
    return out


def _part(image: np.ndarray, box, rows: tuple[float, float]) -> np.ndarray | None:
    x1, y1, x2, y2 = (float(v) for v in box)
    h, w = image.shape[:2]
    bw, bh = x2 - x1, y2 - y1
    ya, yb = int(max(0, y1 + rows[0] * bh)), int(min(h, y1 + rows[1] * bh))
    xa, xb = int(max(0, x1 + COLUMNS[0] * bw)), int(min(w, x1 + COLUMNS[1] * bw))
    if yb - ya < 3 or xb - xa < 2:
        return None
    return image[ya:yb, xa:xb]


def part_shares(part: np.ndarray | None, gains: np.ndarray) -> np.ndarray | None:
    """Share of the part's pixels per name (NAMES' order), after the frame's balance; None: no part."""
    if part is None:
        return None
    balanced = np.clip(part.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    counts = np.bincount(pixel_names(balanced), minlength=len(NAMES)).astype(np.float64)
    return counts / max(1.0, counts.sum())


_WEIGHTS = np.array([CHROMATIC_WEIGHT if n in CHROMATIC else 1.0 for n in NAMES])


def name_of(shares: np.ndarray | None) -> str | None:
    """The part's name from its shares: the most common, chromatic names counting double."""
    if shares is None or not np.any(shares):
        return None
    return NAMES[int(np.argmax(np.asarray(shares) * _WEIGHTS))]


def _rounded(shares: np.ndarray | None) -> tuple[float, ...]:
    return tuple(0.0 for _ in NAMES) if shares is None else tuple(round(float(s), 3) for s in shares)


def body_colours(image: np.ndarray, box, gains: np.ndarray | None = None) -> BodyColours:
    """The upper- and lower-body colour names of the person in ``box`` (xyxy) of ``image`` (the
    whole frame, BGR); ``gains`` from ``grey_world_gains`` of that frame (computed when not given)."""
    gains = grey_world_gains(image) if gains is None else gains
    upper = part_shares(_part(image, box, UPPER), gains)
    lower = part_shares(_part(image, box, LOWER), gains)
    return BodyColours(name_of(upper), name_of(lower), _rounded(upper), _rounded(lower))


def object_colour(image: np.ndarray, box, gains: np.ndarray | None = None) -> BodyColours:
    """A vehicle's (or any object's) one colour: the middle of its box, as the upper part."""
    gains = grey_world_gains(image) if gains is None else gains
    shares = part_shares(_part(image, box, VEHICLE), gains)
    return BodyColours(name_of(shares), None, _rounded(shares), _rounded(None))
