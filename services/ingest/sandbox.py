"""Untrusted files are decoded in child processes, not in the server.

pdfium and Pillow decode what a file declares: an image of 40,000² pixels in
an 800-byte PDF, a content stream that inflates to gigabytes, a PNG whose
frame is 110 megapixels of RGBA. Bounds on what we ask for (pages, pixels of
a render) cannot bound what a library allocates on the way. So checking an
upload and reading a document's pages run in a small pool of processes, each
with an address-space limit (RLIMIT_AS) and each call with a time limit: a
file that exceeds either is refused (or its page named unreadable), the
process is replaced, and the server itself never grows. Several processes
also mean one costly file does not hold up everyone else's uploads."""
from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from shared.domain.errors import DanganError
from services.ingest.process_lifetime import die_with_parent, stop_pool, watch_owner

T = TypeVar("T")
MEMORY_BYTES = 1536 * 1024 * 1024  # address space of one decoding process


class DecodeFailed(DanganError):
    """A file could not be decoded within the memory or time bound."""

    code = "too_costly_to_read"


def _limit(memory: int, owner: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    die_with_parent()
    watch_owner(owner)


class SandboxClosed(RuntimeError):
    """The sandbox was closed: its process is stopping."""


class Sandbox:
    """A pool of decoding processes; ``call`` runs a function in one of them."""

    def __init__(self, *, processes: int, memory: int = MEMORY_BYTES) -> None:
        self.processes = processes
        self.memory = memory
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def call(self, fn: Callable[..., T], *args: Any, timeout: float, **kwargs: Any) -> T:
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return pool.submit(fn, *args, **kwargs).result(timeout=timeout)
            except FutureTimeout:
                self._replace(pool)
                raise DecodeFailed(f"reading it took over {timeout:.0f} s") from None
            except MemoryError:
                raise DecodeFailed("reading it needs more memory than a file may take") from None
            except BrokenProcessPool:
                self._replace(pool)
                if self._closed:
                    raise SandboxClosed("the reading processes were stopped: "
                                        "this process is ending") from None
                if attempt == 2:
                    raise DecodeFailed("reading it needs more memory than a file may take, "
                                       "or crashed the reader") from None
                # perhaps another call's file broke the pool this one waited in: once more
        raise AssertionError("unreachable")

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise SandboxClosed("the reading processes were stopped: this process is ending")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes, mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_limit, initargs=(self.memory, os.getpid()))
            return self._pool

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """Drop ``pool`` (and stop its processes) if it is still the current one."""
        with self._lock:
            mine = self._pool is pool
            if mine:
                self._pool = None
        if mine:
            stop_pool(pool, patience=0.0)

    def close(self, *, patience: float = 2.0) -> None:
        """Stop the processes for good: a call still running, or a later one,
        raises :class:`SandboxClosed`."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool, patience=patience)


_shared: dict[str, Sandbox] = {}
_shared_lock = threading.Lock()


def _shared_sandbox(purpose: str, processes: int) -> Sandbox:
    with _shared_lock:
        if purpose not in _shared:
            _shared[purpose] = Sandbox(processes=processes)
        return _shared[purpose]


def close_sandboxes(*, patience: float = 2.0) -> None:
    """Stop every shared sandbox's processes for good (`dangan serve` or
    `dangan worker` ending): a page still being read would otherwise hold the
    interpreter's exit, which waits for a process pool's running calls."""
    with _shared_lock:
        sandboxes = list(_shared.values())
    for sandbox in sandboxes:
        sandbox.close(patience=patience)


def inspection_sandbox() -> Sandbox:
    """The processes that check uploads in this process (made at first use)."""
    return _shared_sandbox("inspect", 2)


def reading_sandbox() -> Sandbox:
    """The processes that read pages for extraction in this process, shared by
    its extraction threads (made at first use)."""
    return _shared_sandbox("read", 2)
