"""The audit is a hash chain with signed checkpoints: an edited, deleted, inserted or reordered row
is found and named, on both databases, even by someone who can switch the triggers off; rows cut
off the end show against a checkpoint; PostgreSQL refuses TRUNCATE; rows written before the chain
are chained by the migration; parallel writers never fork it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from gwanje.center import audit_chain
from gwanje.evidence.package import load_or_create_key
from gwanje.store import audit
from gwanje.store.db import open_database


@pytest.fixture
def chain(db_url, tmp_path):
    db = open_database(db_url)
    key = load_or_create_key(tmp_path / "keys")
    for i in range(10):
        with db.sessions.begin() as s:
            audit.record(
                s, username="kim", action="view_live", target=f"cam-{i}", detail={"n": i}, ip="10.0.0.1"
            )
    yield db, key
    db.close()


def _raw(db, *statements: str) -> None:
    """What someone with the database's owner rights could do: triggers off, then SQL."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER USER")
        for st in statements:
            conn.execute(text(st))
        if not db.is_sqlite:
            conn.exec_driver_sql("ALTER TABLE audit ENABLE TRIGGER USER")


def _problems(db, key) -> list[str]:
    return audit_chain.verify(db, key.public_key())[1]


def test_an_intact_chain_verifies_and_the_cli_says_so(chain, tmp_path) -> None:
    db, key = chain
    assert audit_chain.verify(db, key.public_key()) == (10, [])
    assert audit_chain.checkpoint(db, key).seq == 10
    assert audit_chain.checkpoint(db, key) is None  # the head has not moved
    out = tmp_path / "audit.jsonl"
    assert audit_chain.export(db, key.public_key(), out) == 10
    assert audit_chain.verify_export(out) == (10, [])
    from gwanje.cli.main import app

    lines = out.read_text().splitlines()
    lines[3] = lines[3].replace('"cam-2"', '"cam-9"')
    out.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["audit", "verify", "--file", str(out)])
    assert result.exit_code == 1 and "row seq 3" in result.output and "edited" in result.output


def test_an_edited_row_is_named(chain) -> None:
    db, key = chain
    _raw(db, "UPDATE audit SET target = 'cam-x' WHERE seq = 4")
    assert any("row seq 4" in p and "edited" in p for p in _problems(db, key)), _problems(db, key)


def test_a_deleted_row_is_named(chain) -> None:
    db, key = chain
    _raw(db, "DELETE FROM audit WHERE seq = 6")
    assert any("seq 6 are missing" in p for p in _problems(db, key)), _problems(db, key)


def test_rows_cut_off_the_end_show_against_a_checkpoint(chain) -> None:
    db, key = chain
    audit_chain.checkpoint(db, key)
    _raw(db, "DELETE FROM audit WHERE seq >= 9")
    problems = _problems(db, key)
    assert any("rows after seq 8 are missing" in p for p in problems), problems


def test_an_inserted_or_reordered_row_is_named(chain) -> None:
    db, key = chain
    _raw(
        db,
        "INSERT INTO audit (at, username, action, target, detail, ip) "
        "VALUES ('2026-12-01 00:00:00', 'mallory', 'login', NULL, '{}', '10.6.6.6')",
    )
    assert any("no place in the chain" in p for p in _problems(db, key))
    _raw(db, "DELETE FROM audit WHERE seq IS NULL")
    # two rows' contents swapped: both named
    _raw(
        db,
        "UPDATE audit SET target = CASE seq WHEN 2 THEN 'cam-7' ELSE 'cam-2' END WHERE seq IN (2, 8)",
    )
    problems = _problems(db, key)
    assert any("row seq 2" in p for p in problems) and any("row seq 8" in p for p in problems), problems


def test_a_forged_checkpoint_or_another_key_fails(chain, tmp_path) -> None:
    db, key = chain
    audit_chain.checkpoint(db, key)
    other = load_or_create_key(tmp_path / "other")
    problems = audit_chain.verify(db, other.public_key())[1]
    assert any("signature does not match" in p for p in problems)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_truncate(db_url, tmp_path) -> None:
    db = open_database(db_url)
    try:
        with db.sessions.begin() as s:
            audit.record(s, username="kim", action="login")
        for table in ("audit", "video_ledger"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {table}")
    finally:
        db.close()


def test_parallel_writers_never_fork_the_chain(db_url) -> None:
    db = open_database(db_url)

    def write(k: int) -> None:
        for i in range(15):
            with db.sessions.begin() as s:
                audit.record(s, username=f"u{k}", action="view_live", target=str(i))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert audit_chain.verify(db, None) == (60, [])
    db.close()


def test_rows_from_before_the_chain_are_chained_by_the_migration(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config

    from gwanje.store.db import MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        for i in range(5):
            conn.exec_driver_sql(
                "INSERT INTO audit (at, username, action, target, detail, ip) "
                f"VALUES ('2026-11-0{i + 1} 09:00:00.000000', 'kim', 'login', NULL, '{{\"n\": {i}}}', '10.0.0.{i}')"
            )
    engine.dispose()
    db = open_database(url)
    try:
        assert audit_chain.verify(db, None) == (5, [])
        with db.sessions.begin() as s:
            audit.record(s, username="park", action="login")
        assert audit_chain.verify(db, None) == (6, [])
        with pytest.raises(DBAPIError, match="append-only"), db.sessions.begin() as s:
            s.execute(text("UPDATE audit SET username = 'x'"))
    finally:
        db.close()
