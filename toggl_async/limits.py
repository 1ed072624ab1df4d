"""Client-side limits: the request-rate bucket and the tracker of Toggl's hourly quota.

Toggl enforces two things (see TOGGL_API.md §3): a leaky bucket per token and IP (HTTP 429)
and an hourly quota per user and organization (HTTP 402 with ``X-Toggl-Quota-*`` headers).
:class:`RateLimiter` keeps us under the first by spacing requests; :class:`QuotaTracker`
remembers the latest quota headers per bucket so a caller can see what is left and the
transport can wait for a reset *before* spending a request that would be refused.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import Callable, Mapping

import attrs

__all__ = [
    "MAX_RESETS_IN",
    "Quota",
    "QuotaGate",
    "QuotaTracker",
    "RateLimiter",
    "Slots",
    "parse_quota",
    "quota_bucket",
]

_WORKSPACE = re.compile(r"/workspaces?/(\d+)")
_ORGANIZATION = re.compile(r"/organizations/(\d+)")


def quota_bucket(path: str) -> str:
    """Which hourly quota a path draws on: its workspace's or organization's, else the user's.

    Toggl counts ``/me`` calls against the user and workspace/organization calls against the
    organization's plan; we key workspaces by id since the path does not name the org.
    """
    if "/workspace" not in path and "/organizations/" not in path:
        return "user"  # the common /me case without a regex
    match = _WORKSPACE.search(path)
    if match:
        return f"workspace:{match.group(1)}"
    match = _ORGANIZATION.search(path)
    if match:
        return f"organization:{match.group(1)}"
    return "user"


@attrs.frozen(kw_only=True)
class Quota:
    """The last quota headers Toggl sent for one bucket."""

    bucket: str
    remaining: int
    resets_in: float
    """Seconds until the window resets, as of ``observed_at``."""
    observed_at: float
    """``time.monotonic()`` when the headers arrived."""

    def seconds_to_reset(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return max(0.0, self.resets_in - (now - self.observed_at))

    def exhausted(self, now: float | None = None) -> bool:
        """True while the quota is spent and the window has not reset yet."""
        return self.remaining <= 0 and self.seconds_to_reset(now) > 0


MAX_RESETS_IN = 3600.0
"""Toggl's quota window is an hour: a ``Resets-In`` beyond it is clamped to it."""
_MAX_REMAINING = 10**9
"""No plan has more requests an hour; larger (or infinite) values are clamped to it."""


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(value) else value


def parse_quota(headers: Mapping[str, str]) -> tuple[int, float] | None:
    """``(remaining, resets_in)`` from a response's headers, or None when absent or garbage.

    Never raises: ``inf``, ``1e400`` and junk are clamped or ignored, because one odd header
    must not turn a good response into a crash. An absent ``Remaining`` next to a present
    ``Resets-In`` reads as 0 left; ``resets_in`` is clamped to ``[0, MAX_RESETS_IN]``.
    """
    return _parse_pair(
        headers.get("X-Toggl-Quota-Remaining"), headers.get("X-Toggl-Quota-Resets-In")
    )


def _parse_pair(remaining: str | None, resets: str | None) -> tuple[int, float] | None:
    """:func:`parse_quota` on the two header values (None when a header is absent)."""
    if remaining is None and resets is None:
        return None
    if remaining is not None and resets is not None:
        try:  # the usual pair of small integers, without the checks below
            left_int, reset_float = int(remaining), float(resets)
        except ValueError:
            pass
        else:
            if abs(left_int) <= _MAX_REMAINING and 0.0 <= reset_float <= MAX_RESETS_IN:
                return left_int, reset_float
    left = _number(remaining) if remaining is not None else 0.0
    reset = _number(resets) if resets is not None else 0.0
    if left is None or reset is None:
        return None
    left = min(max(left, -_MAX_REMAINING), _MAX_REMAINING)
    return int(left), min(max(reset, 0.0), MAX_RESETS_IN)


