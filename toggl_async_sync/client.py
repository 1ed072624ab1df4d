"""``toggl_async_sync.TogglClient``: the async client, driven from blocking code."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import aiohttp

import toggl_async
from toggl_async.client import DEFAULT_FOCUS_URL, DEFAULT_REPORTS_URL, DEFAULT_TRACK_URL
from toggl_async.limits import Quota
from toggl_async.retry import RetryPolicy
from toggl_async.transport import DEFAULT_USER_AGENT

from ._generated import Namespaces
from .portal import Portal

__all__ = ["TogglClient"]

T = TypeVar("T")


class TogglClient(Namespaces):
    """The same client as :class:`toggl_async.TogglClient`, for code that does not ``await``.

    Takes exactly the async client's arguments; has the same namespaces and methods, returns
    the same records and raises the same exceptions. Paginators are plain iterators. Use it
    as ``with TogglClient(...) as toggl:`` or call :meth:`close`. One client may be shared by
    many threads; it runs its own event-loop thread, so it also works where a loop is
    already running (a notebook cell).
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        focus_api_key: str | None = None,
        track_base_url: str = DEFAULT_TRACK_URL,
        reports_base_url: str = DEFAULT_REPORTS_URL,
        focus_base_url: str = DEFAULT_FOCUS_URL,
        timeout: float = 30.0,
        max_connections: int | None = None,
        max_concurrency: int = 10,
        rate_limit: float | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        # Validate (and fail on missing credentials) before starting a thread.
        client = toggl_async.TogglClient(
            api_token=api_token,
            email=email,
            password=password,
            focus_api_key=focus_api_key,
            track_base_url=track_base_url,
            reports_base_url=reports_base_url,
            focus_base_url=focus_base_url,
            timeout=timeout,
            max_connections=max_connections,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
            retry=retry,
            user_agent=user_agent,
            session=session,
        )
        self._portal = Portal()
        self._client = client
        self._portal.call(client.__aenter__)
        self._bind(self._portal, client)
        self._finalizer = weakref.finalize(self, _collect, self._portal, client)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool and stop the loop thread. Idempotent."""
        self._finalizer.detach()
        _shutdown(self._portal, self._client)

    def __enter__(self) -> TogglClient:
        if self.closed:
            raise toggl_async.ClientClosedError("this TogglClient is closed; create a new one")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return not self._portal.running

    # -- escape hatch ---------------------------------------------------------------------

    def run(self, func: Callable[[toggl_async.TogglClient], Awaitable[T]]) -> T:
        """Run ``await func(async_client)`` on this client's loop and return the result.

        For async-only helpers, e.g. ``toggl.run(lambda c: export_account(c, "out"))``.
        """
        return self._portal.call(func, self._client)

    # -- state ----------------------------------------------------------------------------

    @property
    def async_client(self) -> toggl_async.TogglClient:
        """The async client inside (use it only through :meth:`run`)."""
        return self._client

    @property
    def quota(self) -> Quota | None:
        """The latest quota headers seen, or None before the first response."""
        return self._client.quota

    @property
    def quotas(self) -> dict[str, Quota]:
        """The latest quota per bucket."""
        return self._client.quotas

    @property
    def requests_sent(self) -> int:
        return self._client.requests_sent

    @property
    def retry(self) -> RetryPolicy:
        return self._client.retry

    def __repr__(self) -> str:
        return repr(self._client).replace("<TogglClient", "<blocking TogglClient", 1)


def _shutdown(portal: Portal, client: toggl_async.TogglClient) -> None:
    if portal.running:
        try:
            portal.call(client.aclose)
        finally:
            portal.stop()


def _collect(portal: Portal, client: toggl_async.TogglClient) -> None:
    """Runs when a client is garbage-collected without close(): warn, then free the thread."""
    if portal.running:
        warnings.warn(
            "toggl_async_sync.TogglClient was not closed; use `with TogglClient(...)` or "
            "call close()",
            ResourceWarning,
            stacklevel=2,
        )
        _shutdown(portal, client)
