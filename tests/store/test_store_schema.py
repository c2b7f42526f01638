"""The migrated schema is the models' schema, on both databases; the audit table is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gwanje.store import audit
from gwanje.store.db import StoreError, open_database
from gwanje.store.models import AuditRow, Base


def test_migrations_match_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        open_database(db_url).close()  # a second start finds nothing to migrate
    finally:
        db.close()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'g.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.close()


def test_audit_records_cannot_be_changed_or_deleted(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.sessions.begin() as s:
            audit.record(s, username="kim", action="login", ip="10.0.0.1")
        for statement in ("UPDATE audit SET username = 'someone else'", "DELETE FROM audit"):
            with pytest.raises(DBAPIError, match="append-only"), db.sessions.begin() as s:
                s.execute(text(statement))
        with db.sessions() as s:
            rows = s.query(AuditRow).all()
        assert [(r.username, r.action) for r in rows] == [("kim", "login")]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://x@localhost/y", "unsupported database 'mysql'"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_bad_database_urls_get_clear_errors(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_database(url)
