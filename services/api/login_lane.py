"""Logins on threads of their own, apart from the threadpool every other
request uses for its token lookup and database work: a storm of failed
logins then waits for these threads, never the other users."""
from __future__ import annotations

import asyncio
import os
import random
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from shared import accounts
from shared.accounts import LoginAttempt
from shared.bootstrap import Container
from shared.config import HASHING_NICENESS, Settings
from shared.domain.errors import AuthenticationFailed, TooManyAttempts
from shared.domain.throttle import LoginThrottle

T = TypeVar("T")


class LoginLane:
    """At most ``workers`` password hashes at a time, on threads that yield the
    CPU to requests; the logins' database steps on as many threads again; and
    at most ``queue`` logins waiting beyond those: past that a login is refused
    (429, retry shortly) instead of queueing without end."""

    def __init__(self, *, workers: int, queue: int) -> None:
        # the threads end once this object is collected (ThreadPoolExecutor holds it weakly)
        self._hashing = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password-check",
                                           initializer=_yield_the_cpu)
        self._workers = workers
        self._database: CapacityLimiter | None = None  # made on the event loop, at first use
        self._room = workers + queue
        self._taken = 0
        self._lock = threading.Lock()

    @classmethod
    def of(cls, settings: Settings) -> LoginLane:
        return cls(workers=settings.login_hash_workers, queue=settings.login_queue)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """One login's place in the lane, or 429 ``logins_busy`` when it is full."""
        with self._lock:
            if self._taken >= self._room:
                raise TooManyAttempts("too many logins at once; try again shortly",
                                      code="logins_busy", detail={"retry_after": 1})
            self._taken += 1
        try:
            yield
        finally:
            with self._lock:
                self._taken -= 1

    async def database(self, work: Callable[..., T], *args: object) -> T:
        if self._database is None:
            self._database = CapacityLimiter(self._workers)
        return await anyio.to_thread.run_sync(work, *args, limiter=self._database)

    async def hash(self, work: Callable[..., T], *args: object) -> T:
        future: Future[T] = self._hashing.submit(work, *args)
        try:
            return await asyncio.wrap_future(future)
        finally:
            if not future.done():  # the client hung up mid-hash: the hash keeps a place till it ends
                with self._lock:
                    self._taken += 1
                future.add_done_callback(self._release)

    def _release(self, _done: Future[T]) -> None:
        with self._lock:
            self._taken -= 1


async def log_in(ctx: Container, lane: LoginLane, attempt: LoginAttempt, password: str, *,
                 kind: str, hours: int) -> str:
    """A password login through the lane: the throttle first (nothing hashed
    when locked), the hash on the lane's threads, then a token of ``kind`` — a
    bearer token for the API or a session for the web page — or the refusal."""
    throttle = accounts.login_throttle(ctx.settings)
    try:
        async with lane.admitted():
            password_hash = await lane.database(_before_hashing, ctx, attempt, throttle)
            matched = await lane.hash(accounts.password_matches, password_hash, password)
            return await lane.database(_conclude, ctx, attempt, matched, throttle, kind, hours)
    except TooManyAttempts:
        # held back, costing nothing but a timer: a client that keeps N attempts
        # in flight is refused N times a second at most, not as fast as we can
        # answer; the jitter keeps N refused together from coming back together
        await asyncio.sleep(ctx.settings.login_refusal_pause_seconds * random.uniform(0.5, 1.5))
        raise


def _before_hashing(ctx: Container, attempt: LoginAttempt, throttle: LoginThrottle) -> str:
    """A locked attempt is refused here, before any hashing, with nothing written."""
    with ctx.uow() as uow:
        accounts.check_throttle(uow.session, attempt=attempt, throttle=throttle,
                                now=datetime.now(UTC))
        return accounts.stored_hash(uow.session, attempt.username)


def _conclude(ctx: Container, attempt: LoginAttempt, matched: bool, throttle: LoginThrottle,
              kind: str, hours: int) -> str:
    with ctx.transaction() as session:
        try:
            return accounts.conclude_login(session, attempt=attempt, matched=matched,
                                           throttle=throttle, now=datetime.now(UTC),
                                           hours=hours, kind=kind)
        except AuthenticationFailed:
            session.commit()  # keep the failure's count and audit record
            raise


def _yield_the_cpu() -> None:
    """Lower this hashing thread's CPU priority (argon2's own threads inherit
    it): requests get the cores first, and a login still gets its share on a
    machine kept busy — never SCHED_IDLE, under which a login waits for as long
    as anything else wants the cores."""
    if sys.platform == "linux":  # there a thread id names one thread; elsewhere the whole process
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
