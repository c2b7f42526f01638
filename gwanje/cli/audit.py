"""``gwanje audit ...``: check the audit chain in the store or in an export, and export it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gwanje.center import audit_chain
from gwanje.cli.console import err, fail, out
from gwanje.config import ConfigError, load_config
from gwanje.store.db import StoreError, database_url, open_database

app = typer.Typer(no_args_is_help=True, help="The audit trail's hash chain")

Config = Annotated[Path | None, typer.Option("--config", "-c", help="Site YAML (for its data_dir)")]
DataDir = Annotated[Path | None, typer.Option(help="Data folder (else the config's)")]


def _data_dir(config: Path | None, data_dir: Path | None) -> Path:
    """The center's data folder, named by the caller (a default folder would be checked, found
    empty and called OK); its store must exist (nothing is made here)."""
    if config is None and data_dir is None:
        raise fail("which center? give --config SITE.yaml or --data-dir FOLDER")
    try:
        folder = data_dir or load_config(config).server.data_dir  # type: ignore[arg-type]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if not os.environ.get("GWANJE_DATABASE_URL") and not (folder / "gwanje.db").is_file():
        raise fail(f"no center's store in {folder} (no gwanje.db): is it the data folder of a center?")
    return folder


@app.command("verify")
def verify(
    config: Config = None,
    data_dir: DataDir = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="An export (gwanje audit export) instead of the store")
    ] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Fingerprint the export must be signed with")
    ] = None,
) -> None:
    """Say OK, or name every row that was edited, removed, inserted or reordered."""
    if file is not None:
        if not file.is_file():
            raise fail(f"no such file: {file}")
        rows, problems = audit_chain.verify_export(file, key)
    else:
        folder = _data_dir(config, data_dir)
        public = audit_chain.load_public_key(folder)
        try:
            db = open_database(database_url(folder))
        except StoreError as exc:
            raise fail(str(exc)) from None
        try:
            rows, problems = audit_chain.verify(db, public)
        finally:
            db.close()
        if public is None:
            err.print(
                "note: no center key in the data folder: checkpoints' signatures not checked", highlight=False
            )
    if not problems:
        out.print(f"OK: {rows} audit rows, the chain is whole", highlight=False)
        return
    err.print(f"[bold red]FAILED[/] ({rows} rows):", highlight=False)
    for p in problems:
        err.print(f"  - {p}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command("export")
def export(
    target: Annotated[Path, typer.Argument(help="File to write (JSON lines)")],
    config: Config = None,
    data_dir: DataDir = None,
) -> None:
    """Write the chain with its signed checkpoints and the center's public key, to check offline."""
    folder = _data_dir(config, data_dir)
    public = audit_chain.load_public_key(folder)
    if public is None:
        raise fail(f"no center key in {folder / 'keys'}: start the center once first")
    try:
        db = open_database(database_url(folder))
    except StoreError as exc:
        raise fail(str(exc)) from None
    try:
        n = audit_chain.export(db, public, target)
    finally:
        db.close()
    err.print(f"{n} audit rows written to {target}", highlight=False)
