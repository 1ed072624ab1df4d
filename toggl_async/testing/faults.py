"""Switchable failure modes for the sandbox: scheduled and random faults, and the hourly quota.

Everything here is deterministic: scheduled faults fire on the next matching requests in
arrival order, random faults come from a seeded generator, and the quota is a fixed window
anchored at a credential's first request (what Toggl's knowledge base describes).
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

__all__ = [
    "FAULT_KINDS",
    "PLANS",
    "QuotaPlan",
    "FaultHit",
    "FaultKind",
    "Faults",
    "QuotaStatus",
    "ScheduledFault",
]

FaultKind = Literal[
    "500", "502", "503", "429", "402-quota", "400", "reset", "truncate", "timeout", "invalid-json"
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

#: Used for the quota headers when no quota is configured: large enough never to bite.
UNLIMITED_QUOTA: tuple[int, float] = (1_000_000, 3600.0)


class QuotaPlan(NamedTuple):
    """Requests per window: per user per organization, and per user for ``/me`` requests."""

    organization: int
    user: int


#: Toggl's hourly API quotas by plan (knowledge base "API & Webhook limits", 2025): requests
#: that target a workspace or organization count against that organization's bucket, ``/me``
#: requests against the user's own bucket (30 on every plan). ``unlimited`` means no quota.
PLANS: dict[str, QuotaPlan | None] = {
    "free": QuotaPlan(organization=30, user=30),
    "starter": QuotaPlan(organization=240, user=30),
    "premium": QuotaPlan(organization=600, user=30),
    "unlimited": None,
}


def _check_kind(kind: str) -> FaultKind:
    """The kind, typed; ValueError for a typo (a silent no-op fault would hide test bugs)."""
    for known in FAULT_KINDS:
        if kind == known:
            return known
    raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")


@dataclass
class ScheduledFault:
    """A fault waiting for its next ``times`` matching requests."""

    kind: FaultKind
    times: int = 1
    path: str | re.Pattern[str] | None = None
    method: str | None = None
    retry_after: float | str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Method equal (any when None) and path containing ``path`` (or matching the regex)."""
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.search(path) is not None
        return self.path in path


class FaultHit(NamedTuple):
    """The fault chosen for one request."""

    kind: FaultKind
    retry_after: float | str | None
    scheduled: bool


class QuotaStatus(NamedTuple):
    """One quota window as the headers report it."""

    limit: int
    remaining: int
    resets_in: int
    exceeded: bool


def _check_plan(plan: str | None) -> str | None:
    if plan is not None and plan not in PLANS:
        raise ValueError(f"unknown quota plan {plan!r}; expected one of {', '.join(PLANS)}")
    return plan


