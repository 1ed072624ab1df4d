"""Which failures are retried, and how long to wait before the next attempt.

Kept apart from the transport so the policy is a plain value users can read, copy and test:
the transport asks it "retry this?" and "how long?", and does the waiting itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

__all__ = ["RetryPolicy"]

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Retries with exponential backoff and full jitter, honouring ``Retry-After``.

    Idempotent requests (GET, PUT, DELETE, and POSTs that only read, such as the Reports
    search) are retried on 429, 5xx, connection resets, timeouts and truncated bodies.
    Requests that create something are retried only when Toggl provably did not act on
    them: the connection could not be opened, or the answer was 429.

    ``wait_for_quota``: when the hourly quota is spent (HTTP 402 with no request left),
    wait for the reset instead of raising :class:`~toggl_async.QuotaExceededError`. One
    call waits at most ``max_quota_wait`` seconds in all, and every 402 Toggl sends counts
    as an attempt against ``max_attempts``, so a server that keeps refusing cannot hold a
    call for ever. Exports want this; interactive code does not.
    """

    max_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    """Attempts in all, the first one included (1 = never retry)."""
    backoff_base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    """Seconds; the n-th retry waits a random time in [0, base * 2**n], capped."""
    backoff_max: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    max_elapsed: float = attrs.field(default=300.0, validator=attrs.validators.gt(0))
    """Give up once this many seconds have passed since the first attempt."""
    rate_limit_fallback: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    """Wait after a 429 without ``Retry-After`` (Toggl's guidance: at least a minute)."""
    wait_for_quota: bool = False
    max_quota_wait: float = attrs.field(default=3700.0, validator=attrs.validators.ge(0))
    """Seconds one call may spend waiting for quota resets, over all its waits."""
    retry_statuses: frozenset[int] = _RETRY_STATUSES
    """HTTP statuses retried: 429 for any request (Toggl did not act on it), the others only
    for idempotent requests. A status missing here is raised at once."""
    random: Callable[[], float] = attrs.field(default=random.random, repr=False, eq=False)

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt and never waits for the quota."""
        return cls(max_attempts=1)

    @classmethod
    def for_export(cls) -> RetryPolicy:
        """Patient settings for long unattended jobs: more attempts, waits for the quota."""
        return cls(max_attempts=10, max_elapsed=3600.0, wait_for_quota=True)

    def should_retry_status(self, status: int) -> bool:
        return status in self.retry_statuses

    def backoff(self, retry_number: int) -> float:
        """Full-jitter delay before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**retry_number))
        return ceiling * float(self.random())

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """The wait before the next attempt: never less than what the server asked for.

        With ``Retry-After`` the jitter goes on top of the server's figure (so concurrent
        clients do not stampede at the same instant), never below it.
        """
        jitter = self.backoff(retry_number)
        if retry_after is None:
            return jitter
        return max(0.0, retry_after) + min(jitter, 1.0)
