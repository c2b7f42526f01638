"""``gwanje cluster``: setting up the NATS servers of a many-machine site (docs/cluster.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import err, fail
from gwanje.config import ConfigError, load_config

app = typer.Typer(no_args_is_help=True, help="Many machines over NATS (cluster.transport: nats)")
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@app.command()
def auth(
    config: Annotated[Path, typer.Option("--config", "-c", help="The site YAML (cluster.nats)")],
    node: Annotated[list[str], typer.Option(help="A node's name (repeat for each node)")],
    out: Annotated[Path, typer.Option(help="Where to write nats-auth.conf and the passwords")],
    rounds: Annotated[int, typer.Option(help="bcrypt cost", min=4, max=16)] = 11,
) -> None:
    """Write the NATS servers' users: the center's and one per node, each node held to its own
    subjects. Include nats-auth.conf from every server's configuration; give each machine its
    <user>.password as GWANJE_NATS_PASSWORD. Passwords already written are kept."""
    from gwanje.workers.nats_auth import write_auth

    try:
        site = load_config(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    bad = [n for n in node if not _NAME.match(n)]
    if bad:
        raise fail(f"a node name is letters, digits, '-' and '_' (at most 64): {', '.join(bad)}")
    if len(set(node)) != len(node):
        raise fail("a node is named twice")
    try:
        written = write_auth(site.cluster.nats, site.site, node, out, rounds)
    except ValueError as exc:
        raise fail(str(exc)) from None
    err.print(
        f"{out / 'nats-auth.conf'}: {len(written)} users ({', '.join(written)}); passwords in {out}/<user>.password"
    )
