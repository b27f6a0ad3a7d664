"""Runs jobs: claim with a lease, run the handler outside any transaction while
a heartbeat keeps the lease, then record done, retry or parked.

Handlers are registered by kind at the entry point (``dangan serve`` in-process,
``dangan worker`` standalone), so the same code runs embedded or at scale.
A handler must be idempotent: a job whose worker died is run again. A handler
raises :class:`PermanentFailure` for an error no retry can fix, and the job is
parked at once.

A :class:`Crew` runs workers in lanes — threads that claim only some kinds —
so index and protect jobs never wait behind a long extraction, and stops them
within a bound: a job still running then is released for another worker."""
from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from shared.db.session import Database
from shared.domain.errors import PermanentFailure
from shared.jobs import queue
from shared.jobs.queue import Claimed

log = logging.getLogger(__name__)
_serial = itertools.count(1)  # several workers in one thread still get distinct names


class Handler(Protocol):
    """Runs one kind of job. A handler is built with what it uses (the
    database, the store, the index, an OCR pool): see services/composition.py."""

    def run(self, job: Claimed) -> None: ...

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        """Record, in the job's own terms, that it gave up (e.g. extraction failed)."""


@dataclass
class Worker:
    database: Database
    handlers: dict[str, Handler]
    name: str = ""
    lease_seconds: int = 300
    poll_seconds: float = 1.0
    current: Claimed | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or f"{socket.gethostname()}:{os.getpid()}:{next(_serial)}"

    def run_once(self) -> bool:
        """Run one job if there is one; True if a job was run."""
        with self.database.transaction() as session:
            job = queue.claim(session, kinds=list(self.handlers), worker=self.name,
                              lease_seconds=self.lease_seconds)
        if job is None:
            return False
        self.current = job
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, stop), daemon=True)
        beat.start()
        try:
            self.handlers[job.kind].run(job)
        except Exception as exc:  # recorded on the job, retried or parked
            stop.set()
            self._failed(job, exc)
        else:
            stop.set()
            with self.database.transaction() as session:
                queue.complete(session, job_id=job.id, worker=self.name)
        finally:
            self.current = None
        beat.join()
        return True

    def release(self) -> bool:
        """Give the job in hand back to the queue (this worker is stopping)."""
        job = self.current
        if job is None:
            return False
        with self.database.transaction() as session:
            released = queue.release(session, job_id=job.id, worker=self.name)
        if released:
            log.warning("job %s (%s) released: its worker stopped before it ended", job.id, job.kind)
        return released

    def _failed(self, job: Claimed, exc: Exception) -> None:
        error = "".join(traceback.format_exception_only(exc)).strip()
        permanent = isinstance(exc, PermanentFailure)
        with self.database.transaction() as session:
            state = queue.fail(session, job_id=job.id, worker=self.name, error=error,
                               permanent=permanent)
            if state == queue.JobState.PARKED:
                self.handlers[job.kind].parked(session, job, error)
        if state is None:  # released at shutdown, or its lease ran out: not this run's to record
            log.info("job %s (%s) ended after its worker let it go: %s", job.id, job.kind, error)
            return
        log.warning("job %s (%s) attempt %s failed%s: %s", job.id, job.kind, job.attempt,
                    " for good" if permanent else "", error)

    def _heartbeat(self, job: Claimed, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            with self.database.transaction() as session:
                if not queue.extend(session, job_id=job.id, worker=self.name,
                                    lease_seconds=self.lease_seconds):
                    log.warning("job %s: lease lost", job.id)
                    return

    def run_forever(self, stop: threading.Event, *, on_idle: Callable[[], None] | None = None) -> None:
        log.info("worker %s handling %s", self.name, ", ".join(self.handlers))
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database hiccup must not kill the worker
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


Closer = Callable[..., None]  # close(patience=seconds): free what a worker holds (its OCR pool)


@dataclass
class _Member:
    worker: Worker
    thread: threading.Thread
    close: Closer | None


class Crew:
    """Worker threads started and stopped together. Each thread runs one
    :class:`Worker`; a lane is the workers given the same kinds."""

    def __init__(self, *, grace_seconds: float, closers: tuple[Closer, ...] = ()) -> None:
        self.grace_seconds = grace_seconds
        self._closers = closers  # what the members share (the page-reading processes)
        self.stopping = threading.Event()
        self._stop_asked: float | None = None
        self._members: list[_Member] = []

    def add(self, worker: Worker, *, name: str, close: Closer | None = None) -> None:
        thread = threading.Thread(target=worker.run_forever, args=(self.stopping,), name=name,
                                  daemon=True)  # a job stuck past the bound must not hold the exit
        self._members.append(_Member(worker, thread, close))

    def start(self) -> None:
        for member in self._members:
            member.thread.start()

    def stop_claiming(self) -> None:
        """Begin a shutdown: no new job is claimed; the bound runs from now.
        Safe in a signal handler."""
        if self._stop_asked is None:
            self._stop_asked = time.monotonic()
        self.stopping.set()

    def wait(self) -> None:
        """Block until a shutdown begins (or every thread has ended)."""
        while not self.stopping.wait(0.5):
            if not any(member.thread.is_alive() for member in self._members):
                return

    def shutdown(self) -> list[int]:
        """Stop: let running jobs end within the bound, release the ones that
        did not, close what the workers hold. Returns the released job ids."""
        self.stop_claiming()
        deadline = (self._stop_asked or time.monotonic()) + self.grace_seconds
        for member in self._members:
            member.thread.join(max(0.0, deadline - time.monotonic()))
        released = []
        any_late = False
        for member in self._members:
            late = member.thread.is_alive()
            any_late = any_late or late
            job = member.worker.current
            if late and job is not None and member.worker.release():
                released.append(job.id)
            if member.close is not None:
                # a late job is abandoned: its OCR processes are stopped now, not awaited
                member.close(patience=0.0 if late else 2.0)
        for close in self._closers:
            # left running, a page being read holds the interpreter's exit until it ends
            close(patience=0.0 if any_late else 2.0)
        deadline = time.monotonic() + 1.0
        for member in self._members:
            member.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return released
