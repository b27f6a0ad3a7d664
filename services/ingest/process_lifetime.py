"""Processes that must not outlive the worker that owns them: OCR pool
processes (about 640 MiB each) and the ``tesseract`` programs they start.
A worker killed outright (SIGKILL, OOM) runs no cleanup, so each child
arranges its own end:

- Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the child
  when its parent goes;
- a thread that watches the owner: with the forkserver context a pool
  process's parent is the forkserver, not the worker, so the death signal
  alone would wait for the forkserver to notice.

Elsewhere than Linux the death signal is a no-op and the watching thread acts alone."""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the thread that forked it ends."""
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def child_dies_with_us() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a subprocess that must not outlive this process.
    prctl is looked up here, before the fork: the child only makes the call."""
    if _prctl() is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os._exit(1)
    return preexec


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process has the pid: ours is gone
        return False
    return True


def watch_owner(owner: int, *, every: float = 0.5) -> None:
    """End this process as soon as ``owner`` or this process's parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent or not _alive(owner):
                os._exit(1)

    threading.Thread(target=watch, name="watch-owner", daemon=True).start()


def stop_pool(pool: ProcessPoolExecutor, *, patience: float) -> None:
    """Shut the executor down and make sure its processes are gone: the
    executor itself never interrupts a page that is being read. Pages not
    started are not cancelled (a cancelled future never wakes ``wait``): the
    stopped processes fail them with BrokenProcessPool."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False)
    deadline = time.monotonic() + patience
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()  # its tesseract, if any, gets SIGKILL (PR_SET_PDEATHSIG)
    for process in processes:
        process.join(2.0)
        if process.is_alive():
            process.kill()
            process.join(2.0)
