"""The job queue itself, on a SQLite file with the real tables and a clock the
test moves: claim order, leases, back-off, parking, release, counts. How the
runner drives it (lanes, shutdown, permanent failures) is test_job_runner.py."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from shared.db.models import Base, Job
from shared.db.session import make_engine, session_factory
from shared.jobs import queue
from shared.jobs.queue import Claimed, JobState

LEASE = 60


class Clock:
    """The queue's notion of now, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        # later than any job's creation time, so what is enqueued is runnable at once
        self.now = datetime.now(UTC) + timedelta(minutes=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(queue, "_now", moved)
    return moved


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


def add(sessions: sessionmaker[Session], kind: str = "extract", *, max_attempts: int = 5) -> int:
    with sessions.begin() as session:
        job = queue.enqueue(session, kind=kind, payload={"n": 1}, max_attempts=max_attempts)
        session.flush()
        return job.id


def claim(sessions: sessionmaker[Session], worker: str, kinds: tuple[str, ...] = ("extract",)
          ) -> Claimed | None:
    with sessions.begin() as session:
        return queue.claim(session, kinds=list(kinds), worker=worker, lease_seconds=LEASE)


def fail(sessions: sessionmaker[Session], job_id: int, worker: str) -> JobState | None:
    with sessions.begin() as session:
        return queue.fail(session, job_id=job_id, worker=worker, error=f"failed under {worker}")


def row(sessions: sessionmaker[Session], job_id: int) -> Job:
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_the_oldest_runnable_job_of_the_asked_kinds_is_claimed_first(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    first, index, second = add(sessions), add(sessions, "index"), add(sessions)

    claimed = [claim(sessions, "w1"), claim(sessions, "w1"), claim(sessions, "w1")]

    assert [c.id if c else None for c in claimed] == [first, second, None]
    other = claim(sessions, "w1", ("index", "protect"))
    assert other == Claimed(index, "index", {"n": 1}, 1)


def test_a_claimed_job_is_held_under_a_lease_no_other_worker_takes(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions)

    assert claim(sessions, "w1") is not None
    assert claim(sessions, "w2") is None
    held = row(sessions, job_id)
    assert (held.state, held.locked_by, held.attempts) == (JobState.RUNNING, "w1", 1)
    assert held.lease_until == clock.now + timedelta(seconds=LEASE)


def test_a_job_whose_lease_ran_out_is_claimed_again_as_its_next_attempt(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions)
    claim(sessions, "w1")
    clock.advance(LEASE + 1)

    again = claim(sessions, "w2")

    assert again is not None and (again.id, again.attempt) == (job_id, 2)
    with sessions.begin() as session:  # the first worker has lost it
        assert not queue.extend(session, job_id=job_id, worker="w1", lease_seconds=LEASE)
        assert not queue.complete(session, job_id=job_id, worker="w1")
    assert fail(sessions, job_id, "w1") is None
    assert (row(sessions, job_id).state, row(sessions, job_id).locked_by) == (JobState.RUNNING, "w2")


def test_extend_keeps_the_lease_past_its_first_end(sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions)
    claim(sessions, "w1")
    clock.advance(LEASE - 10)
    with sessions.begin() as session:
        assert queue.extend(session, job_id=job_id, worker="w1", lease_seconds=LEASE)
        assert not queue.extend(session, job_id=job_id, worker="w2", lease_seconds=LEASE)

    clock.advance(LEASE - 10)  # past the first lease, inside the extended one
    assert claim(sessions, "w2") is None
    clock.advance(11)
    assert claim(sessions, "w2") is not None


def test_a_failure_is_retried_after_a_growing_back_off_then_parked_after_max_attempts(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions, max_attempts=3)
    for attempt, back_off in ((1, 2), (2, 4)):
        claimed = claim(sessions, "w1")
        assert claimed is not None and claimed.attempt == attempt
        assert fail(sessions, job_id, "w1") == JobState.QUEUED
        assert row(sessions, job_id).run_after == clock.now + timedelta(seconds=back_off)
        clock.advance(back_off - 1)
        assert claim(sessions, "w1") is None  # still waiting
        clock.advance(1)

    assert claim(sessions, "w1") is not None
    assert fail(sessions, job_id, "w1") == JobState.PARKED

    parked = row(sessions, job_id)
    assert (parked.state, parked.attempts, parked.lease_until) == (JobState.PARKED, 3, None)
    assert parked.last_error == "failed under w1"
    clock.advance(3600)
    assert claim(sessions, "w1") is None


def test_the_back_off_grows_to_five_minutes_at_most(sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions, max_attempts=20)
    waits = []
    for _ in range(10):
        claim(sessions, "w1")
        fail(sessions, job_id, "w1")
        waits.append((row(sessions, job_id).run_after - clock.now).total_seconds())
        clock.advance(300)
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_lease_that_runs_out_on_the_last_attempt_parks_the_job_and_the_next_is_claimed(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    last_chance = add(sessions, max_attempts=1)
    behind = add(sessions)
    claim(sessions, "w1")  # takes last_chance, then dies
    clock.advance(LEASE + 1)

    claimed = claim(sessions, "w2")

    assert claimed is not None and claimed.id == behind
    parked = row(sessions, last_chance)
    assert parked.state == JobState.PARKED
    assert "lease of w1 ran out on the last attempt" in (parked.last_error or "")


def test_release_gives_the_job_back_at_once_with_its_attempt_uncounted(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions)
    claim(sessions, "w1")
    with sessions.begin() as session:
        assert not queue.release(session, job_id=job_id, worker="w2")  # not w2's to give
        assert queue.release(session, job_id=job_id, worker="w1")
        assert not queue.release(session, job_id=job_id, worker="w1")  # given already

    again = claim(sessions, "w2")
    assert again is not None and (again.id, again.attempt) == (job_id, 1)


def test_complete_marks_the_job_done_once_and_clears_its_last_error(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    job_id = add(sessions)
    claim(sessions, "w1")
    fail(sessions, job_id, "w1")
    clock.advance(2)
    claim(sessions, "w1")

    with sessions.begin() as session:
        assert queue.complete(session, job_id=job_id, worker="w1")
        assert not queue.complete(session, job_id=job_id, worker="w1")

    done = row(sessions, job_id)
    assert (done.state, done.attempts, done.lease_until, done.last_error) == (JobState.DONE, 2, None, None)
    clock.advance(3600)
    assert claim(sessions, "w1") is None


def test_counts_group_the_jobs_by_kind_and_state(sessions: sessionmaker[Session], clock: Clock) -> None:
    finished, running, _waiting = add(sessions), add(sessions), add(sessions)
    given_up = add(sessions, "index", max_attempts=1)
    claim(sessions, "w1")
    claim(sessions, "w1")
    claim(sessions, "w1", ("index",))
    fail(sessions, given_up, "w1")
    with sessions.begin() as session:
        queue.complete(session, job_id=finished, worker="w1")

    with sessions() as session:
        assert queue.counts(session) == {"extract": {"done": 1, "running": 1, "queued": 1},
                                         "index": {"parked": 1}}
    assert row(sessions, running).state == JobState.RUNNING


def test_retrying_parked_jobs_queues_them_with_fresh_attempts(
        sessions: sessionmaker[Session], clock: Clock) -> None:
    one, two = add(sessions, max_attempts=1), add(sessions, max_attempts=1)
    for job_id in (one, two):
        claim(sessions, "w1")
        fail(sessions, job_id, "w1")

    with sessions.begin() as session:
        assert queue.retry_parked(session, job_id=one) == 1
    with sessions.begin() as session:
        assert queue.retry_parked(session) == 1  # the other one; the first is queued already

    assert [(row(sessions, j).state, row(sessions, j).attempts) for j in (one, two)] == [
        (JobState.QUEUED, 0), (JobState.QUEUED, 0)]
    assert claim(sessions, "w2") is not None


def test_each_state_is_stored_as_its_plain_name(sessions: sessionmaker[Session], clock: Clock) -> None:
    """Rows written before the states were an enum, and other readers of the
    table (the metrics, SQL by hand), see the same strings."""
    finished, parked, running, _queued = (add(sessions), add(sessions, max_attempts=1), add(sessions),
                                          add(sessions))
    claim(sessions, "w1")
    with sessions.begin() as session:
        queue.complete(session, job_id=finished, worker="w1")
    claim(sessions, "w1")
    fail(sessions, parked, "w1")
    claim(sessions, "w1")

    with sessions() as session:
        stored = session.execute(text("SELECT state FROM jobs ORDER BY id")).scalars().all()
    assert stored == ["done", "parked", "running", "queued"]
    assert [str(state) for state in JobState] == ["queued", "running", "done", "parked"]
    assert row(sessions, running).locked_by == "w1"
