"""The migrated schema is the models' schema, on both databases; the audit table is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gwanje.store import (
    audit,
    models_exchange,  # noqa: F401 - its tables join Base.metadata
    models_follow,  # noqa: F401
)
from gwanje.store.db import StoreError, open_database
from gwanje.store.models import AuditRow, Base


def test_migrations_match_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
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


def test_events_stored_before_alerts_become_alerts_with_their_history(db_url: str) -> None:
    """An upgrade from 0001: each event becomes an alert of its own (same id, status, checklist and
    history), its hit points at it, and nothing is lost."""
    from alembic import command
    from alembic.config import Config

    from gwanje.store.db import MIGRATIONS, make_engine

    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    t = "2026-11-25 09:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (id, camera_id, type, severity, status, zone, started_at, start_s, end_s, "
                "confidence, track_ids, boxes, details, snapshot_path, received_at, acknowledged_by, "
                "acknowledged_at) VALUES ('e1', 'cam-1', 'fire', 'critical', 'acknowledged', 'yard', :t, 0, 0, "
                "0.9, '[3]', '[]', '{}', '20261125/e1.jpg', :t, 'kim', :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO event_actions (event_id, action, from_status, to_status, username, at) "
                "VALUES ('e1', 'acknowledge', 'new', 'acknowledged', 'kim', :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO sop_steps (event_id, position, text, done_by) VALUES ('e1', 0, 'verify', 'kim')"
            )
        )
    engine.dispose()
    db = open_database(db_url)  # upgrades to head
    try:
        from gwanje.store import alerts, events

        with db.sessions() as s:
            alert = alerts.get(s, "e1")
            assert (alert.status, alert.acknowledged_by, alert.hit_count, alert.best_event_id) == (
                "acknowledged",
                "kim",
                1,
                "e1",
            )
            assert [(a.action, a.username) for a in alert.actions] == [("acknowledge", "kim")]
            assert [(x.text, x.done_by) for x in alert.sop_steps] == [("verify", "kim")]
            assert events.get(s, "e1").alert_id == "e1"
    finally:
        db.close()
