"""``dangan``: serve the archive and manage it from the shell."""
from __future__ import annotations

import logging
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

import click

from services.cli.access import access
from services.cli.audit import audit
from services.cli.backup import backup, restore
from services.cli.check import check
from services.cli.common import State, handles_errors, load_settings, report_recovery
from services.cli.completeness import completeness, expiring
from services.cli.customers import customers
from services.cli.destruction import destruction
from services.cli.documents import documents
from services.cli.handovers import handovers_group
from services.cli.ingest import ingest
from services.cli.jobs import jobs_status, on_signal, reindex, worker
from services.cli.retention import holds, retention
from services.cli.search import search
from services.cli.stats import stats
from services.cli.users import users

if TYPE_CHECKING:  # imported by `serve` alone, when it runs
    import uvicorn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def cli(ctx: click.Context, as_json: bool) -> None:
    """Dangan (档案): a records archive for customer files.

    Configuration comes from DANGAN_* environment variables; with none set,
    everything runs embedded under ./var (SQLite, local objects)."""
    ctx.obj = State(as_json)


@cli.command()
@click.option("--host", help="Interface to listen on (default DANGAN_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default DANGAN_PORT or 8000).")
@handles_errors
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API (and its docs at /docs)."""
    import uvicorn

    from shared.accounts import count_users
    from services.api.app import create_app
    from services.composition import build_archive
    from services.ingest.recovery import recover

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    archive = build_archive(settings)
    container = archive.core
    report_recovery(recover(container))
    with container.uow() as uow:
        if count_users(uow.session) == 0:
            click.echo("No users yet. Create the first administrator with:\n"
                       "  .venv/bin/dangan users add admin --role admin --clearance 1 --password-stdin\n",
                       err=True)
    app = create_app(settings, archive=archive)
    crew = archive.start_workers(extractors=settings.workers)
    archive.start_daily_sweep(crew.stopping)
    archive.start_audit_anchoring(crew.stopping)
    # uvicorn restores these handlers and re-raises the signal once it has
    # stopped: SIGTERM must then reach this handler, not end the process
    # before the workers are stopped below
    on_signal(crew.stop_claiming)
    server = _server(uvicorn.Config(app, host=host or settings.host, port=port or settings.port,
                                    log_level="info",
                                    timeout_graceful_shutdown=max(1, int(settings.shutdown_seconds))),
                     on_exit=crew.stop_claiming)
    where = f"http://{host or settings.host}:{port or settings.port}"
    click.echo(f"Dangan serving on {where}  (API docs: {where}/docs; data: {settings.home.resolve()})",
               err=True)
    try:
        server.run()
    finally:
        crew.shutdown()


@cli.command()
def migrate() -> None:
    """Bring the metadata database schema up to date (serve does this too)."""
    from shared.bootstrap import build

    build(load_settings()).close()
    click.echo("database schema is up to date")


cli.add_command(users)
cli.add_command(customers)
cli.add_command(ingest)
cli.add_command(search)
cli.add_command(worker)
cli.add_command(reindex)
cli.add_command(jobs_status)
cli.add_command(retention)
cli.add_command(holds)
cli.add_command(destruction)
cli.add_command(audit)
cli.add_command(access)
cli.add_command(check)
cli.add_command(backup)
cli.add_command(restore)
cli.add_command(stats)
cli.add_command(completeness)
cli.add_command(expiring)
cli.add_command(handovers_group)
cli.add_command(documents)


def _server(config: uvicorn.Config, *, on_exit: Callable[[], None]) -> uvicorn.Server:
    """uvicorn's server, telling the workers to stop claiming the moment it is
    told to exit: both then stop within DANGAN_SHUTDOWN_SECONDS, not one after the other."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            on_exit()
            super().handle_exit(sig, frame)

    return Server(config)


def main() -> None:
    cli()

