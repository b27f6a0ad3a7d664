"""build(settings) -> the wired container: embedded or production parts."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings
from shared.db.session import Database, UnitOfWork, make_engine, migrate, session_factory
from shared.domain.completeness import DEFAULT_CHECKLIST_PATH, Checklist, load_checklist
from shared.domain.retention import DEFAULT_SCHEDULE_PATH, Schedule, load_schedule
from shared.storage import BlobStore
from shared.storage.local import LocalDirectoryStore
from shared.storage.s3 import S3Store


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: BlobStore
    schedule: Schedule
    checklist: Checklist
    clock: Callable[[], date] = date.today  # today's date; tests set their own

    def today(self) -> date:
        return self.clock()

    @property
    def database(self) -> Database:
        """The metadata database alone, for what needs nothing else."""
        return Database(self.sessions)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads and never waits for writers (Database.reading)."""
        return self.database.reading()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work that commits when the block ends without an error."""
        with self.database.transaction() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def build_store(settings: Settings) -> BlobStore:
    if settings.uses_s3:
        return S3Store(
            bucket=settings.s3_bucket or "",
            endpoint_url=settings.s3_endpoint,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            sse=settings.s3_sse,
            lock_mode=settings.s3_lock_mode,
        )
    return LocalDirectoryStore(settings.objects_dir)


def build(settings: Settings, *, run_migrations: bool = True, store: BlobStore | None = None
          ) -> Container:
    schedule = load_schedule(settings.retention_schedule or DEFAULT_SCHEDULE_PATH)
    checklist = load_checklist(settings.completeness_checklist or DEFAULT_CHECKLIST_PATH)
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    if run_migrations:
        migrate(engine)
    return Container(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        store=store or build_store(settings),
        schedule=schedule,
        checklist=checklist,
    )
