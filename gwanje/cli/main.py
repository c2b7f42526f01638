"""The ``gwanje`` command: one typer app made of the command groups, each in its own module."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from gwanje.cli import analysis, api_keys, audit, calibration, center, cluster, evidence, models, node, users

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Gwanje (관제) CCTV control center")


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )


app.command()(analysis.analyze)
app.add_typer(models.app, name="models")
app.command()(calibration.calibrate)
app.command()(center.serve)
app.command()(center.demo)
app.command()(node.node)
app.add_typer(cluster.app, name="cluster")
app.add_typer(users.app, name="user")
app.add_typer(api_keys.app, name="key")
app.add_typer(evidence.app, name="evidence")
app.add_typer(audit.app, name="audit")