class _Window:
    __slots__ = ("count", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        self.count = 0


class Faults:
    """The sandbox's failure switchboard; change it at any time, also while serving.

    * ``plan="free"|"starter"|"premium"|"unlimited"``: Toggl's real quotas (:data:`PLANS`),
      one window per credential *and* organization plus one for ``/me`` requests, each
      ``quota_window`` seconds long (3600, as Toggl; shorten it in tests).
    * ``quota=(limit, window_seconds)``: a custom quota, at most ``limit`` Track/Reports
      requests per bucket per window, then 402 with ``X-Toggl-Quota-*`` headers until the
      window ends. Overrides ``plan``.
    * ``quota_headers``: send the quota headers even without a quota (with a huge limit) so
      clients can always read them.
    * ``quota_per_organization``: one window per credential *and* organization (``/me`` has its
      own), as Toggl counts. The default (None) means yes with a ``plan`` and no with a custom
      ``quota`` (one counter a test can reason about).
    * ``quota_headers_on_402``: paid-feature 402s (e.g. a custom project color on a free
      workspace) carry the quota headers with requests left, as Toggl may send them on every
      response; off by default (then only a quota 402 has them).
    * ``random_rate`` / ``random_kinds`` / ``seed``: inject faults at random, reproducibly.
    * ``timeout_seconds``: how long a ``"timeout"`` fault stalls before answering.

    Kinds: ``"500"`` (JSON string body), ``"502"``/``"503"``/``"429"`` (nginx HTML pages;
    ``Retry-After`` only when ``retry_after`` is given), ``"402-quota"`` (quota headers,
    remaining 0, resets in ``retry_after`` or 1 s), ``"400"`` (a refused request, JSON
    string body: what a client must not retry), ``"reset"`` (connection closed, no
    response), ``"truncate"`` (full Content-Length, half the body), ``"timeout"`` (stall,
    then answer normally), ``"invalid-json"`` (200 with a broken JSON body). Note that aiohttp
    clients retry an idempotent request once by themselves after a dropped connection, so
    use ``times=2`` to make a ``"reset"`` visible to their callers.
    """

    def __init__(
        self,
        *,
        quota: tuple[int, float] | None = None,
        plan: str | None = None,
        quota_window: float = 3600.0,
        quota_headers: bool = True,
        quota_per_organization: bool | None = None,
        quota_headers_on_402: bool = False,
        random_rate: float = 0.0,
        random_kinds: Sequence[FaultKind] = ("503", "reset", "truncate", "429"),
        seed: int = 7,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.scheduled: list[ScheduledFault] = []
        self.injected: list[tuple[FaultKind, str, str]] = []
        self.quota_headers = quota_headers
        self.quota_headers_on_402 = quota_headers_on_402
        self._per_organization = quota_per_organization
        if quota_window <= 0:
            raise ValueError(f"quota_window must be positive seconds, got {quota_window!r}")
        self.quota_window = quota_window
        self._plan = _check_plan(plan)
        self.random_rate = random_rate
        self.random_kinds: tuple[FaultKind, ...] = tuple(_check_kind(k) for k in random_kinds)
        self.timeout_seconds = timeout_seconds
        self._rng = random.Random(seed)
        self._quota = quota
        self._windows: dict[Hashable, _Window] = {}

    # -- scheduled and random faults -------------------------------------------------------

    def add(
        self,
        kind: FaultKind,
        *,
        times: int = 1,
        path: str | re.Pattern[str] | None = None,
        method: str | None = None,
        retry_after: float | str | None = None,
    ) -> ScheduledFault:
        """Fail the next ``times`` requests matching ``method``/``path`` with ``kind``."""
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = ScheduledFault(_check_kind(kind), times, path, method, retry_after)
        self.scheduled.append(fault)
        return fault

    def clear(self) -> None:
        """Drop scheduled faults and switch random faults off (the quota stays as set)."""
        self.scheduled.clear()
        self.random_rate = 0.0

    def pick(self, method: str, path: str) -> FaultHit | None:
        """The fault for this request, if any; consumes one use of a scheduled fault."""
        for fault in self.scheduled:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self.scheduled.remove(fault)
                return self._hit(FaultHit(fault.kind, fault.retry_after, True), method, path)
        if self.random_rate > 0 and self.random_kinds and self._rng.random() < self.random_rate:
            kind = self.random_kinds[int(self._rng.random() * len(self.random_kinds))]
            return self._hit(FaultHit(kind, None, False), method, path)
        return None

    def _hit(self, hit: FaultHit, method: str, path: str) -> FaultHit:
        self.injected.append((hit.kind, method, path))
        return hit

    # -- quota -----------------------------------------------------------------------------

    @property
    def quota(self) -> tuple[int, float] | None:
        """``(limit, window_seconds)`` or None; setting it restarts every window."""
        return self._quota

    @quota.setter
    def quota(self, value: tuple[int, float] | None) -> None:
        self._quota = value
        self._windows.clear()

    def reset_quota(self) -> None:
        """Forget all windows, as if the hour had just rolled over."""
        self._windows.clear()

    @property
    def plan(self) -> str | None:
        """The plan preset's name (see :data:`PLANS`) or None; setting it restarts windows."""
        return self._plan

    @plan.setter
    def plan(self, value: str | None) -> None:
        self._plan = _check_plan(value)
        self._windows.clear()

    @property
    def quota_per_organization(self) -> bool:
        """Whether each organization (and ``/me``) has its own window."""
        if self._per_organization is None:
            return self._quota is None and self._plan is not None
        return self._per_organization

    @quota_per_organization.setter
    def quota_per_organization(self, value: bool | None) -> None:
        self._per_organization = value
        self._windows.clear()

    def _limits(self, user_bucket: bool) -> tuple[int, float] | None:
        if self._quota is not None:
            return self._quota
        preset = None if self._plan is None else PLANS[self._plan]
        if preset is not None:
            return (preset.user if user_bucket else preset.organization), self.quota_window
        return UNLIMITED_QUOTA if self.quota_headers else None

    def _window(self, key: Hashable, now: float, window: float) -> _Window:
        current = self._windows.get(key)
        if current is None or now - current.started >= window:
            current = _Window(now)
            self._windows[key] = current
        return current

    def charge(
        self, key: Hashable, now: float | None = None, *, user_bucket: bool = False
    ) -> QuotaStatus | None:
        """Count one request against ``key``'s window; None when quotas are off entirely.

        ``user_bucket`` marks the ``/me`` window (a plan's user limit applies to it)."""
        limits = self._limits(user_bucket)
        if limits is None:
            return None
        limit, window = limits
        moment = time.monotonic() if now is None else now
        current = self._window(key, moment, window)
        exceeded = current.count >= limit
        if not exceeded:
            current.count += 1
        return self._status(current, limit, window, moment, exceeded)

    def peek(
        self, key: Hashable, now: float | None = None, *, user_bucket: bool = False
    ) -> QuotaStatus | None:
        """The window for ``key`` without counting a request (for ``GET /me/quota``)."""
        limits = self._limits(user_bucket)
        if limits is None:
            return None
        limit, window = limits
        moment = time.monotonic() if now is None else now
        current = self._windows.get(key)
        if current is None or moment - current.started >= window:
            return QuotaStatus(limit, limit, math.ceil(window), False)
        return self._status(current, limit, window, moment, current.count >= limit)

    @staticmethod
    def _status(
        current: _Window, limit: int, window: float, now: float, exceeded: bool
    ) -> QuotaStatus:
        resets_in = max(1, math.ceil(current.started + window - now))
        return QuotaStatus(limit, max(0, limit - current.count), resets_in, exceeded)
