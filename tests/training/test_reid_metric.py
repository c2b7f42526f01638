"""The appearance metric (XQDA) learns what tells people apart across two cameras; the labelled
crops are read in both layouts; bad data is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gwanje.training.reid_data import read_crops
from gwanje.training.reid_metric import Labelled, fit_xqda


def views(people: int, seed: int) -> Labelled:
    """Each person a random identity vector seen by two cameras: camera B adds a strong nuisance
    along a few directions of its own (its light, its angle; the same for every person) and noise,
    so raw distances mislead."""
    rng = np.random.default_rng(seed)
    dims = 60
    ident = rng.normal(0, 1, (people, dims))
    nuisance = np.random.default_rng(99).normal(0, 1, (4, dims)) * 4  # the camera's, not the person's
    x, ids, cams = [], [], []
    for p in range(people):
        for cam in (0, 1):
            for _ in range(2):
                v = ident[p] + rng.normal(0, 0.4, dims)
                if cam == 1:
                    v += rng.normal(0, 1, 4) @ nuisance
                x.append(v)
                ids.append(p)
                cams.append(cam)
    return Labelled(np.array(x, np.float32), np.array(ids), np.array(cams))


def rank1(e: np.ndarray, data: Labelled) -> float:
    q, g = np.flatnonzero(data.camera == 0), np.flatnonzero(data.camera == 1)
    d = ((e[q][:, None] - e[g][None]) ** 2).sum(-1)
    return float((data.identity[g][d.argmin(axis=1)] == data.identity[q]).mean())


def test_the_metric_learned_on_some_people_tells_other_people_apart_better() -> None:
    train, test = views(80, seed=1), views(40, seed=2)  # other people (and other nuisance draws)
    test = Labelled(test.x, test.identity + 1000, test.camera)
    fitted = fit_xqda(train, pca=40, lam=0.001)  # (this data's noise is small beside the nuisance)
    raw = rank1(test.x - fitted.mean, test)
    learned = rank1((test.x - fitted.mean) @ fitted.projection, test)
    assert learned > raw + 0.1, (raw, learned)
    a, b = fitted.same_logit
    assert b < 0  # a longer distance is less likely the same person


def test_no_pairs_across_cameras_is_refused() -> None:
    data = views(20, seed=3)
    one_camera = Labelled(data.x, data.identity, np.zeros_like(data.camera))
    with pytest.raises(ValueError, match="no identity is seen by two cameras"):
        fit_xqda(one_camera)
    few = Labelled(data.x[:16], data.identity[:16], data.camera[:16])
    with pytest.raises(ValueError, match="at least 10 are needed"):
        fit_xqda(few)


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((32, 16, 3), 90, np.uint8))


def test_both_layouts_are_read(tmp_path: Path) -> None:
    for name in ("0001001.jpg", "0001003.jpg", "0002002.jpg", "0002004.jpg"):
        write(tmp_path / "cuhk" / "campus" / name)
    crops = read_crops(tmp_path / "cuhk")
    assert list(crops.identity) == [0, 0, 1, 1] and list(crops.camera) == [0, 1, 0, 1]
    for person, cam in (("kim", "north"), ("kim", "south"), ("lee", "north")):
        write(tmp_path / "site" / person / cam / "a.jpg")
    crops = read_crops(tmp_path / "site")
    assert crops.identity_names == ["kim", "lee"] and crops.camera_names == ["north", "south"]
    assert crops.images()[0].shape == (32, 16, 3)


def test_a_folder_without_crops_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a folder"):
        read_crops(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no labelled crops"):
        read_crops(tmp_path / "empty")
