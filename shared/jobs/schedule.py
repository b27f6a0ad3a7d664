"""Timed work inside `dangan serve`: the retention sweep at a set time of day,
the audit trail's anchor every so often. Several replicas may all run them:
the sweep is idempotent, and one anchor more is one more witness."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

log = logging.getLogger(__name__)


def seconds_until(at: time, now: datetime) -> float:
    target = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def run_daily(at: time, task: Callable[[date], object], stop: threading.Event, *,
              today: Callable[[], date]) -> threading.Thread:
    """``task(today())`` every day at ``at`` (local time) until ``stop`` is set;
    ``today`` is the deployment's clock."""
    def loop() -> None:
        while not stop.wait(seconds_until(at, datetime.now().astimezone())):
            try:
                task(today())
            except Exception:  # tomorrow's run must still happen
                log.exception("the daily task failed")

    thread = threading.Thread(target=loop, name="daily", daemon=True)
    thread.start()
    return thread


def run_every(seconds: float, task: Callable[[], None], stop: threading.Event) -> threading.Thread:
    """``task()`` every ``seconds``, the first time one interval after the start,
    until ``stop`` is set."""
    def loop() -> None:
        while not stop.wait(seconds):
            try:
                task()
            except Exception:  # the next run must still happen
                log.exception("the periodic task failed")

    thread = threading.Thread(target=loop, name="periodic", daemon=True)
    thread.start()
    return thread
