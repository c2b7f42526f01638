"""``gwanje node``: camera pipelines on this machine for a center reached over NATS
(``cluster.transport: nats`` in the site YAML; docs/cluster.md)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import err, fail
from gwanje.config import ConfigError, load_config


def node(
    config: Annotated[Path, typer.Option("--config", "-c", help="The site YAML (cameras, cluster.nats)")],
    name: Annotated[str, typer.Option(help="This node's name (default: the host name)")] = "",
    camera: Annotated[
        list[str] | None, typer.Option(help="A camera to run (repeat; default: all the site's)")
    ] = None,
    nats: Annotated[
        str | None, typer.Option(help="The NATS server(s), comma separated (default: the YAML's)")
    ] = None,
    capacity: Annotated[
        float, typer.Option(help="What this machine can take, relative to a 2-core node", min=0.1)
    ] = 1.0,
) -> None:
    """Run camera pipelines here; their events, segments, health and live views go over NATS."""
    from gwanje.workers.node import run_node

    try:
        site = load_config(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if site.cluster.transport != "nats" and nats is None:
        raise fail("the site YAML's cluster.transport is not nats (or give --nats URL)")
    if nats is not None:
        servers = tuple(s.strip() for s in nats.split(",") if s.strip())
        cluster = site.cluster.model_copy(
            update={"transport": "nats", "nats": site.cluster.nats.model_copy(update={"servers": servers})}
        )
        site = site.model_copy(update={"cluster": cluster})
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gwanje.workers.nats_out").setLevel(logging.INFO)  # each id the stream took
    try:
        ran = run_node(site, name or socket.gethostname(), camera or None, capacity=capacity)
    except ValueError as exc:
        raise fail(str(exc)) from None
    err.print(f"node stopped ({ran} cameras)")
