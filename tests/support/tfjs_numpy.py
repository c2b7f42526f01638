"""A second, independent run of a TF.js graph model: each op in NumPy as TensorFlow defines it
(NHWC, HWIO kernels, grouped convolution when the kernel has fewer input channels, bilinear
resize with half-pixel centres). Slow and plain on purpose: the reference the OpenVINO graph
that ``gwanje.vision.detectors.tfjs_graph`` builds is checked against (TensorFlow itself is a
500 MB install; this follows its op definitions)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gwanje.vision.detectors.tfjs_graph import _attr, read_weights


def _conv(x: np.ndarray, k: np.ndarray, strides: list[int], padding: str) -> np.ndarray:
    n, h, w, c = x.shape
    kh, kw, cin, cout = k.shape
    groups = c // cin
    sh, sw = strides
    if padding == "SAME":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max(0, (oh - 1) * sh + kh - h), max(0, (ow - 1) * sw + kw - w)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
        h, w = x.shape[1:3]
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, oh, ow, cout), np.float64)
    per = cout // groups
    for g in range(groups):
        xs = x[..., g * cin : (g + 1) * cin].astype(np.float64)
        ks = k[..., g * per : (g + 1) * per].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
                out[..., g * per : (g + 1) * per] += patch @ ks[i, j]
    return out.astype(np.float32)


def _maxpool(x: np.ndarray, k: list[int], s: list[int]) -> np.ndarray:
    n, h, w, c = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.full((n, oh, ow, c), -np.inf, np.float32)
    for i in range(k[0]):
        for j in range(k[1]):
            out = np.maximum(
                out, x[:, i : i + s[0] * (oh - 1) + 1 : s[0], j : j + s[1] * (ow - 1) + 1 : s[1], :]
            )
    return out


def _resize_bilinear(x: np.ndarray, size: np.ndarray, half_pixel: bool) -> np.ndarray:
    n, h, w, c = x.shape
    oh, ow = int(size[0]), int(size[1])

    def coords(out_len: int, in_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scale = in_len / out_len
        pos = (np.arange(out_len) + 0.5) * scale - 0.5 if half_pixel else np.arange(out_len) * scale
        pos = np.clip(pos, 0, in_len - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, in_len - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    y0, y1, fy = coords(oh, h)
    x0, x1, fx = coords(ow, w)
    top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
    return top * (1 - fy)[None, :, None, None] + bot * fy[None, :, None, None]


def run_graph(model_path: Path, image_nchw: np.ndarray) -> dict[str, np.ndarray]:
    """Every output of the graph (by node name) for one input."""
    doc = json.loads(model_path.read_text(encoding="utf-8"))
    weights = read_weights(doc, model_path.parent)
    nodes = {n["name"]: n for n in doc["modelTopology"]["node"]}
    memo: dict[str, list[np.ndarray]] = {}

    def value(ref: str) -> np.ndarray:
        name, _, index = ref.partition(":")
        if name not in memo:
            memo[name] = evaluate(nodes[name])
        return memo[name][int(index or 0)]

    def evaluate(node: dict) -> list[np.ndarray]:
        op = node["op"]
        a = [value(i) for i in node.get("input", []) if not i.startswith("^")]
        if op == "Const":
            return [weights[node["name"]]]
        if op == "Placeholder":
            return [image_nchw.astype(np.float32)]
        if op == "Identity":
            return [a[0]]
        if op in ("Add", "AddV2"):
            return [a[0] + a[1]]
        if op == "SparseToDense":
            shape = tuple(int(s) for s in a[1].reshape(-1))
            dense = np.full(shape, a[3], a[3].dtype)
            if a[0].size:
                dense[tuple(a[0].reshape(len(a[2]), -1).T)] = a[2]
            return [dense]
        if op == "Transpose":
            return [np.transpose(a[0], a[1].astype(int))]
        if op in ("Pad", "PadV2"):
            fill = float(a[2]) if op == "PadV2" else 0.0
            return [np.pad(a[0], a[1].astype(int), constant_values=fill)]
        if op == "Conv2D":
            return [_conv(a[0], a[1], _attr(node, "strides")[1:3], _attr(node, "padding"))]
        if op == "LeakyRelu":
            alpha = _attr(node, "alpha", 0.2)
            return [np.where(a[0] >= 0, a[0], a[0] * alpha)]
        if op == "Sigmoid":
            return [1.0 / (1.0 + np.exp(-a[0]))]
        if op == "MaxPool":
            return [_maxpool(a[0], _attr(node, "ksize")[1:3], _attr(node, "strides")[1:3])]
        if op == "ResizeBilinear":
            return [_resize_bilinear(a[0], a[1], _attr(node, "half_pixel_centers", False))]
        if op == "ConcatV2":
            return [np.concatenate(a[:-1], axis=int(a[-1]))]
        if op == "SplitV":
            sizes, axis = a[1].astype(int), int(a[2])
            return np.split(a[0], np.cumsum(sizes)[:-1], axis=axis)
        if op == "Reshape":
            return [a[0].reshape(a[1].astype(int).reshape(-1))]
        raise NotImplementedError(op)

    outputs = sorted(doc["signature"]["outputs"])
    return {o.split(":")[0]: value(o.split(":")[0]) for o in outputs}
