"""Training the density head on cached backbone features, and scoring it.

Each step takes random 32x32-cell crops (256x256 pixels) of the pictures' feature maps, flipped at
random, and fits people per cell with a squared error (counts scaled by ``TARGET_SCALE`` so the loss
is not tiny) plus the crop's total count, weighted by the ROI (Mall marks heads only inside it).
Pictures smaller than a crop are taken whole. Adam with a cosine learning-rate decay.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gwanje.training.crowd_data import CrowdImage, Sample, prepare
from gwanje.training.crowd_net import DensityHead, export_onnx

CROP = 32  # cells (256 pixels)
TARGET_SCALE = 4.0


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 3000
    batch: int = 12
    lr: float = 1e-3
    width: int = 64
    seed: int = 0


def _crop(s: Sample, rng: random.Random) -> tuple[torch.Tensor, ...]:
    rows, cols = s.target.shape
    h, w = min(CROP, rows // 2 * 2), min(CROP, cols // 2 * 2)
    y = rng.randrange(0, (rows - h) // 2 + 1) * 2  # even, so the stride-16 map lines up
    x = rng.randrange(0, (cols - w) // 2 + 1) * 2
    f8 = s.f8[:, y : y + h, x : x + w].float()
    f16 = s.f16[:, y // 2 : (y + h) // 2, x // 2 : (x + w) // 2].float()
    t = s.target[y : y + h, x : x + w]
    roi = s.roi[y : y + h, x : x + w]
    if rng.random() < 0.5:
        f8, f16, t, roi = f8.flip(-1), f16.flip(-1), t.flip(-1), roi.flip(-1)
    return f8, f16, t, roi


def train_head(
    samples: list[Sample],
    settings: TrainSettings = TrainSettings(),
    on_progress: Callable[[int, float], None] | None = None,
) -> DensityHead:
    if not samples:
        raise ValueError("no training pictures")
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    head = DensityHead(settings.width)
    some = rng.sample(samples, min(len(samples), 64))
    head.set_feature_statistics([s.f8 for s in some], [s.f16 for s in some])
    opt = torch.optim.Adam(head.parameters(), lr=settings.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, settings.steps)
    head.train()
    share = {}
    for s in samples:
        share[s.image.dataset] = share.get(s.image.dataset, 0) + 1
    weights = [1.0 / share[s.image.dataset] for s in samples]  # each dataset an equal share
    for step in range(1, settings.steps + 1):
        loss = torch.zeros(())
        for s in rng.choices(samples, weights=weights, k=settings.batch):
            f8, f16, t, roi = _crop(s, rng)
            pred = head(f8[None], f16[None])[0, 0]
            weight = roi.sum().clamp(min=1.0)
            err = ((pred - t) * TARGET_SCALE) ** 2
            loss = loss + (err * roi).sum() / weight + ((pred - t) * roi).sum().abs() / settings.batch
        loss = loss / settings.batch
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head.parameters(), 10.0)
        opt.step()
        sched.step()
        if on_progress:
            on_progress(step, float(loss.detach()))
    return head.eval()


def predict_counts(head: DensityHead, samples: list[Sample]) -> np.ndarray:
    """Each picture's count inside its ROI, from the whole picture at once."""
    out = []
    with torch.inference_mode():
        for s in samples:
            pred = head(s.f8[None].float(), s.f16[None].float())[0, 0]
            out.append(float((pred * s.roi).sum()))
    return np.asarray(out)


def truth_counts(samples: list[Sample]) -> np.ndarray:
    return np.asarray([float(s.image.count) for s in samples])


def errors(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    return {
        "mae": float(np.abs(pred - truth).mean()),
        "rmse": float(np.sqrt(((pred - truth) ** 2).mean())),
        "bias": float((pred - truth).mean()),
    }


def make_crowd_model(
    images: list[CrowdImage],
    out: Path,
    settings: TrainSettings = TrainSettings(),
    on_prepared: Callable[[int], None] | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> Path:
    """Prepare ``images``, train the head and export the network."""
    samples = prepare(images, on_progress=on_prepared)
    head = train_head(samples, settings, on_progress=on_step)
    return export_onnx(head, out)
