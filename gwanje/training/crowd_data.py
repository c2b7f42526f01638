"""Training data for the crowd density network: images with head points, made into density maps
at the network's output resolution (people per 8x8 cell), and the frozen backbone's features of
every image computed once (only the head learns, so features can be cached).

Sets read (both research use; see ../shared/data/README.md): ShanghaiTech part A ``train_data``
(300 dense internet crowd images, every head marked) and the Mall dataset (2,000 frames of one
shopping-mall camera, heads marked, an ROI mask).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from gwanje.training.crowd_net import Backbone
from gwanje.vision.density import MULTIPLE, STRIDE, cell_shares, padded

SIGMA_PX = 4.0  # each head is a Gaussian this wide (pixels) before summing into cells
# Internet crowd pictures come at every scale; a camera sees its people at one. Each ShanghaiTech
# picture is therefore also seen shrunk and enlarged, so the head learns people of many sizes (a
# model trained at scale 1 alone counted Mall far better when Mall was enlarged: the cross-scene
# undercount is largely scale). It helps Mall a little and not reliably; bench/results/
# crowd_density.md has the figures by seed. A camera's own frames stay at the camera's scale.
PICTURE_SCALES = (0.5, 0.7, 1.0, 1.4)


@dataclass
class CrowdImage:
    """One picture with its heads. ``roi``: where the truth was marked (None: everywhere)."""

    name: str
    dataset: str  # each dataset gets an equal share of the training crops
    path: Path
    points: np.ndarray  # (N, 2) x y pixels
    roi: np.ndarray | None = None
    scales: tuple[float, ...] = (1.0,)  # each a training sample of the picture resized by it

    @property
    def count(self) -> int:
        return len(self.points)


@dataclass
class Sample:
    """A picture made ready for training: backbone features, target cells and the ROI in cells."""

    image: CrowdImage
    f8: torch.Tensor  # (128, H/8, W/8) float16
    f16: torch.Tensor  # (256, H/16, W/16) float16
    target: torch.Tensor  # (H/8, W/8) people per cell
    roi: torch.Tensor  # (H/8, W/8) share of each cell inside the ROI
    scale: float = 1.0  # the picture was resized by this


def shanghaitech_a(root: Path) -> list[CrowdImage]:
    import scipy.io as sio

    images = root / "train_data" / "images"
    truth = root / "train_data" / "ground-truth"
    if not images.is_dir() or not truth.is_dir():
        raise ValueError(f"{root}: no train_data/images and train_data/ground-truth (ShanghaiTech A)")
    out = []
    for path in sorted(images.glob("IMG_*.jpg"), key=lambda p: int(p.stem.split("_")[1])):
        info = sio.loadmat(truth / f"GT_{path.stem}.mat")["image_info"][0, 0][0, 0]
        # each internet picture is its own scene
        points = np.asarray(info[0], np.float32).reshape(-1, 2)
        out.append(CrowdImage(path.stem, "shanghaitech_a", path, points, scales=PICTURE_SCALES))
    if not out:
        raise ValueError(f"{images}: no IMG_n.jpg images")
    return out


def mall(root: Path, frames: range) -> list[CrowdImage]:
    """Mall frames by their number from 1 (the standard split: 1-800 fit, 801-2000 test)."""
    import scipy.io as sio

    try:
        gt = sio.loadmat(root / "mall_gt.mat")["frame"][0]
        roi = sio.loadmat(root / "perspective_roi.mat")["roi"][0, 0]["mask"].astype(bool)
    except (OSError, KeyError) as exc:
        raise ValueError(f"{root}: not the Mall dataset ({exc})") from None
    return [
        CrowdImage(
            f"mall-{i}",
            "mall",
            root / "frames" / f"seq_{i:06d}.jpg",
            np.asarray(gt[i - 1]["loc"][0, 0], np.float32).reshape(-1, 2),
            roi,
        )
        for i in frames
    ]


def pets09(truth: Path, video: Path, frames_dir: Path, every: int = 3) -> list[CrowdImage]:
    """PETS 2009 S2L1 (``vtest.avi``) frames with a head point per ground-truth box (top centre,
    a tenth of the box down), every ``every``-th frame written as JPEG to ``frames_dir``. A third,
    different scene: sparse walkers seen from above outdoors."""
    rows = np.loadtxt(truth / "gt.txt", delimiter=",", ndmin=2)
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise ValueError(f"cannot open {video}")
    frames_dir.mkdir(parents=True, exist_ok=True)
    out, n = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        n += 1
        if n % every:
            continue
        mine = rows[(rows[:, 0] == n) & (rows[:, 6] != 0)]  # conf 0: ignored in evaluation
        points = np.column_stack([mine[:, 2] + mine[:, 4] / 2, mine[:, 3] + 0.1 * mine[:, 5]])
        path = frames_dir / f"pets09-{n:04d}.jpg"
        if not path.exists():
            cv2.imwrite(str(path), frame)
        out.append(CrowdImage(f"pets09-{n}", "pets09", path, points.astype(np.float32)))
    cap.release()
    if not out:
        raise ValueError(f"{video}: no frames")
    return out


def to_tensor(bgr: np.ndarray) -> torch.Tensor:
    """BGR uint8 picture → RGB 0-1 NCHW, padded as at run time (``vision.density.padded``)."""
    return torch.from_numpy(padded(bgr)[:, :, ::-1].copy()).permute(2, 0, 1)[None].float() / 255.0


def density_cells(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """People per 8x8 cell of a picture of ``shape`` (padded): a Gaussian at each head, summed per
    cell. Heads marked outside the picture are clipped onto its border so the total stays exact."""
    ph, pw = shape
    dots = np.zeros((ph, pw), np.float32)
    if len(points):
        xs = np.clip(points[:, 0], 0, pw - 1).astype(int)
        ys = np.clip(points[:, 1], 0, ph - 1).astype(int)
        np.add.at(dots, (ys, xs), 1.0)
    blurred = cv2.GaussianBlur(dots, (0, 0), SIGMA_PX, borderType=cv2.BORDER_REFLECT)
    total = blurred.sum()
    if total > 0:
        blurred *= dots.sum() / total
    return blurred.reshape(ph // STRIDE, STRIDE, pw // STRIDE, STRIDE).sum(axis=(1, 3))


def prepare(
    images: list[CrowdImage],
    backbone: Backbone | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[Sample]:
    """Read each picture once, run the frozen backbone on it at each of its scales and keep
    features and targets (one sample per picture and scale)."""
    backbone = backbone or Backbone().eval()
    samples = []
    with torch.no_grad():
        for i, item in enumerate(images, 1):
            bgr = cv2.imread(str(item.path), cv2.IMREAD_COLOR)
            if bgr is None:
                raise ValueError(f"cannot read {item.path}")
            for scale in item.scales:
                picture, points, roi = resized(bgr, item.points, item.roi, scale)
                x = to_tensor(picture)
                shape = (x.shape[2], x.shape[3])
                f8, f16 = backbone(x)
                samples.append(
                    Sample(
                        item,
                        f8[0].half(),
                        f16[0].half(),
                        torch.from_numpy(density_cells(points, shape)),
                        torch.from_numpy(cell_shares(roi, picture.shape[:2])),
                        scale,
                    )
                )
            if on_progress:
                on_progress(i)
    return samples


def resized(
    bgr: np.ndarray, points: np.ndarray, roi: np.ndarray | None, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The picture, its head points and its ROI resized by ``scale`` (sides at least 16 pixels)."""
    if scale == 1.0:
        return bgr, points, roi
    h, w = bgr.shape[:2]
    nh, nw = max(MULTIPLE, round(h * scale)), max(MULTIPLE, round(w * scale))
    smaller = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    picture = cv2.resize(bgr, (nw, nh), interpolation=smaller)
    if roi is not None:
        roi = cv2.resize(roi.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST).astype(bool)
    return picture, points * np.float32([nw / w, nh / h]), roi
