"""The Store: one SQL database (SQLite file or PostgreSQL) shared by the api, scheduler and
protection processes.

    store = Store("sqlite:////var/lib/smaug/smaug.db")   # migrates to head on construction
    with store.write() as session:                        # serialised write transaction
        ...                                               # committed on exit, rolled back on error
    with store.read() as session:
        ...

``write()`` transactions are serialised: SQLite takes the database write lock up front
(``BEGIN IMMEDIATE``, so concurrent writers queue on the busy timeout instead of failing on a
lock upgrade); on PostgreSQL code that needs mutual exclusion locks rows with
``SELECT ... FOR UPDATE`` (see ``smaug.store.quotas``). Engines are synchronous; async code calls
them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from smaug.store import migrations
from smaug.store.models import Base

SQLITE_BUSY_TIMEOUT_MS = 30_000
_MIGRATIONS_DIR = str(Path(migrations.__file__).resolve().parent)
_migrate_lock = threading.Lock()


def utcnow() -> datetime:
    """Now as a naive UTC datetime, the form every time column holds (microseconds kept)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


def _sqlite_engine(url: sa.engine.URL, immediate: bool) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest); existing data is kept."""
    config = AlembicConfig()
    config.set_main_option("script_location", _MIGRATIONS_DIR)
    config.set_main_option("version_locations", _MIGRATIONS_DIR)
    config.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(config)

    def upgrade(rev: Any, context: Any) -> Any:
        return script._upgrade_revs(revision, rev)

    with _migrate_lock, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes may start at once: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7242411)")
        with EnvironmentContext(config, script, fn=upgrade) as environment:
            environment.configure(connection=connection, target_metadata=Base.metadata)
            with environment.begin_transaction():
                environment.run_migrations()


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """The database: engines, migrations and sessions. Thread-safe; share one per process."""

    def __init__(self, url: str, *, migrate_to: str | None = "head") -> None:
        self.url = sa.engine.make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self._read_engine = _sqlite_engine(self.url, immediate=False)
            self._write_engine = _sqlite_engine(self.url, immediate=True)
        else:
            self._read_engine = sa.create_engine(
                self.url, pool_pre_ping=True, pool_size=10, max_overflow=20
            )
            self._write_engine = self._read_engine
        self._read = sessionmaker(self._read_engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        if migrate_to is not None:
            migrate(self._write_engine, migrate_to)

    @property
    def engine(self) -> sa.Engine:
        return self._write_engine

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A serialised read-write transaction, committed on success, rolled back on error."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (not committed)."""
        with self._read() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self._read_engine.dispose()
        if self._write_engine is not self._read_engine:
            self._write_engine.dispose()


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir}/smaug.db"
