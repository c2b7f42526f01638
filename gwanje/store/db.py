"""Engine and sessions: SQLite in WAL mode by default, PostgreSQL when the URL says so.

``open_database`` brings the schema up to date with Alembic before anything else touches it.

Reads use ``db.sessions()``, changes ``db.sessions.begin()``. On SQLite a change takes the
database's write lock when it begins (``BEGIN IMMEDIATE``): what it reads cannot be changed by
another writer before it commits, so two actions on one alert (or one request) run one after the
other and the second sees the first's result (a 409), as ``SELECT ... FOR UPDATE`` gives on
PostgreSQL. Without it the driver begins a transaction only at the first write, both read the
same old state and both "win".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """A database that cannot be used; the message says which and why."""


def database_url(data_dir: Path) -> str:
    """``GWANJE_DATABASE_URL`` when set, else ``sqlite:///DATA_DIR/gwanje.db``."""
    return os.environ.get("GWANJE_DATABASE_URL") or f"sqlite:///{(data_dir / 'gwanje.db').resolve()}"


WRITE = "gwanje_write"  # execution option of the engine behind changes


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    dbapi_conn.isolation_level = None  # the driver's own BEGIN off: _sqlite_begin emits ours
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit survives the process being killed (it is in the OS's cache);
    # only a power cut can lose the last transactions
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001 - SQLAlchemy connection
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


class Sessions:
    """``sessions()`` a session to read in; ``sessions.begin()`` a transaction that changes."""

    def __init__(self, engine: Engine) -> None:
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(**{WRITE: True}), expire_on_commit=False)

    def __call__(self) -> Session:
        return self._read()

    def begin(self):  # noqa: ANN201 - the session's context manager
        return self._write.begin()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration the database lacks."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass
class Database:
    engine: Engine
    sessions: Sessions

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str, migrate: bool = True) -> Database:
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open the database {engine.url.render_as_string()}: {exc}") from exc
    return Database(engine, Sessions(engine))
