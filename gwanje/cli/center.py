"""``gwanje serve`` (the control center) and ``gwanje demo`` (the same on the bundled clip)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import fail, out
from gwanje.config import ConfigError, SiteConfig, load_config
from gwanje.store import cameras as camera_repo
from gwanje.store import instance
from gwanje.store.db import StoreError, database_url, open_database
from gwanje.store.users import Role, UserError, create_user
from gwanje.vision.detectors.base import cache_dir

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
DEMO_USERS = [  # username, password, role, agency, name: printed by `gwanje demo`, for a demo on localhost only
    ("admin", "gwanje-admin", Role.ADMIN, None, "시스템 관리자"),
    ("operator", "gwanje-operator", Role.OPERATOR, None, "김민수"),
    ("supervisor", "gwanje-supervisor", Role.SUPERVISOR, None, "박지영"),
    ("police", "gwanje-police", Role.AGENCY, "police", "오산경찰서 상황실"),
]


def _site(
    config: Path,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> SiteConfig:
    site = load_config(config)
    changes = {
        k: v
        for k, v in {
            "data_dir": data_dir,
            "host": host,
            "port": port,
            "workers": workers,
            "certfile": certfile,
            "keyfile": keyfile,
        }.items()
        if v is not None
    }
    if changes:
        site = site.model_copy(update={"server": site.server.model_copy(update=changes)})
    return site


def _h264_cameras(site: SiteConfig, media: Path) -> SiteConfig:
    """The demo's cameras play an H.264 copy of their file (made once), as a real camera sends:
    browsers play their recordings without transcoding, and segments are cut every few seconds.
    A demo file URL may end in ``#crop=x,y,width,height``: its copy keeps that part of the picture
    (the demo's camera pair is the two sides of one real view)."""
    from rich.progress import Progress

    from gwanje.video.transcode import codec_of, h264_copy

    cameras, copies = [], {}
    for cam in site.cameras:
        name, _, fragment = cam.url.partition("#crop=")
        try:
            crop = tuple(int(v) for v in fragment.split(",")) if fragment else None
        except ValueError:
            raise ValueError(
                f"camera {cam.id}: #crop= takes x,y,width,height in pixels, not {fragment!r}"
            ) from None
        if crop is not None and len(crop) != 4:
            raise ValueError(f"camera {cam.id}: #crop= takes x,y,width,height in pixels, not {fragment!r}")
        path = Path(name)
        if path.is_file() and (crop is not None or codec_of(path) != "h264"):
            key = (path, crop)
            if key not in copies:
                suffix = "-".join(str(v) for v in crop) if crop else "h264"
                dst = media / f"{path.stem}-{suffix}.mp4"
                with Progress(transient=True) as bar:
                    task = bar.add_task(f"H.264 copy of {path.name} (once)", total=1.0)
                    copies[key] = h264_copy(
                        path,
                        dst,
                        on_progress=lambda f, bar=bar, task=task: bar.update(task, completed=f),
                        crop=crop,  # type: ignore[arg-type]
                    )
            cam = cam.model_copy(update={"url": str(copies[key])})
        cameras.append(cam)
    return site.model_copy(update={"cameras": cameras})


def _serve(site: SiteConfig, banner: str) -> None:
    import uvicorn

    center_log = logging.getLogger("gwanje")
    if not center_log.isEnabledFor(logging.WARNING):  # a server says what it noticed (-v: more)
        center_log.setLevel(logging.WARNING)

    from gwanje.web.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(site),
            host=site.server.host,
            port=site.server.port,
            log_level="warning",
            timeout_graceful_shutdown=3,
            # X-Forwarded-For only from the site's own proxies (uvicorn believes loopback's by default)
            proxy_headers=bool(site.server.trusted_proxies),
            ssl_certfile=str(site.server.certfile) if site.server.certfile else None,
            ssl_keyfile=str(site.server.keyfile) if site.server.keyfile else None,
            forwarded_allow_ips=",".join(site.server.trusted_proxies) or None,
        )
    )
    out.print(banner)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its clean shutdown
        server.run()
    out.print("stopped")


