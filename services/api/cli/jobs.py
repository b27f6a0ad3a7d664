"""``dangan worker`` and ``dangan reindex``: background work and its repair."""
from __future__ import annotations

import logging
import signal
import threading

import click

from shared.bootstrap import Container
from shared.jobs import EXTRACT, INDEX
from shared.jobs.queue import counts
from shared.jobs.runner import Handler, Worker
from shared.protection import PROTECT, ProtectHandler
from services.api.cli.common import State, emit, handles_errors, pass_state
from services.ingest.extract import ExtractHandler
from services.ingest.ocr import OcrPool
from services.search import IndexHandler, SearchIndex, all_documents, build_index


def handlers(ctx: Container, index: SearchIndex, *,
             kinds: tuple[str, ...] = (EXTRACT, INDEX, PROTECT)) -> dict[str, Handler]:
    """The job handlers of this deployment, by kind."""
    available: dict[str, Handler] = {}
    if PROTECT in kinds:
        available[PROTECT] = ProtectHandler()
    if EXTRACT in kinds:
        available[EXTRACT] = ExtractHandler(OcrPool(ctx.settings.ocr_engine, ctx.settings.ocr_workers))
    if INDEX in kinds:
        available[INDEX] = IndexHandler(index)
    return available


def start_workers(ctx: Container, index: SearchIndex, count: int) -> tuple[threading.Event, list]:
    stop = threading.Event()
    threads = []
    for n in range(count):
        worker = Worker(ctx, handlers(ctx, index), lease_seconds=ctx.settings.job_lease_seconds)
        thread = threading.Thread(target=worker.run_forever, args=(stop,), name=f"worker-{n}",
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return stop, threads


@click.command()
@click.option("--drain", is_flag=True, help="Run until no job is left, then exit.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([EXTRACT, INDEX, PROTECT]),
              help="Only these kinds of job (default: all).")
@pass_state
@handles_errors
def worker(state: State, drain: bool, kinds: tuple[str, ...]) -> None:
    """Run extraction and indexing jobs (any number, on any machine sharing the database)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = state.container
    index = build_index(ctx.settings)
    runner = Worker(ctx, handlers(ctx, index, kinds=kinds or (EXTRACT, INDEX, PROTECT)),
                    lease_seconds=ctx.settings.job_lease_seconds)
    if drain:
        done = runner.drain()
        emit(state, {"jobs_run": done}, f"ran {done} jobs")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runner.run_forever(stop)


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
