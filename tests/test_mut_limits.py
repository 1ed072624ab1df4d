"""Client-side limits pinned figure by figure: quota headers read, kept per bucket and
admitted against, the concurrency slots and the request spacing. Direct tests of
:mod:`toggl_async.limits` (its public classes), each written against a change mutation
testing showed the transport tests let through. No test waits for real: clocks are given."""

from __future__ import annotations

import asyncio
import math
import time
from types import ModuleType
from typing import Any

import pytest

import toggl_async.limits as limits_module
from toggl_async.limits import (
    MAX_RESETS_IN,
    Quota,
    QuotaGate,
    QuotaTracker,
    RateLimiter,
    Slots,
    parse_quota,
    quota_bucket,
)

REMAINING = "X-Toggl-Quota-Remaining"
RESETS = "X-Toggl-Quota-Resets-In"


def headers(remaining: str | None = None, resets: str | None = None) -> dict[str, str]:
    out = {}
    if remaining is not None:
        out[REMAINING] = remaining
    if resets is not None:
        out[RESETS] = resets
    return out


# -- parse_quota ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "resets", "expected"),
    [
        ("5", "120", (5, 120.0)),
        ("0", "0", (0, 0.0)),
        ("-3", "10", (-3, 10.0)),
        (" 7 ", "10.5", (7, 10.5)),
        ("1000000000", "3600", (10**9, 3600.0)),  # the largest figures taken as they are
        ("1000000001", "10", (10**9, 10.0)),  # beyond: clamped
        ("-1000000001", "10", (-(10**9), 10.0)),
        ("5", "3601", (5, MAX_RESETS_IN)),
        ("5", "-4", (5, 0.0)),
        ("5.0", "10", (5, 10.0)),  # not an int literal: read as a number
        ("5.9", "10", (5, 10.0)),
        ("inf", "inf", (10**9, MAX_RESETS_IN)),
        ("-inf", "-inf", (-(10**9), 0.0)),
        ("5", None, (5, 0.0)),  # no reset figure: nothing to wait for
        (None, "120", (0, 120.0)),  # no remaining figure next to a reset: none left
        (None, " 60 ", (0, 60.0)),
    ],
)
def test_quota_headers_are_read_and_clamped(
    remaining: str | None, resets: str | None, expected: tuple[int, float]
) -> None:
    parsed = parse_quota(headers(remaining, resets))
    assert parsed == expected
    assert parsed is not None and type(parsed[0]) is int and type(parsed[1]) is float


@pytest.mark.parametrize(
    ("remaining", "resets"),
    [(None, None), ("lots", "10"), ("5", "soon"), ("nan", "10"), ("5", "nan"), ("", "")],
)
def test_quota_headers_that_say_nothing_usable_are_ignored(
    remaining: str | None, resets: str | None
) -> None:
    assert parse_quota(headers(remaining, resets)) is None


def test_a_path_without_workspace_or_organization_id_is_the_users_bucket() -> None:
    assert quota_bucket("/workspaces") == "user"
    assert quota_bucket("/organizations/x/users") == "user"
    assert quota_bucket("/me/workspaces/3") == "workspace:3"


# -- Quota --------------------------------------------------------------------------------------


def test_a_quota_counts_down_to_its_reset() -> None:
    quota = Quota(bucket="user", remaining=0, resets_in=10.0, observed_at=100.0)
    assert quota.seconds_to_reset(104.0) == 6.0
    assert quota.seconds_to_reset(110.0) == 0.0
    assert quota.seconds_to_reset(500.0) == 0.0
    assert quota.exhausted(104.0)
    assert not quota.exhausted(110.0)  # the window has reset
    assert Quota(bucket="u", remaining=-1, resets_in=10.0, observed_at=100.0).exhausted(101.0)
    assert not Quota(bucket="u", remaining=1, resets_in=10.0, observed_at=100.0).exhausted(101.0)


def test_a_quota_without_a_time_uses_the_monotonic_clock() -> None:
    now = time.monotonic()
    quota = Quota(bucket="user", remaining=0, resets_in=1000.0, observed_at=now)
    assert 990.0 < quota.seconds_to_reset() <= 1000.0
    assert quota.exhausted()
    old = Quota(bucket="user", remaining=0, resets_in=10.0, observed_at=now - 100)
    assert old.seconds_to_reset() == 0.0 and not old.exhausted()


