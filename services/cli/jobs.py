"""``dangan worker`` and ``dangan reindex``: background work and its repair."""
from __future__ import annotations

import logging
import signal
from collections.abc import Callable

import click

from shared.jobs import EXTRACT
from shared.jobs.queue import counts
from services.cli.common import State, emit, handles_errors, pass_state, report_recovery
from services.composition import KINDS
from services.ingest.recovery import recover
from services.search import all_documents


@click.command()
@click.option("--drain", is_flag=True, help="Run until no job is left, then exit.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only these kinds of job (default: all).")
@pass_state
@handles_errors
def worker(state: State, drain: bool, kinds: tuple[str, ...]) -> None:
    """Run extraction, indexing and protection jobs (any number of these
    processes, on any machine sharing the database): one thread extracts,
    another indexes and protects, so those never wait behind OCR. SIGTERM or
    SIGINT stops it; a job still running after DANGAN_SHUTDOWN_SECONDS is
    released for another worker."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    archive = state.archive
    report_recovery(recover(archive.core))
    kinds = kinds or KINDS
    if drain:
        pool = archive.ocr_pool() if EXTRACT in kinds else None
        try:
            done = archive.worker(kinds=kinds, ocr=pool).drain()
        finally:
            if pool is not None:
                pool.close()
        emit(state, {"jobs_run": done}, f"ran {done} jobs")
        return
    crew = archive.start_workers(extractors=1, kinds=kinds)
    archive.start_audit_anchoring(crew.stopping)
    on_signal(crew.stop_claiming)
    try:
        crew.wait()
    finally:
        crew.shutdown()


def on_signal(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT begin a graceful stop (call from the main thread)."""
    signal.signal(signal.SIGTERM, lambda *_: stop())
    signal.signal(signal.SIGINT, lambda *_: stop())


@click.command()
@pass_state
@handles_errors
def reindex(state: State) -> None:
    """Rebuild the search index from the database and switch to it atomically."""
    archive = state.archive
    count = archive.index.rebuild(all_documents(archive.core.database))
    emit(state, {"indexed": count}, f"indexed {count} documents")


@click.command("jobs")
@pass_state
@handles_errors
def jobs_status(state: State) -> None:
    """Count jobs by kind and state (queued, running, done, parked)."""
    with state.container.uow() as uow:
        data = counts(uow.session)
    emit(state, data, lambda d: "\n".join(
        f"{kind:<8} " + "  ".join(f"{s} {n}" for s, n in sorted(states.items()))
        for kind, states in sorted(d.items())) or "no jobs")
