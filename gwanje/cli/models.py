"""``gwanje models quantize``: YOLOv3-tiny quantized to INT8 on the site's own footage."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gwanje.cli.console import err, fail, out
from gwanje.video.source import SourceError, VideoSource

app = typer.Typer(no_args_is_help=True, help="Detection models: INT8 quantization on site footage")


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
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
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
