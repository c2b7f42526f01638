"""Does enlarging a camera's picture before the crowd density network help, and can a camera's scale
be chosen from how tall its people look? A scratch check behind bench/results/crowd_density.md.

    .venv/bin/python bench/crowd_scales.py [--head FILE]

Trains one head on ShanghaiTech A alone (seed 0, the bench's settings; ``--head`` reuses a saved
``state_dict`` instead and ``--save`` keeps the trained one), then counts Mall frames 801-2000
(every 12th) and PETS 2009 S2L1 frames (every 15th; one head point per ground-truth box) with each
picture enlarged by each scale, and prints MAE and mean error per scale with the people's median
height in each scene (PETS: its truth boxes; Mall: YOLOv3-tiny boxes scoring ≥ 0.4 on frames
1-800, every 10th). Needs the ``train`` extra. Prints only; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, VTEST  # noqa: E402

SCALES = (1.0, 1.5, 2.0, 2.5, 3.0)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--head", type=Path, help="a saved head (torch state_dict) instead of training one")
    ap.add_argument("--save", type=Path, help="keep the trained head here")
    args = ap.parse_args(argv)
    import torch

    from gwanje.config import DetectorConfig
    from gwanje.training import crowd_data as data
    from gwanje.training.crowd_net import DensityHead
    from gwanje.training.crowd_train import TrainSettings, errors, predict_counts, train_head, truth_counts
    from gwanje.vision.detectors import create_detector

    torch.set_num_threads(2)
    if args.head:
        head = DensityHead(TrainSettings().width)
        head.load_state_dict(torch.load(args.head))
        head.eval()
    else:
        head = train_head(
            data.prepare(data.shanghaitech_a(SHARED / "crowd_shanghaitech_a")), TrainSettings(seed=0)
        )
        if args.save:
            torch.save(head.state_dict(), args.save)
    detector = create_detector(DetectorConfig(classes=["person"]))
    heights = []
    for i in range(1, 801, 10):
        d = detector.detect(cv2.imread(str(SHARED / "crowd_mall" / "frames" / f"seq_{i:06d}.jpg")))
        keep = d.confidence >= 0.4
        heights += list(d.xyxy[keep, 3] - d.xyxy[keep, 1])
    truth = np.loadtxt(SHARED / "pets09_s2l1" / "gt.txt", delimiter=",", ndmin=2)
    print(
        f"median person height: Mall {np.median(heights):.0f} px (detections), "
        f"PETS {np.median(truth[truth[:, 6] != 0, 5]):.0f} px (truth)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (
            ("Mall 801-2000", lambda: data.mall(SHARED / "crowd_mall", range(801, 2001, 12))),
            ("PETS 2009 S2L1", lambda: data.pets09(SHARED / "pets09_s2l1", VTEST, Path(tmp), every=15)),
        ):
            for scale in SCALES:
                images = make()
                for image in images:
                    image.scales = (scale,)
                samples = data.prepare(images)
                e = errors(predict_counts(head, samples), truth_counts(samples))
                print(
                    f"{name} ×{scale:g}: MAE {e['mae']:.2f}, mean error {e['bias']:+.2f} ({len(samples)} frames)"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