# -- QuotaTracker -------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_tracker_keeps_the_lowest_figure_of_a_window_per_bucket() -> None:
    clock = Clock()
    tracker = QuotaTracker(clock)
    assert tracker.latest is None and tracker.get("user") is None
    first = tracker.observe("user", headers("10", "60"))
    assert first == Quota(bucket="user", remaining=10, resets_in=60.0, observed_at=1000.0)
    clock.now = 1001.0
    assert tracker.observe("user", headers("12", "59")) is first  # older, higher: stale
    assert tracker.get("user") is first
    clock.now = 1002.0
    same = tracker.observe("user", headers("10", "58"))  # as low: the newer reading
    assert same is not None and same.observed_at == 1002.0 and same.resets_in == 58.0
    lower = tracker.observe("user", headers("8", "58"))
    assert lower is not None and lower.remaining == 8
    assert tracker.get("user") is lower and tracker.latest is lower


def test_a_higher_figure_in_the_last_second_of_a_window_is_still_stale() -> None:
    clock = Clock()
    tracker = QuotaTracker(clock)
    first = tracker.observe("user", headers("1", "60"))
    clock.now = 1059.5  # half a second before the reset
    assert tracker.observe("user", headers("5", "0.5")) is first


def test_a_new_window_replaces_the_figure_outright() -> None:
    clock = Clock()
    tracker = QuotaTracker(clock)
    tracker.observe("user", headers("1", "60"))
    clock.now = 1060.0  # the window has just reset
    fresh = tracker.observe("user", headers("100", "3600"))
    assert fresh is not None and fresh.remaining == 100 and fresh.observed_at == 1060.0


def test_buckets_are_kept_apart_and_latest_is_the_last_observed() -> None:
    clock = Clock()
    tracker = QuotaTracker(clock)
    user = tracker.observe("user", headers("50", "60"))
    work = tracker.observe("workspace:7", headers("90", "60"))
    assert tracker.latest is work
    assert tracker.get("user") is user and tracker.get("workspace:7") is work
    snapshot = tracker.snapshot()
    assert snapshot == {"user": user, "workspace:7": work}
    snapshot.clear()  # a copy: the tracker keeps its figures
    assert tracker.get("user") is user


def test_responses_without_usable_quota_headers_change_nothing() -> None:
    tracker = QuotaTracker(Clock())
    assert tracker.observe("user", {}) is None
    assert tracker.observe("user", headers("lots", "soon")) is None
    assert tracker.latest is None and tracker.snapshot() == {}
    only_reset = tracker.observe("user", headers(None, "30"))
    assert only_reset is not None and only_reset.remaining == 0
    only_left = QuotaTracker(Clock()).observe("user", headers("4", None))
    assert only_left is not None and (only_left.remaining, only_left.resets_in) == (4, 0.0)


# -- QuotaGate ----------------------------------------------------------------------------------


def _gate(remaining: str, resets: str, age: float = 0.0) -> QuotaGate:
    """A gate whose bucket ``user`` was told ``remaining``/``resets`` ``age`` seconds ago."""
    tracker = QuotaTracker(lambda: time.monotonic() - age)
    tracker.observe("user", headers(remaining, resets))
    return QuotaGate(tracker)


def test_the_gate_admits_no_more_requests_than_the_quota_has_left() -> None:
    gate = _gate("2", "600")
    assert gate.admit("user") is None and gate.admit("user") is None
    assert gate.in_flight("user") == 2
    blocked = gate.admit("user")
    assert blocked is not None and blocked.remaining == 2
    assert gate.in_flight("user") == 2  # a refused request is not in flight
    gate.done("user")
    assert gate.in_flight("user") == 1
    assert gate.admit("user") is None


def test_the_gate_admits_freely_without_figures_or_after_the_reset() -> None:
    gate = QuotaGate(QuotaTracker())
    assert all(gate.admit("user") is None for _ in range(5))
    assert gate.in_flight("user") == 5 and gate.in_flight("workspace:1") == 0
    reset = _gate("0", "60", age=120.0)  # spent, but the window is over
    assert reset.admit("user") is None
    spent = _gate("0", "600")
    assert spent.admit("user") is not None
    assert spent.admit("workspace:3") is None  # another bucket is not held back


