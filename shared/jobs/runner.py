"""Runs jobs: claim with a lease, run the handler outside any transaction while
a heartbeat keeps the lease, then record done, retry or parked.

Handlers are registered by kind at the entry point (``dangan serve`` in-process,
``dangan worker`` standalone), so the same code runs embedded or at scale.
A handler must be idempotent: a job whose worker died is run again."""
from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass
from typing import Callable, Protocol

from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.jobs import queue
from shared.jobs.queue import Claimed

log = logging.getLogger(__name__)


class Handler(Protocol):
    def run(self, ctx: Container, job: Claimed) -> None: ...

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        """Record, in the job's own terms, that it gave up (e.g. extraction failed)."""


@dataclass
class Worker:
    ctx: Container
    handlers: dict[str, Handler]
    name: str = ""
    lease_seconds: int = 300
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        self.name = self.name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def run_once(self) -> bool:
        """Run one job if there is one; True if a job was run."""
        with self.ctx.transaction() as session:
            job = queue.claim(session, kinds=list(self.handlers), worker=self.name,
                              lease_seconds=self.lease_seconds)
        if job is None:
            return False
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, stop), daemon=True)
        beat.start()
        try:
            self.handlers[job.kind].run(self.ctx, job)
        except Exception as exc:  # noqa: BLE001 - recorded on the job, retried or parked
            stop.set()
            self._failed(job, exc)
        else:
            stop.set()
            with self.ctx.transaction() as session:
                queue.complete(session, job_id=job.id, worker=self.name)
        beat.join()
        return True

    def _failed(self, job: Claimed, exc: Exception) -> None:
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempt, error)
        with self.ctx.transaction() as session:
            state = queue.fail(session, job_id=job.id, worker=self.name, error=error)
            if state == queue.PARKED:
                self.handlers[job.kind].parked(session, job, error)

    def _heartbeat(self, job: Claimed, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            with self.ctx.transaction() as session:
                if not queue.extend(session, job_id=job.id, worker=self.name,
                                    lease_seconds=self.lease_seconds):
                    log.warning("job %s: lease lost", job.id)
                    return

    def run_forever(self, stop: threading.Event, *, on_idle: Callable[[], None] | None = None) -> None:
        log.info("worker %s handling %s", self.name, ", ".join(self.handlers))
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker %s: could not claim or record a job", self.name)
                busy = False
            if not busy:
                if on_idle:
                    on_idle()
                stop.wait(self.poll_seconds)

    def drain(self, *, limit: int = 10_000) -> int:
        """Run jobs until none is runnable (tests, `dangan worker --drain`)."""
        done = 0
        while done < limit and self.run_once():
            done += 1
        return done
