"""Password checks on a few threads of their own, apart from the threadpool
every other request uses for its token lookup and database work: a storm of
failed logins then waits for these threads, never the other users."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from shared.config import Settings
from shared.domain.errors import TooManyAttempts

T = TypeVar("T")


class PasswordChecks:
    """At most ``workers`` hashes at a time and ``queue`` more waiting; past
    that a login is answered at once (429, retry shortly) instead of queueing
    without end."""

    def __init__(self, *, workers: int, queue: int) -> None:
        # the threads end once this object is collected (ThreadPoolExecutor holds it weakly)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password-check")
        self._room = workers + queue
        self._taken = 0
        self._lock = threading.Lock()

    @classmethod
    def of(cls, settings: Settings) -> PasswordChecks:
        return cls(workers=settings.login_hash_workers, queue=settings.login_queue)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._taken >= self._room:
                raise TooManyAttempts("too many logins at once; try again shortly",
                                      code="logins_busy", detail={"retry_after": 1})
            self._taken += 1
        # the place is given back when the hash ends, even if the client went away before
        future: Future[T] = self._pool.submit(work, *args)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _done: Future[T]) -> None:
        with self._lock:
            self._taken -= 1
