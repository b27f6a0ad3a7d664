"""Login throttling as a rule (SPEC §4): after a few failed logins for one
account, or more from one client address, further attempts wait, and the
wait doubles with every failure after that, up to a ceiling. Plain values,
no IO; shared/accounts.py keeps the counters and applies the rule."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Failures:
    """What is known of the failed logins of one account or one address."""

    count: int = 0
    last_at: datetime | None = None
    locked_until: datetime | None = None


NONE = Failures()


@dataclass(frozen=True)
class ThrottleRule:
    """``threshold`` failures lock for ``first_delay``; each further failure
    doubles the lock, never beyond ``longest_delay``. Failures older than
    ``forget_after`` no longer count."""

    threshold: int
    first_delay: timedelta
    longest_delay: timedelta
    forget_after: timedelta = timedelta(days=1)

    def delay(self, count: int) -> timedelta:
        """How long ``count`` failures lock for (zero below the threshold)."""
        if count < self.threshold:
            return timedelta(0)
        doublings = min(count - self.threshold, 32)  # 2**32 × any delay is past every ceiling
        return min(self.first_delay * 2 ** doublings, self.longest_delay)

    def current(self, failures: Failures, now: datetime) -> Failures:
        """``failures`` as they count at ``now``: forgotten once old enough."""
        if failures.last_at is None or now - failures.last_at >= self.forget_after:
            return NONE
        return failures

    def wait(self, failures: Failures, now: datetime) -> timedelta:
        """How long an attempt at ``now`` must still wait (zero: it may go ahead)."""
        until = self.current(failures, now).locked_until
        return max(until - now, timedelta(0)) if until else timedelta(0)

    def after_failure(self, failures: Failures, now: datetime) -> Failures:
        """The counter once one more failure happened at ``now``."""
        count = self.current(failures, now).count + 1
        delay = self.delay(count)
        return Failures(count=count, last_at=now, locked_until=now + delay if delay else None)

    def locks(self, before: Failures, now: datetime) -> bool:
        """Whether one more failure at ``now`` starts a lockout that was not
        running: the moment to record the throttling, once per lockout."""
        return not self.wait(before, now) and bool(self.wait(self.after_failure(before, now), now))


@dataclass(frozen=True)
class LoginThrottle:
    """The two counters a login is held to: its account's and its address's."""

    account: ThrottleRule
    address: ThrottleRule

    @classmethod
    def of(cls, *, account_failures: int, address_failures: int, first_delay_seconds: float,
           longest_delay_seconds: float) -> LoginThrottle:
        first, longest = timedelta(seconds=first_delay_seconds), timedelta(seconds=longest_delay_seconds)
        return cls(account=ThrottleRule(account_failures, first, longest),
                   address=ThrottleRule(address_failures, first, longest))


def retry_after(wait: timedelta) -> int:
    """Whole seconds for a Retry-After header: never zero while a wait remains."""
    return max(1, math.ceil(wait.total_seconds()))
