"""``gwanje evidence ...``: check a provided evidence package offline (no center, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import err, fail
from gwanje.evidence.package import verify as check

app = typer.Typer(no_args_is_help=True, help="Evidence packages handed to police, fire or data subjects")


@app.command("verify")
def verify(
    package: Annotated[Path, typer.Argument(help="The package's zip, or the folder it unpacks to")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="The fingerprint of the center's key (its admin page shows it)"),
    ] = None,
) -> None:
    """Say OK, or exactly which file or manifest field fails."""
    if not package.exists():
        raise fail(f"no such file or folder: {package}")
    verdict = check(package, key)
    if verdict.ok:
        typer.echo(verdict.text())
        return
    if verdict.unreadable:  # nothing could be checked: one line, exit 2
        raise fail(f"{package} cannot be read as an evidence package: {'; '.join(verdict.problems)}")
    err.print("[bold red]FAILED[/]", highlight=False)
    for problem in verdict.problems:
        err.print(f"  - {problem}", highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(1)
