"""``gwanje user ...``: accounts of the center."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import err, fail, out
from gwanje.config import ConfigError, SiteConfig, load_config
from gwanje.store import audit
from gwanje.store.db import StoreError, database_url, open_database
from gwanje.store.users import (
    Role,
    UserError,
    create_user,
    list_users,
    remove_user,
    set_password,
    update_user,
)

app = typer.Typer(no_args_is_help=True, help="Accounts of the center")


@app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[Role, typer.Option(help="operator, supervisor, agency or admin")],
    agency: Annotated[
        str | None, typer.Option(help="For agency liaisons: police, fire, ambulance, district")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the console")] = "",
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Site YAML (for its data_dir)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data folder (default: the config's or ./gwanje-data)")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given)", envvar="GWANJE_PASSWORD")
    ] = None,
) -> None:
    """Create a user (password hashed with argon2)."""
    try:
        site = load_config(config) if config else SiteConfig()
        folder = data_dir or site.server.data_dir
        if password is None:
            password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        db = open_database(database_url(folder))
        try:
            with db.sessions.begin() as s:
                user = create_user(
                    s,
                    username=username,
                    password=password,
                    role=role,
                    agency=agency,
                    display_name=display_name,
                )
                audit.record(
                    s, username="cli", action="user_add", target=user.username, detail={"role": user.role}
                )
        finally:
            db.close()
    except (ConfigError, StoreError, UserError) as exc:
        raise fail(str(exc)) from None
    err.print(f"user {username!r} added as {role.value}" + (f" ({agency})" if agency else ""))


Config = Annotated[Path | None, typer.Option("--config", "-c", help="Site YAML (for its data_dir)")]
DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the config's or ./gwanje-data)")]


def _store(config: Path | None, data_dir: Path | None):  # noqa: ANN202
    try:
        site = load_config(config) if config else SiteConfig()
        return open_database(database_url(data_dir or site.server.data_dir))
    except (ConfigError, StoreError) as exc:
        raise fail(str(exc)) from None


def _change(config: Path | None, data_dir: Path | None, username: str, action: str, apply) -> None:  # noqa: ANN001
    db = _store(config, data_dir)
    try:
        with db.sessions.begin() as s:
            detail = apply(s) or {}
            audit.record(s, username="cli", action=action, target=username, detail=detail)
    except LookupError as exc:
        raise fail(str(exc.args[0])) from None
    except UserError as exc:
        raise fail(str(exc)) from None
    finally:
        db.close()


@app.command("list")
def user_list(config: Config = None, data_dir: DataDir = None) -> None:
    """The accounts: name, role, agency, whether they may sign in."""
    from rich.table import Table

    db = _store(config, data_dir)
    try:
        with db.sessions() as s:
            rows = list_users(s)
            table = Table("user", "role", "agency", "name", "active")
            for u in rows:
                table.add_row(u.username, u.role, u.agency or "", u.display_name, "yes" if u.active else "no")
    finally:
        db.close()
    out.print(table)


@app.command("disable")
def user_disable(username: str, config: Config = None, data_dir: DataDir = None) -> None:
    """Stop an account from signing in (its sessions end at once)."""
    _change(config, data_dir, username, "user_disable", lambda s: update_user(s, username, active=False)[1])
    err.print(f"user {username!r} disabled")


@app.command("enable")
def user_enable(username: str, config: Config = None, data_dir: DataDir = None) -> None:
    """Let a disabled account sign in again."""
    _change(config, data_dir, username, "user_enable", lambda s: update_user(s, username, active=True)[1])
    err.print(f"user {username!r} enabled")


@app.command("passwd")
def user_passwd(
    username: str,
    config: Config = None,
    data_dir: DataDir = None,
    password: Annotated[
        str | None, typer.Option(help="New password (asked for when not given)", envvar="GWANJE_PASSWORD")
    ] = None,
) -> None:
    """Set a new password (10+ characters of two kinds, or 8+ of three); the user's sessions end."""
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    _change(
        config,
        data_dir,
        username,
        "user_password_reset",
        lambda s: set_password(s, username, password) and None,
    )
    err.print(f"password of {username!r} changed")


@app.command("remove")
def user_remove(username: str, config: Config = None, data_dir: DataDir = None) -> None:
    """Remove an account (the audit keeps what it did, by name)."""
    _change(config, data_dir, username, "user_remove", lambda s: {"role": remove_user(s, username).role})
    err.print(f"user {username!r} removed")
