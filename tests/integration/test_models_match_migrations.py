"""The tables the Alembic migrations build are the tables shared/db/models.py
declares: same tables, columns (type, nullability, server default), indexes,
unique constraints and foreign keys — on SQLite and on PostgreSQL. A model
changed without its migration, or the reverse, fails here.

No difference is ignored today; one that must be (say, a type SQLite stores
by affinity only) goes in ``differences`` with the reason beside it."""
from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, create_engine

from shared.db.models import Base
from shared.db.session import make_engine, migrate


def differences(connection: Connection, metadata: MetaData = Base.metadata) -> list[Any]:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "compare_server_default": True})
    return compare_metadata(context, metadata)


def migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def test_the_migrations_build_the_models_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(migrated_sqlite(tmp_path))
    with engine.connect() as connection:
        found = differences(connection)
    engine.dispose()
    assert found == [], pprint.pformat(found)


def test_the_migrations_build_the_models_on_postgresql(pg_migrated: str) -> None:
    engine = create_engine(pg_migrated)
    with engine.connect() as connection:
        found = differences(connection)
    engine.dispose()
    assert found == [], pprint.pformat(found)


def test_a_missing_table_column_or_index_or_a_changed_type_is_seen(tmp_path: Path) -> None:
    """The comparison is not blind: a model ahead of its migrations differs."""
    ahead = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(ahead)
    jobs = ahead.tables["jobs"]
    jobs.append_column(Column("priority", Integer, nullable=True))
    Index("ix_jobs_kind", jobs.c.kind)
    Table("ghosts", ahead, Column("id", Integer, primary_key=True))
    ahead.tables["users"].c.username.type = String(200)

    engine = make_engine(migrated_sqlite(tmp_path))
    with engine.connect() as connection:
        found = differences(connection, ahead)
    engine.dispose()

    # column changes come grouped in a list per column
    flat = [d for entry in found for d in (entry if isinstance(entry, list) else [entry])]
    assert {what(d) for d in flat} == {
        ("add_column", "jobs.priority"), ("add_index", "ix_jobs_kind"), ("add_table", "ghosts"),
        ("modify_type", "users.username")}, pprint.pformat(found)


def what(difference: tuple[Any, ...]) -> tuple[str, str]:
    """(operation, the table, column or index it concerns), from alembic's tuples."""
    operation = difference[0]
    if operation.endswith("_column"):  # (op, schema, table, Column)
        return operation, f"{difference[2]}.{difference[3].name}"
    if operation.startswith("modify_"):  # (op, schema, table, column name, ...)
        return operation, f"{difference[2]}.{difference[3]}"
    return operation, difference[1].name  # (op, Table | Index | constraint)
