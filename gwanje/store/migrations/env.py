"""Alembic environment: runs on the connection ``gwanje.store.db.upgrade`` hands it."""

from alembic import context

from gwanje.store import (
    models_exchange,  # noqa: F401 - its tables join Base.metadata
    models_follow,  # noqa: F401 - its tables join Base.metadata
)
from gwanje.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - we always call alembic through db.upgrade
    raise RuntimeError("run migrations through gwanje.store.db.upgrade(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
