"""The job runner on the real queue (SQLite, and PostgreSQL when configured),
with tiny handlers: lanes, parking at once, release on shutdown."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.db.models import Job
from shared.domain.errors import PermanentFailure, StorageUnavailable
from shared.jobs import queue
from shared.jobs.queue import Claimed
from shared.jobs.runner import Crew, Worker


@dataclass
class Probe:
    """A handler that records its runs, and fails or blocks when told to."""
    error: Exception | None = None
    hold: threading.Event | None = None
    ran: list[int] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    parked_with: list[str] = field(default_factory=list)

    def run(self, job: Claimed) -> None:
        self.started.set()
        if self.hold is not None:
            self.hold.wait(30)
        self.ran.append(job.id)
        if self.error is not None:
            raise self.error

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        self.parked_with.append(error)


def add_job(ctx: Container, kind: str) -> int:
    with ctx.transaction() as session:
        job = queue.enqueue(session, kind=kind, payload={}, max_attempts=5)
        session.flush()
        return job.id


def job(ctx: Container, job_id: int) -> Job:
    with ctx.uow() as uow:
        row = uow.session.get(Job, job_id)
        uow.session.expunge(row)
        return row


def wait_until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_permanent_failure_parks_the_job_at_its_first_attempt(container: Container) -> None:
    probe = Probe(error=PermanentFailure("no reader opens this file"))
    job_id = add_job(container, "extract")

    Worker(container.database, {"extract": probe}, lease_seconds=60).drain()

    parked = job(container, job_id)
    assert (parked.state, parked.attempts) == ("parked", 1)
    assert "no reader opens this file" in parked.last_error
    assert len(probe.parked_with) == 1 and "no reader opens this file" in probe.parked_with[0]


def test_an_ordinary_failure_waits_for_a_retry_without_parking(container: Container) -> None:
    probe = Probe(error=StorageUnavailable("the store is down"))
    job_id = add_job(container, "extract")

    Worker(container.database, {"extract": probe}, lease_seconds=60).drain()

    retried = job(container, job_id)
    assert (retried.state, retried.attempts) == ("queued", 1)
    assert probe.parked_with == []


def crew_of(container: Container, extract: Probe, light: Probe, *, grace: float) -> Crew:
    crew = Crew(grace_seconds=grace)
    crew.add(Worker(container.database, {"extract": extract}, lease_seconds=60, poll_seconds=0.05),
             name="extract-0")
    crew.add(Worker(container.database, {"index": light, "protect": light}, lease_seconds=60,
                    poll_seconds=0.05), name="light")
    return crew


def test_an_index_job_runs_while_a_long_extraction_holds_its_lane(container: Container) -> None:
    hold = threading.Event()
    extract, light = Probe(hold=hold), Probe()
    long_job = add_job(container, "extract")
    later_extract = add_job(container, "extract")
    index_job = add_job(container, "index")
    crew = crew_of(container, extract, light, grace=5)
    crew.start()
    try:
        assert extract.started.wait(10)
        wait_until(lambda: job(container, index_job).state == "done", seconds=5)
        assert job(container, long_job).state == "running"
        assert job(container, later_extract).state == "queued"
    finally:
        hold.set()
        crew.shutdown()
    assert job(container, long_job).state == "done"


def test_a_job_still_running_at_shutdown_is_released_for_another_worker(
        container: Container) -> None:
    hold = threading.Event()
    extract = Probe(hold=hold)
    job_id = add_job(container, "extract")
    crew = crew_of(container, extract, Probe(), grace=0.5)
    crew.start()
    assert extract.started.wait(10)

    started = time.monotonic()
    released = crew.shutdown()

    assert time.monotonic() - started < 3
    assert released == [job_id]
    back = job(container, job_id)
    assert (back.state, back.attempts, back.lease_until, back.locked_by) == ("queued", 0, None, None)
    hold.set()  # the abandoned run ends now; its outcome must not touch the released job
    time.sleep(0.3)
    assert job(container, job_id).state == "queued"
    other = Probe()
    assert Worker(container.database, {"extract": other}, lease_seconds=60).drain() == 1
    assert other.ran == [job_id]
    assert (job(container, job_id).state, job(container, job_id).attempts) == ("done", 1)


def test_a_job_that_ends_within_the_bound_is_finished_not_released(container: Container) -> None:
    hold = threading.Event()
    extract = Probe(hold=hold)
    job_id = add_job(container, "extract")
    crew = crew_of(container, extract, Probe(), grace=10)
    crew.start()
    assert extract.started.wait(10)
    threading.Timer(0.5, hold.set).start()

    released = crew.shutdown()

    assert released == []
    assert (job(container, job_id).state, job(container, job_id).attempts) == ("done", 1)


def test_no_job_is_claimed_once_a_shutdown_began(container: Container) -> None:
    extract = Probe()
    crew = crew_of(container, extract, Probe(), grace=1)
    crew.start()
    crew.stop_claiming()
    time.sleep(0.3)  # the lanes notice and end their loops
    job_id = add_job(container, "extract")
    time.sleep(0.3)

    crew.shutdown()

    assert extract.ran == []
    assert job(container, job_id).state == "queued"
