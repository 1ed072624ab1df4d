"""``toggl_async_sync.TogglClient``: the async client, driven from blocking code."""

from __future__ import annotations

import inspect
import warnings
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import toggl_async
from toggl_async import ClientClosedError, ConfigurationError
from toggl_async.limits import Quota
from toggl_async.resources import Resource
from toggl_async.retry import RetryPolicy

from ._namespace import SyncNamespace
from .paginator import SyncPaginator
from .portal import Portal

if TYPE_CHECKING:
    # The constructor's signature and one typed attribute per namespace, generated from
    # the async client (``python -m toggl_async_sync._codegen``); a stub, never imported.
    from ._generated import ClientSurface as _Surface
else:
    _Surface = object

__all__ = ["TogglClient"]

T = TypeVar("T")


def _signature_without_session() -> inspect.Signature:
    """The async constructor's signature minus ``session=``, which this client refuses."""
    signature = inspect.signature(toggl_async.TogglClient.__init__)
    kept = [p for name, p in signature.parameters.items() if name != "session"]
    return signature.replace(parameters=kept)


class TogglClient(_Surface):
    """The same client as :class:`toggl_async.TogglClient`, for code that does not ``await``.

    Takes exactly the async client's arguments; has the same namespaces and methods,
    returns the same records and raises the same exceptions; paginators are plain
    iterators. Use it as ``with TogglClient(...) as toggl:``, or call :meth:`close`. One
    client may be shared by many threads. It runs its own event-loop thread (an anyio
    blocking portal) where the async client lives, so it also works where a loop already
    runs in your thread (a notebook cell). ``session=`` is the one argument it refuses: an
    aiohttp session belongs to the loop that made it, and this client has its own.
    """

    if not TYPE_CHECKING:  # type checkers see the generated signature instead

        def __init__(self, **options):
            self._open(options)

        __init__.__signature__ = _signature_without_session()
        __init__.__doc__ = toggl_async.TogglClient.__init__.__doc__

    def _open(self, options: dict[str, Any]) -> None:
        if options.get("session") is not None:
            raise ConfigurationError(
                "toggl_async_sync.TogglClient cannot use an aiohttp session: a session "
                "belongs to the event loop that made it, and this client runs its own loop "
                "(in its own thread). Leave session= out; use toggl_async.TogglClient to "
                "share a session in async code"
            )
        portal = Portal()
        try:
            client = portal.call(_create, options)  # validated and made on the loop
        except BaseException:
            portal.close()
            raise
        self._portal = portal
        self._client: toggl_async.TogglClient = client
        for name, value in vars(client).items():
            if isinstance(value, Resource):
                setattr(self, name, SyncNamespace(portal, value))
        self._finalizer = weakref.finalize(self, _abandoned, portal, client.aclose)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool and stop the loop thread. Idempotent, any thread.

        Calls still running in other threads are cancelled and raise ClientClosedError.
        """
        self._finalizer.detach()
        self._portal.close(self._client.aclose)

    def __enter__(self) -> TogglClient:
        if self._portal.closed:
            raise ClientClosedError("this TogglClient is closed; create a new one")
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
        return self._portal.closed

    # -- the escape hatch -----------------------------------------------------------------

    def run(self, func: Callable[[toggl_async.TogglClient], Awaitable[T]]) -> T:
        """``await func(async_client)`` on this client's loop; returns (or raises) its outcome.

        For async-only helpers, e.g. ``toggl.run(lambda client: export(client, ...))``.
        """
        return self._portal.call(func, self._client)

    # wholeapi: any operation, as on the async client (``toggl.http`` is forwarded already)
    def request(self, method: str, path: str, **options: Any) -> Any:
        """Any operation through the client's transport: see ``toggl_async.TogglClient.request``
        (same arguments: ``api=``, ``params=``, ``json=``, ``into=``, ``idempotent=``)."""
        return self._portal.call(self._client.request, method, path, **options)

    @property
    def with_raw_response(self) -> Any:
        """The namespaces again; each call returns a ``toggl_async.raw.RawResponse``
        (``.parsed``, ``.status``, ``.headers``, ``.body``), as on the async client."""
        return _RawView(self._portal, self._client.with_raw_response)

    def paginate(self, method: str, path: str, strategy: Any, **options: Any) -> Any:
        """Any paginated listing, as a blocking iterator: see
        ``toggl_async.TogglClient.paginate``."""
        return SyncPaginator(
            self._portal,
            self._portal.call(self._client.paginate, method, path, strategy, **options),
        )

    # -- state ----------------------------------------------------------------------------

    @property
    def retry(self) -> RetryPolicy:
        return self._client.retry

    @property
    def quota(self) -> Quota | None:
        """The latest quota headers seen (any bucket), or None before the first response."""
        return self._client.quota

    @property
    def quotas(self) -> dict[str, Quota]:
        """The latest quota per bucket (``"user"``, ``"workspace:<id>"`` ...)."""
        return self._client.quotas

    @property
    def requests_sent(self) -> int:
        """HTTP requests put on the wire so far, retries included."""
        return self._client.requests_sent

    def __repr__(self) -> str:
        return repr(self._client).replace("<TogglClient", "<blocking TogglClient", 1)


async def _create(options: dict[str, Any]) -> toggl_async.TogglClient:
    client = toggl_async.TogglClient(**options)
    await client.__aenter__()
    return client


def _abandoned(portal: Portal, aclose: Callable[[], Awaitable[None]]) -> None:
    """A client was garbage-collected (or the interpreter exits) without close()."""
    if portal.closed:
        return
    warnings.warn(
        "toggl_async_sync.TogglClient was not closed; use `with TogglClient(...) as toggl:` "
        "or call toggl.close(). Closing it now.",
        ResourceWarning,
        stacklevel=2,
    )
    portal.close(aclose)


class _RawView:
    """``toggl.with_raw_response`` of the blocking client (wholeapi)."""

    def __init__(self, portal: Portal, inner: Any) -> None:
        self._portal = portal
        self._inner = inner

    def __getattr__(self, name: str) -> SyncNamespace:
        if name.startswith("_"):
            raise AttributeError(name)
        return SyncNamespace(self._portal, getattr(self._inner, name))
