"""Alembic environment: runs on the connection handed over by shared.db.session.migrate,
or on DANGAN_DATABASE_URL / the embedded SQLite file when run by the alembic CLI."""
from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from shared.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from shared.config import Settings

    config.set_main_option("sqlalchemy.url", Settings().sqlalchemy_url)
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool)
    with engine.begin() as conn:
        _run(conn)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