class QuotaTracker:
    """The latest :class:`Quota` per bucket, fed by every response.

    Within one window the lowest ``remaining`` wins: responses can arrive out of order, and
    an older, higher figure must not re-open a spent quota. A new window (the previous one
    has reset) replaces the figure outright.

    Every response may carry the headers, so :meth:`note` keeps a plain tuple per bucket;
    the :class:`Quota` a caller reads is built from it when asked for, once per figure.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # bucket -> (remaining, resets_in, observed_at): the figure get() gives, as a Quota.
        self._seen: dict[str, tuple[int, float, float]] = {}
        self._built: dict[str, tuple[tuple[int, float, float], Quota]] = {}
        self._latest: str | None = None

    def observe(self, bucket: str, headers: Mapping[str, str]) -> Quota | None:
        if "X-Toggl-Quota-Remaining" not in headers and "X-Toggl-Quota-Resets-In" not in headers:
            return None  # the common case, checked before any parsing
        if not self.note(
            bucket, headers.get("X-Toggl-Quota-Remaining"), headers.get("X-Toggl-Quota-Resets-In")
        ):
            return None
        return self.get(bucket)

    def note(self, bucket: str, remaining: str | None, resets_in: str | None) -> bool:
        """Take the two header values (None when absent); False when they say nothing."""
        parsed = _parse_pair(remaining, resets_in)
        if parsed is None:
            return False
        now = self._clock()
        old = self._seen.get(bucket)
        if old is not None and old[0] < parsed[0] and old[1] - (now - old[2]) > 0:
            return True  # a stale figure from this window (or Toggl reset a little early)
        self._seen[bucket] = (parsed[0], parsed[1], now)
        self._latest = bucket
        return True

    def get(self, bucket: str) -> Quota | None:
        seen = self._seen.get(bucket)
        if seen is None:
            return None
        built = self._built.get(bucket)
        if built is not None and built[0] is seen:
            return built[1]
        quota = Quota(bucket=bucket, remaining=seen[0], resets_in=seen[1], observed_at=seen[2])
        self._built[bucket] = (seen, quota)
        return quota

    @property
    def latest(self) -> Quota | None:
        return None if self._latest is None else self.get(self._latest)

    def snapshot(self) -> dict[str, Quota]:
        return {bucket: quota for bucket in self._seen if (quota := self.get(bucket)) is not None}


class QuotaGate:
    """Admits a request only while the known quota covers it and every request in flight.

    The transport asks :meth:`admit` after taking its concurrency slot, so calls queued
    behind the limit are checked against what the responses before them said. Requests in
    flight count against ``remaining`` (Toggl may not have counted them yet when it sent
    the figure we hold); when they might use up the rest, a caller waits for one of them to
    answer (:meth:`changed`) instead of sending a request that may be refused.
    """

    def __init__(self, tracker: QuotaTracker) -> None:
        self._tracker = tracker
        self._seen = tracker._seen  # read on every request: the tuples, not Quota objects
        self._in_flight: dict[str, int] = {}
        self._changed: dict[str, asyncio.Future[None]] = {}

    def admit(self, bucket: str) -> Quota | None:
        """None: send (counted in flight until :meth:`done`). A Quota: do not send now."""
        seen = self._seen.get(bucket)
        in_flight = self._in_flight.get(bucket, 0)
        if seen is not None and seen[0] <= in_flight and seen[1] - (time.monotonic() - seen[2]) > 0:
            return self._tracker.get(bucket)
        self._in_flight[bucket] = in_flight + 1
        return None

    def in_flight(self, bucket: str) -> int:
        return self._in_flight.get(bucket, 0)

    def done(self, bucket: str) -> None:
        """A request admitted to ``bucket`` has ended (its headers, if any, are observed)."""
        self._in_flight[bucket] -= 1
        waiter = self._changed.pop(bucket, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def changed(self, bucket: str) -> None:
        """Until a request in ``bucket`` ends."""
        waiter = self._changed.get(bucket)
        if waiter is None:
            waiter = asyncio.get_running_loop().create_future()
            self._changed[bucket] = waiter
        await asyncio.shield(waiter)


class Slots:
    """The concurrency limit: at most ``size`` holders, the others queue in order.

    An ``asyncio.Semaphore`` with a synchronous fast path (:meth:`try_acquire`), because
    the transport takes a slot on every request and is rarely made to wait for one.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            elif waiter in self._waiters:  # release() may have dropped it already
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes straight to the next in line
                return
        self._free += 1


class RateLimiter:
    """Spaces requests at most ``rate`` per second (a leaky bucket with no burst)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0:
            raise ValueError(f"rate_limit must be a positive number of requests/second, got {rate}")
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)