async def test_waiters_for_a_bucket_wake_when_one_of_its_requests_ends() -> None:
    gate = _gate("1", "600")
    assert gate.admit("user") is None
    async with asyncio.timeout(5):
        first = asyncio.ensure_future(gate.changed("user"))
        second = asyncio.ensure_future(gate.changed("user"))
        other = asyncio.ensure_future(gate.changed("workspace:1"))
        await asyncio.sleep(0)
        assert not first.done() and not second.done()
        gate.done("user")
        await asyncio.gather(first, second)
        assert not other.done()
        other.cancel()
        # a new wait after the wake-up waits for the next end, not the old one
        third = asyncio.ensure_future(gate.changed("user"))
        await asyncio.sleep(0)
        assert not third.done()
        gate.admit("user")
        gate.done("user")
        await third


async def test_a_cancelled_waiter_does_not_cancel_the_others() -> None:
    gate = _gate("1", "600")
    gate.admit("user")
    async with asyncio.timeout(5):
        first = asyncio.ensure_future(gate.changed("user"))
        second = asyncio.ensure_future(gate.changed("user"))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        gate.done("user")
        await second
    assert first.cancelled()


# -- Slots ----------------------------------------------------------------------------------------


async def test_slots_bound_holders_and_hand_over_in_order() -> None:
    slots = Slots(2)
    assert slots.try_acquire() and slots.try_acquire()
    assert not slots.try_acquire()
    order: list[str] = []

    async def take(name: str) -> None:
        await slots.acquire()
        order.append(name)

    async with asyncio.timeout(5):
        waiters = [asyncio.ensure_future(take(n)) for n in ("a", "b", "c")]
        await asyncio.sleep(0)
        assert order == []
        slots.release()
        await asyncio.sleep(0)
        assert order == ["a"]
        assert not slots.try_acquire()  # the freed slot went to the first in line
        slots.release()
        slots.release()
        await asyncio.gather(*waiters)
    assert order == ["a", "b", "c"]
    for _ in range(2):
        slots.release()
    assert slots.try_acquire() and slots.try_acquire() and not slots.try_acquire()


async def test_a_free_slot_is_taken_at_once_by_acquire() -> None:
    slots = Slots(1)
    async with asyncio.timeout(5):
        await slots.acquire()
    assert not slots.try_acquire()
    slots.release()
    assert slots.try_acquire()


async def test_a_waiter_cancelled_in_the_queue_gives_back_no_slot_it_never_had() -> None:
    slots = Slots(1)
    assert slots.try_acquire()
    async with asyncio.timeout(5):
        waiter = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert not slots.try_acquire()  # the holder still holds the only slot
    slots.release()
    assert slots.try_acquire() and not slots.try_acquire()


# -- RateLimiter ------------------------------------------------------------------------------


class _Sleeps(ModuleType):
    def __init__(self) -> None:
        super().__init__("asyncio")
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


async def test_the_rate_limiter_spaces_requests_by_its_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _Sleeps()
    monkeypatch.setattr(limits_module, "asyncio", fake)
    clock = Clock(10.0)
    limiter = RateLimiter(4.0, clock=clock)
    await limiter.acquire()  # the first goes at once
    await limiter.acquire()
    await limiter.acquire()
    assert fake.sleeps == [0.25, 0.5]
    clock.now = 20.0  # long idle: no debt, no burst either
    await limiter.acquire()
    await limiter.acquire()
    assert fake.sleeps == [0.25, 0.5, 0.25]


async def test_a_rate_below_one_a_second_is_a_wait_of_more_than_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _Sleeps()
    monkeypatch.setattr(limits_module, "asyncio", fake)
    limiter = RateLimiter(0.5, clock=Clock(0.0))
    await limiter.acquire()
    await limiter.acquire()
    assert fake.sleeps == [2.0]


@pytest.mark.parametrize("rate", [0, -1.0, math.nan])
def test_a_rate_that_is_not_positive_is_refused(rate: float) -> None:
    with pytest.raises(
        ValueError, match=f"rate_limit must be a positive number of requests/second, got {rate}"
    ):
        RateLimiter(rate)
