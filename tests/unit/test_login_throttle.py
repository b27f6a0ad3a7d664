"""The login throttle rule (shared/domain/throttle.py): when failures lock,
for how long, and when they are forgotten."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.throttle import NONE, Failures, LoginThrottle, ThrottleRule, retry_after

RULE = ThrottleRule(threshold=5, first_delay=timedelta(seconds=30),
                    longest_delay=timedelta(minutes=15))
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def failed(times: int, *, rule: ThrottleRule = RULE, at: datetime = T0) -> Failures:
    failures = NONE
    for _ in range(times):
        failures = rule.after_failure(failures, at)
    return failures


@pytest.mark.parametrize("count, delay", [
    (1, 0), (4, 0), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900), (11, 900), (500, 900),
])
def test_the_delay_starts_at_the_threshold_doubles_and_stops_at_the_ceiling(count: int,
                                                                            delay: int) -> None:
    assert RULE.delay(count) == timedelta(seconds=delay)


def test_below_the_threshold_an_attempt_never_waits() -> None:
    assert RULE.wait(failed(4), T0) == timedelta(0)


def test_the_threshold_failure_locks_for_the_first_delay() -> None:
    assert RULE.wait(failed(5), T0 + timedelta(seconds=10)) == timedelta(seconds=20)


def test_the_lock_ends_after_its_delay() -> None:
    assert RULE.wait(failed(5), T0 + timedelta(seconds=30)) == timedelta(0)


def test_one_more_failure_after_a_lock_locks_twice_as_long() -> None:
    later = T0 + timedelta(seconds=31)
    again = RULE.after_failure(failed(5), later)
    assert again.count == 6 and RULE.wait(again, later) == timedelta(seconds=60)


def test_failures_are_forgotten_after_a_quiet_day() -> None:
    next_day = T0 + timedelta(days=1)
    assert RULE.current(failed(9), next_day) == NONE
    assert RULE.after_failure(failed(9), next_day).count == 1


def test_a_lockout_starts_once_at_the_threshold_failure() -> None:
    assert [RULE.locks(failed(n), T0) for n in range(7)] == [False] * 4 + [True, False, False]


def test_a_new_lockout_after_the_last_one_ended_is_a_lockout_again() -> None:
    assert RULE.locks(failed(5), T0 + timedelta(seconds=30))


def test_the_account_and_address_rules_share_the_delays() -> None:
    throttle = LoginThrottle.of(account_failures=5, address_failures=20, first_delay_seconds=30,
                                longest_delay_seconds=900)
    assert (throttle.account.threshold, throttle.address.threshold) == (5, 20)
    assert throttle.address.delay(21) == timedelta(seconds=60)


@pytest.mark.parametrize("wait, seconds", [(0.2, 1), (1.0, 1), (1.01, 2), (899.5, 900)])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, seconds: int) -> None:
    assert retry_after(timedelta(seconds=wait)) == seconds
