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
from collections.abc import Callable, Mapping

import attrs

__all__ = ["Quota", "QuotaTracker", "RateLimiter", "quota_bucket"]

_WORKSPACE = re.compile(r"/workspaces?/(\d+)")
_ORGANIZATION = re.compile(r"/organizations/(\d+)")


def quota_bucket(path: str) -> str:
    """Which hourly quota a path draws on: its workspace's or organization's, else the user's.

    Toggl counts ``/me`` calls against the user and workspace/organization calls against the
    organization's plan; we key workspaces by id since the path does not name the org.
    """
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


def parse_quota(headers: Mapping[str, str]) -> tuple[int, float] | None:
    """``(remaining, resets_in)`` from a response's headers, or None when they are absent."""
    remaining = headers.get("X-Toggl-Quota-Remaining")
    resets = headers.get("X-Toggl-Quota-Resets-In")
    if remaining is None and resets is None:
        return None
    try:
        left = int(float(remaining)) if remaining is not None else 0
        reset = float(resets) if resets is not None else 0.0
    except ValueError:
        return None
    if not math.isfinite(reset):
        return None
    return left, max(0.0, reset)


class QuotaTracker:
    """The latest :class:`Quota` per bucket, fed by every response."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_bucket: dict[str, Quota] = {}
        self._latest: Quota | None = None

    def observe(self, bucket: str, headers: Mapping[str, str]) -> Quota | None:
        parsed = parse_quota(headers)
        if parsed is None:
            return None
        quota = Quota(
            bucket=bucket, remaining=parsed[0], resets_in=parsed[1], observed_at=self._clock()
        )
        self._by_bucket[bucket] = quota
        self._latest = quota
        return quota

    def get(self, bucket: str) -> Quota | None:
        return self._by_bucket.get(bucket)

    @property
    def latest(self) -> Quota | None:
        return self._latest

    def snapshot(self) -> dict[str, Quota]:
        return dict(self._by_bucket)


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
