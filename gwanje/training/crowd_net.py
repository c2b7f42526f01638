"""The crowd density network in PyTorch: YOLOv3-tiny's first layers, frozen, and a small head.

The backbone is the public-domain darknet YOLOv3-tiny (COCO) up to its 256-channel convolution at
stride 16 (cfg layers 0-8), read from the same files as the detector (``darknet_graph``). Its
128-channel map at stride 8 (layer 6) and 256-channel map at stride 16 (layer 8) are each reduced
to ``width`` channels, added (the coarse one upsampled), and a head of dilated 3x3 convolutions
(context of about 100 pixels) gives people per 8x8 cell, never negative. Only the head learns:
the backbone's COCO features see people of every size already, and 300 images are too few to move
them without learning the pictures by heart.

The exported file (``export_onnx``) takes an RGB float image scaled 0-1, NCHW, any height and width
that are multiples of 16, and gives the density map (N, 1, H/8, W/8); ``gwanje.vision.density``
runs it with OpenVINO. PyTorch is needed only here (the ``train`` extra), never at run time.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from gwanje.vision.detectors.darknet_graph import model_file, read_darknet

BACKBONE_LAYERS = 9  # cfg layers 0-8: conv16 .. conv256 (stride 16)
STRIDE8_LAYER, STRIDE16_LAYER = 6, 8


class Backbone(nn.Module):
    """YOLOv3-tiny layers 0-8 with the darknet weights (batch-norm folded), frozen."""

    def __init__(self) -> None:
        super().__init__()
        layers = read_darknet(model_file("yolov3-tiny.cfg"), model_file("yolov3-tiny.weights"))
        self.ops = nn.ModuleList()
        for layer in layers[:BACKBONE_LAYERS]:
            sec = layer.section
            if sec.kind == "convolutional":
                assert layer.kernel is not None and layer.bias is not None
                out_c, in_c, k, _ = layer.kernel.shape
                conv = nn.Conv2d(in_c, out_c, k, sec.int("stride", 1), (k - 1) // 2)
                conv.weight.data = torch.from_numpy(layer.kernel.copy())
                conv.bias.data = torch.from_numpy(layer.bias.copy())
                self.ops.append(nn.Sequential(conv, nn.LeakyReLU(0.1)))
            elif sec.kind == "maxpool" and sec.int("stride", 1) == 2:
                self.ops.append(nn.MaxPool2d(2, 2))
            else:
                raise ValueError(f"unexpected layer [{sec.kind}] in the crowd backbone")
        self.requires_grad_(False)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, kept = image, []
        for i, op in enumerate(self.ops):
            x = op(x)
            if i in (STRIDE8_LAYER, STRIDE16_LAYER):
                kept.append(x)
        return kept[0], kept[1]


class DensityHead(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.width = width
        # the backbone's channels standardised by statistics of the training pictures
        self.register_buffer("mean8", torch.zeros(1, 128, 1, 1))
        self.register_buffer("scale8", torch.ones(1, 128, 1, 1))
        self.register_buffer("mean16", torch.zeros(1, 256, 1, 1))
        self.register_buffer("scale16", torch.ones(1, 256, 1, 1))
        self.fine = nn.Conv2d(128, width, 1)
        self.coarse = nn.Conv2d(256, width, 1)
        self.body = nn.Sequential(
            nn.LeakyReLU(0.1),
            nn.Conv2d(width, width, 3, padding=2, dilation=2),
            nn.LeakyReLU(0.1),
            nn.Conv2d(width, width, 3, padding=4, dilation=4),
            nn.LeakyReLU(0.1),
            nn.Conv2d(width, width // 2, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(width // 2, 1, 1),
        )
        # start near an empty scene (softplus(-4) ≈ 0.02 people a cell), not at 0.7 a cell: from
        # there the count term would push every output deep into softplus's flat end
        nn.init.constant_(self.body[-1].bias, -4.0)

    def set_feature_statistics(self, f8: list[torch.Tensor], f16: list[torch.Tensor]) -> None:
        for maps, mean, scale in ((f8, self.mean8, self.scale8), (f16, self.mean16, self.scale16)):
            flat = torch.cat([m.float().flatten(1) for m in maps], dim=1)
            mean.copy_(flat.mean(dim=1).view_as(mean))
            scale.copy_((flat.std(dim=1) + 1e-3).view_as(scale))

    def forward(self, f8: torch.Tensor, f16: torch.Tensor) -> torch.Tensor:
        f8 = (f8 - self.mean8) / self.scale8
        f16 = (f16 - self.mean16) / self.scale16
        coarse = F.interpolate(self.coarse(f16), size=f8.shape[-2:], mode="nearest")
        return F.softplus(self.body(self.fine(f8) + coarse))


class CrowdNet(nn.Module):
    def __init__(self, head: DensityHead) -> None:
        super().__init__()
        self.backbone = Backbone()
        self.head = head

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(*self.backbone(image))


def export_onnx(head: DensityHead, path: Path) -> Path:
    """Write backbone and head as one ONNX file with free height and width."""
    net = CrowdNet(head).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, 256, 320)
    tmp = path.with_name(path.name + ".part")
    torch.onnx.export(
        net,
        (dummy,),
        str(tmp),
        input_names=["images"],
        output_names=["density"],
        dynamic_axes={"images": {2: "height", 3: "width"}, "density": {2: "rows", 3: "cols"}},
        opset_version=17,
        dynamo=False,
    )
    tmp.replace(path)  # a half-written model never takes the place of a good one
    return path
