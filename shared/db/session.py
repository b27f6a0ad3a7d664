"""Engines, the unit of work and migrations for SQLite and PostgreSQL."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from shared.domain.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
READING = "dangan_reading"  # the execution option of a read-only unit of work


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin, so that
        # every transaction can take the write lock up front (BEGIN IMMEDIATE):
        # two writers never deadlock upgrading a read lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # a unit of work that only reads (Database.reading) begins deferred: in WAL
        # mode it then never waits for a writer, nor a writer for it
        reading = conn.get_execution_options().get(READING, False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class UnitOfWork:
    """Owns one session and its transaction: commit is explicit, anything else
    rolls back. Driver connection failures become ``DatabaseUnavailable``."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        # pg8000 lets a refused or reset socket escape unwrapped while (re)connecting
        if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, TimeoutError)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            raise DatabaseUnavailable(
                "the metadata database is unavailable", detail=str(getattr(exc, "orig", exc))[:300]
            ) from exc

    def commit(self) -> None:
        self.session.commit()


class Database:
    """The metadata database as the services see it: units of work, nothing
    else. What a job handler or a worker that only reads and writes rows is given."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads: on SQLite it takes no write lock, so
        it never waits behind writers (a write in it would fail, not wait)."""
        engine = self.sessions.kw["bind"]
        reader = engine.execution_options(**{READING: True})
        return UnitOfWork(sessionmaker(bind=reader, expire_on_commit=False))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work that commits when the block ends without an error."""
        with self.uow() as uow:
            yield uow.session
            uow.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. ``Session.execute`` is typed as
    returning a ``Result``; for these statements it is a ``CursorResult``."""
    return cast("CursorResult[Any]", result).rowcount
