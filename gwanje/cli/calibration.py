"""``gwanje calibrate``: a camera's ground calibration (for crowd density), checked and printed
as the YAML to paste."""

from __future__ import annotations

from typing import Annotated

import typer

from gwanje.cli.console import fail, out


def _points(text: str, what: str) -> list[tuple[float, float]]:
    try:
        pts = [tuple(float(v) for v in pair.split(",")) for pair in text.split(";") if pair.strip()]
    except ValueError:
        raise fail(f"{what}: expected 'x,y;x,y;...', got {text!r}") from None
    if any(len(p) != 2 for p in pts):
        raise fail(f"{what}: every point needs exactly two numbers, got {text!r}")
    return pts  # type: ignore[return-value]


def calibrate(
    image_points: Annotated[str, typer.Option(help="Marked image points 'x,y;x,y;...' (4 or more, pixels)")],
    ground_points: Annotated[str, typer.Option(help="The same points on the ground 'x,y;...' (metres)")],
    zone: Annotated[
        str | None, typer.Option(help="A zone polygon 'x,y;...' (pixels) to report its area")
    ] = None,
) -> None:
    """Make a camera's ground calibration (for crowd density) and check it; prints the YAML to paste."""
    import numpy as np

    from gwanje.analytics.ground import GroundPlane

    img, gnd = _points(image_points, "--image-points"), _points(ground_points, "--ground-points")
    try:
        plane = GroundPlane.from_points(img, gnd)
    except ValueError as exc:
        raise fail(str(exc)) from None
    residual = np.hypot(*(plane.to_ground(np.asarray(img)) - np.asarray(gnd)).T)
    out.print("ground:")
    out.print(f"  image_points: {[list(p) for p in img]}")
    out.print(f"  ground_points: {[list(p) for p in gnd]}")
    out.print(f"# residual at the marked points: max {residual.max():.3f} m")
    if zone:
        out.print(f"# zone ground area: {plane.area_m2(_points(zone, '--zone')):.1f} m²")
