"""``gwanje user ...``: accounts of the center."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gwanje.cli.console import err, fail
from gwanje.config import ConfigError, SiteConfig, load_config
from gwanje.store import audit
from gwanje.store.db import StoreError, database_url, open_database
from gwanje.store.users import Role, UserError, create_user

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
