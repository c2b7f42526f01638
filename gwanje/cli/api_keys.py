"""``gwanje key ...``: API keys of other systems' machines (alarms, incidents, the status summary)."""

from __future__ import annotations

from typing import Annotated

import typer

from gwanje.cli.console import err, fail, out
from gwanje.cli.users import Config, DataDir, _store
from gwanje.store import api_keys, audit

app = typer.Typer(no_args_is_help=True, help="API keys of other systems' machines")


@app.command("add")
def key_add(
    source: Annotated[str, typer.Argument(help="The sending system, e.g. bell-osan")],
    scope: Annotated[list[str], typer.Option(help="alarms, incidents or status (repeat for more)")],
    camera: Annotated[list[str], typer.Option(help='A camera it may name (repeat); "*" for all')] = ["*"],  # noqa: B006
    rate: Annotated[int, typer.Option(help="Requests a minute", min=1, max=60000)] = 120,
    days: Annotated[float | None, typer.Option(help="Expires after this many days (default: never)")] = None,
    note: Annotated[str | None, typer.Option(help="Who runs it, where")] = None,
    config: Config = None,
    data_dir: DataDir = None,
) -> None:
    """Make a key; it is printed once and only its hash is kept."""
    db = _store(config, data_dir)
    try:
        with db.sessions.begin() as s:
            row, key = api_keys.create(
                s,
                source=source,
                scopes=scope,
                cameras=camera,
                created_by="cli",
                rate_per_min=rate,
                days=days,
                note=note,
            )
            audit.record(
                s,
                username="cli",
                action="api_key_add",
                target=source,
                detail={"id": row.id, "prefix": row.prefix, "scopes": row.scopes},
            )
            key_id = row.id
    except ValueError as exc:
        raise fail(str(exc)) from None
    finally:
        db.close()
    out.print(key, highlight=False)
    err.print(
        f"key {key_id} for {source!r} ({', '.join(sorted(set(scope)))}): shown this once, keep it in the sending system"
    )


@app.command("list")
def key_list(config: Config = None, data_dir: DataDir = None) -> None:
    """The keys: source, scopes, cameras, state, use."""
    from rich.table import Table

    db = _store(config, data_dir)
    try:
        with db.sessions() as s:
            table = Table(
                "id", "source", "prefix", "scopes", "cameras", "state", "used", "refused", "last used"
            )
            for r in api_keys.listing(s):
                p = api_keys.public(r)
                state = api_keys.state(r)
                cams = ", ".join(p["cameras"][:5]) + (" ..." if len(p["cameras"]) > 5 else "")
                table.add_row(
                    str(p["id"]),
                    p["source"],
                    p["prefix"],
                    ", ".join(p["scopes"]),
                    cams,
                    state,
                    str(p["used"]),
                    str(p["refused"]),
                    p["last_used_at"] or "",
                )
    finally:
        db.close()
    out.print(table)


@app.command("revoke")
def key_revoke(key_id: int, config: Config = None, data_dir: DataDir = None) -> None:
    """Revoke a key at once."""
    db = _store(config, data_dir)
    try:
        with db.sessions.begin() as s:
            row = api_keys.revoke(s, key_id, "cli")
            audit.record(s, username="cli", action="api_key_revoke", target=row.source, detail={"id": row.id})
    except api_keys.NoSuchKey as exc:
        raise fail(str(exc)) from None
    finally:
        db.close()
    err.print(f"key {key_id} revoked")
