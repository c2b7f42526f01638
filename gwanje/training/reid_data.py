"""Crops of people labelled with who they are and which camera saw them, for ``gwanje models
fit-reid`` and ``bench/reid.py``. Two layouts are read:

- CUHK01's: ``<folder>/campus/PPPPNNN.jpg`` (or the files directly in ``<folder>``), ``PPPP`` the
  identity, ``NNN`` the picture: 001-002 from camera A, 003-004 from camera B;
- a site's own: ``<folder>/<identity>/<camera>/*.jpg`` (e.g. people confirmed by operators on two
  cameras).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CUHK = re.compile(r"^(\d{4})(\d{3})\.(jpg|png)$", re.IGNORECASE)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass(frozen=True)
class CropSet:
    paths: list[Path]
    identity: np.ndarray  # (n,) int: 0..k-1
    camera: np.ndarray  # (n,) int: 0..c-1
    identity_names: list[str]
    camera_names: list[str]

    def images(self) -> list[np.ndarray]:
        out = []
        for p in self.paths:
            image = cv2.imread(str(p))
            if image is None:
                raise ValueError(f"{p} is not a readable picture")
            out.append(image)
        return out


def _indexed(names: list[str]) -> tuple[np.ndarray, list[str]]:
    unique = sorted(set(names))
    index = {n: i for i, n in enumerate(unique)}
    return np.array([index[n] for n in names], dtype=int), unique


def read_crops(folder: Path) -> CropSet:
    """The labelled crops under ``folder`` in either layout; ValueError when there are none."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    flat = folder / "campus" if (folder / "campus").is_dir() else folder
    cuhk = sorted(p for p in flat.iterdir() if CUHK.match(p.name))
    if cuhk:
        ids = [CUHK.match(p.name).group(1) for p in cuhk]
        cams = ["A" if int(CUHK.match(p.name).group(2)) <= 2 else "B" for p in cuhk]
        paths = cuhk
    else:
        paths, ids, cams = [], [], []
        for person in sorted(p for p in folder.iterdir() if p.is_dir()):
            for cam in sorted(c for c in person.iterdir() if c.is_dir()):
                for p in sorted(cam.iterdir()):
                    if p.suffix.lower() in IMAGE_SUFFIXES:
                        paths.append(p)
                        ids.append(person.name)
                        cams.append(cam.name)
    if not paths:
        raise ValueError(
            f"no labelled crops in {folder}: expected CUHK01's PPPPNNN.jpg or <identity>/<camera>/*.jpg"
        )
    identity, id_names = _indexed(ids)
    camera, cam_names = _indexed(cams)
    return CropSet(paths, identity, camera, id_names, cam_names)