def serve(
    config: Annotated[Path, typer.Option("--config", "-c", help="Site YAML (cameras, server settings)")],
    data_dir: Annotated[
        Path | None, typer.Option(help="Database and snapshots (default: the config's)")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Camera worker processes")] = None,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM): serve HTTPS")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM)")] = None,
) -> None:
    """Run the control center: camera workers, API and console."""
    try:
        site = _site(config, data_dir, host, port, workers, certfile, keyfile)
        tls = site.server.certfile, site.server.keyfile
        if (tls[0] is None) != (tls[1] is None):
            raise ConfigError("TLS needs both --certfile and --keyfile")
        for f in tls:
            if f is not None and not Path(f).is_file():
                raise ConfigError(f"no such file: {f}")
        # the folder first: a center already running on it must lose nothing to this one
        folder = instance.claim(site.server.data_dir, site.server.url)
    except (ConfigError, StoreError) as exc:
        raise fail(str(exc)) from None
    try:
        db = open_database(database_url(site.server.data_dir))  # fail here, clearly, not in the server
        with db.sessions() as s:
            cameras = camera_repo.starting(s, site.cameras)  # the start logs those removed by the API
        db.close()
    except StoreError as exc:
        instance.release(folder)
        raise fail(str(exc)) from None
    try:
        _serve(site, f"Gwanje control center on {site.server.url}  ({cameras} cameras; Ctrl-C stops)")
    finally:
        instance.release(folder)


def demo(
    data_dir: Annotated[Path, typer.Option(help="Database and snapshots")] = Path("demo-output/center"),
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8080,
    config: Annotated[Path, typer.Option(help="Demo site YAML")] = DEMO_CONFIG,
) -> None:
    """The whole center on embedded SQLite with demo cameras made from the bundled real clip."""
    os.environ.pop("GWANJE_DATABASE_URL", None)  # the demo always runs on its own SQLite file
    try:
        site = _site(config, data_dir, None, port, None)
        folder = instance.claim(site.server.data_dir, site.server.url)
    except (ConfigError, StoreError) as exc:
        raise fail(str(exc)) from None
    try:
        _demo(site, data_dir, port)
    finally:
        instance.release(folder)


def _demo(site: SiteConfig, data_dir: Path, port: int) -> None:
    try:
        db = open_database(database_url(site.server.data_dir))
    except StoreError as exc:
        raise fail(str(exc)) from None
    missing = sorted(
        {
            c.url.partition("#")[0]
            for c in site.cameras
            if "://" not in c.url and not Path(c.url.partition("#")[0]).is_file()
        }
    )
    if missing:
        raise fail(
            f"the demo's clip is missing: {', '.join(missing)} (Debian's opencv-doc ships it: "
            "`bash scripts/debian-packages.sh demo`, or `make demo`, which runs it)"
        )
    try:
        site = _h264_cameras(site, cache_dir() / "media")  # made once, kept between demo runs
    except ValueError as exc:  # a demo crop that is not x,y,width,height inside the picture
        raise fail(str(exc)) from None
    with db.sessions.begin() as s:
        for name, password, role, agency, display in DEMO_USERS:
            with contextlib.suppress(UserError):  # made by an earlier demo run
                create_user(
                    s, username=name, password=password, role=role, agency=agency, display_name=display
                )
    db.close()
    lines = [
        f"Gwanje demo center: http://127.0.0.1:{port}/  (Ctrl-C stops)",
        "demo accounts (user / password):",
    ]
    lines += [f"  {n:<11} {p:<18} {r.value}{' (' + a + ')' if a else ''}" for n, p, r, a, _ in DEMO_USERS]
    lines.append(
        f"{len(site.cameras)} demo cameras from {site.cameras[0].url if site.cameras else '-'}; data in {data_dir}"
    )
    _serve(site, "\n".join(lines))
