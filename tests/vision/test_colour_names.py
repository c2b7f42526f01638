"""Clothing colour names: pure patches name right through a colour cast; the chromatic weight and
the parts of the box."""

from __future__ import annotations

import numpy as np
import pytest

from gwanje.vision.colour_names import (
    NAMES,
    body_colours,
    grey_world_gains,
    name_of,
    object_colour,
    pixel_names,
)

BGR = {
    "black": (20, 20, 20),
    "white": (235, 235, 235),
    "grey": (128, 128, 128),
    "red": (30, 30, 200),
    "blue": (200, 90, 30),
    "navy": (90, 30, 20),
    "green": (40, 160, 40),
    "yellow": (40, 220, 230),
    "brown": (30, 60, 110),
    "pink_purple": (200, 120, 230),
}


@pytest.mark.parametrize("name", list(BGR))
def test_a_plain_patch_is_named(name: str) -> None:
    patch = np.full((10, 10, 3), BGR[name], np.uint8)
    assert NAMES[int(np.bincount(pixel_names(patch)).argmax())] == name


def person_scene(upper, lower, cast=(1.0, 1.0, 1.0)) -> tuple[np.ndarray, tuple]:  # noqa: ANN001
    """A grey scene with a person box: ``upper`` over ``lower``, all under a colour cast."""
    image = np.full((240, 320, 3), 120, np.float32)
    image[40:120, 140:180] = BGR[upper]
    image[120:200, 140:180] = BGR[lower]
    image = np.clip(image * np.asarray(cast, np.float32), 0, 255).astype(np.uint8)
    return image, (140.0, 30.0, 180.0, 200.0)


def test_upper_and_lower_are_told_apart() -> None:
    image, box = person_scene("red", "navy")
    named = body_colours(image, box)
    assert (named.upper, named.lower) == ("red", "navy")
    assert named.upper_hist[NAMES.index("red")] > 0.5
    assert len(named.upper_hist) == len(named.lower_hist) == len(NAMES)


def test_a_warm_cast_is_balanced_away_before_naming() -> None:
    """Under sodium light (more red, less blue) a grey coat stays grey: the frame's grey world."""
    image, box = person_scene("grey", "black", cast=(0.7, 1.0, 1.35))
    assert body_colours(image, box).upper == "grey"
    gains = grey_world_gains(image)
    assert gains[0] > 1.0 > gains[2]  # blue lifted, red lowered


def test_chromatic_names_count_double_so_a_shadowed_red_coat_is_red() -> None:
    shares = np.zeros(len(NAMES))
    shares[NAMES.index("black")] = 0.55
    shares[NAMES.index("red")] = 0.35
    assert name_of(shares) == "red"
    shares[NAMES.index("black")] = 0.8
    shares[NAMES.index("red")] = 0.1
    assert name_of(shares) == "black"
    assert name_of(np.zeros(len(NAMES))) is None


def test_a_box_outside_the_picture_has_no_colours() -> None:
    image, _ = person_scene("red", "blue")
    named = body_colours(image, (400.0, 300.0, 420.0, 330.0))
    assert named.upper is None and named.lower is None


def test_a_vehicle_has_one_colour() -> None:
    image = np.full((240, 320, 3), 120, np.uint8)
    image[100:160, 60:200] = BGR["white"]
    named = object_colour(image, (60.0, 100.0, 200.0, 160.0))
    assert named.upper == "white" and named.lower is None
