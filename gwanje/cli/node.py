"""``gwanje node``: camera pipelines on this machine for a center reached over NATS
(``cluster.transport: nats`` in the site YAML; docs/cluster.md)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from gwanje.cli.console import err, fail
from gwanje.config import ConfigError, SiteConfig, load_config


def node(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="The site YAML (default: none; give --nats)")
    ] = None,
    name: Annotated[str, typer.Option(help="This node's name (default: the host name)")] = "",
    camera: Annotated[
        list[str] | None, typer.Option(help="A camera of the YAML to run (repeat; default: those assigned)")
    ] = None,
    nats: Annotated[
        str | None, typer.Option(help="The NATS server(s), comma separated (default: the YAML's)")
    ] = None,
    site: Annotated[str | None, typer.Option(help="The site's name (default: the YAML's)")] = None,
    user: Annotated[
        str | None,
        typer.Option(
            help="This node's NATS user (default: the YAML's node_user); password in GWANJE_NATS_PASSWORD"
        ),
    ] = None,
    recordings: Annotated[
        Path | None, typer.Option(help="The recordings volume (default: the YAML's; a shared mount)")
    ] = None,
    capacity: Annotated[
        float, typer.Option(help="What this machine can take, relative to a 2-core node", min=0.1)
    ] = 1.0,
) -> None:
    """Run camera pipelines here; their events, segments, health and live views go over NATS."""
    from gwanje.workers.node import run_node

    if config is None and nats is None:
        raise fail("give --nats URL (or --config with cluster.transport: nats)")
    try:
        cfg = load_config(config) if config is not None else SiteConfig()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if cfg.cluster.transport != "nats" and nats is None:
        raise fail("the site YAML's cluster.transport is not nats (or give --nats URL)")
    n = cfg.cluster.nats
    if nats is not None:
        n = n.model_copy(update={"servers": tuple(s.strip() for s in nats.split(",") if s.strip())})
    if user is not None:
        n = n.model_copy(update={"user": user, "node_user": None})
    data = cfg.model_dump()
    data["cluster"] = {"transport": "nats", "nats": n.model_dump()}
    if site is not None:
        data["site"] = site
    if recordings is not None:
        data["recording"]["path"] = recordings
    try:
        cfg = SiteConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gwanje.workers.nats_out").setLevel(logging.INFO)  # each id the stream took
    try:
        ran = run_node(cfg, name or socket.gethostname(), camera or None, capacity=capacity)
    except ValueError as exc:
        raise fail(str(exc)) from None
    err.print(f"node stopped ({ran} cameras)")
