"""``dangan worker`` and ``dangan reindex``: background work and its repair."""
from __future__ import annotations

import logging
import signal
from collections.abc import Callable

import click

from shared.bootstrap import Container
from shared.jobs import EXTRACT, INDEX
from shared.jobs.queue import counts
from shared.jobs.runner import Crew, Handler, Worker
from shared.protection import PROTECT, ProtectHandler
from services.cli.common import State, emit, handles_errors, pass_state, report_recovery
from services.ingest.extract import ExtractHandler
from services.ingest.ocr import OcrPool
from services.ingest.recovery import recover
from services.search import IndexHandler, SearchIndex, all_documents, build_index

KINDS = (EXTRACT, INDEX, PROTECT)
LIGHT = (INDEX, PROTECT)  # quick jobs with a lane of their own: never behind an OCR backlog


def ocr_pool(ctx: Container) -> OcrPool:
    settings = ctx.settings
    return OcrPool(settings.ocr_engine, settings.ocr_workers, page_seconds=settings.ocr_page_seconds)


def handlers(ctx: Container, index: SearchIndex, *, kinds: tuple[str, ...] = KINDS,
             ocr: OcrPool | None = None) -> dict[str, Handler]:
    """The job handlers of this deployment, by kind."""
    available: dict[str, Handler] = {}
    if PROTECT in kinds:
        available[PROTECT] = ProtectHandler()
    if EXTRACT in kinds:
        available[EXTRACT] = ExtractHandler(ocr or ocr_pool(ctx))
    if INDEX in kinds:
        available[INDEX] = IndexHandler(index)
    return available


def start_workers(ctx: Container, index: SearchIndex, *, extractors: int,
                  kinds: tuple[str, ...] = KINDS) -> Crew:
    """Two lanes: ``extractors`` threads for extraction, each with its OCR
    pool, and one thread for the light kinds. None at all when ``extractors``
    is 0 (an API replica whose jobs run in `dangan worker` processes)."""
    crew = Crew(grace_seconds=ctx.settings.shutdown_seconds)
    lease = ctx.settings.job_lease_seconds
    if extractors == 0:
        return crew
    if EXTRACT in kinds:
        for n in range(extractors):
            pool = ocr_pool(ctx)
            crew.add(Worker(ctx, handlers(ctx, index, kinds=(EXTRACT,), ocr=pool),
                            lease_seconds=lease), name=f"extract-{n}", close=pool.close)
    light = tuple(kind for kind in LIGHT if kind in kinds)
    if light:
        crew.add(Worker(ctx, handlers(ctx, index, kinds=light), lease_seconds=lease,
                        poll_seconds=0.5), name="light")
    crew.start()
    return crew


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
    ctx = state.container
    report_recovery(recover(ctx))
    index = build_index(ctx.settings)
    kinds = kinds or KINDS
    if drain:
        pool = ocr_pool(ctx) if EXTRACT in kinds else None
        try:
            done = Worker(ctx, handlers(ctx, index, kinds=kinds, ocr=pool),
                          lease_seconds=ctx.settings.job_lease_seconds).drain()
        finally:
            if pool is not None:
                pool.close()
        emit(state, {"jobs_run": done}, f"ran {done} jobs")
        return
    crew = start_workers(ctx, index, extractors=1, kinds=kinds)
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
    ctx = state.container
    index = build_index(ctx.settings)
    count = index.rebuild(all_documents(ctx))
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
