"""``toggl.http`` (and ``toggl.request``): any Toggl operation, through the same transport.

For an operation Toggl adds tomorrow, or one called in a way no method offers yet: the
request takes the same path as every endpoint method (``Resource._send`` ->
``Transport.send``), so auth, the concurrency and rate limits, retries, the hourly quota and
the error mapping all apply. ``into`` decodes the answer with the one converter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

from ..auth import Api
from ..pagination import Cursor, Paginator, Strategy
from ..records.converter import structure
from ._endpoints import Download, DownloadTarget, Endpoints

__all__ = ["HttpResource", "api_of"]

T = TypeVar("T")
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def api_of(api: Api | str) -> Api:
    """``"track"``, ``"reports"``, ``"insights"``, ``"focus"`` or an :class:`Api`."""
    if isinstance(api, Api):
        return api
    try:
        return Api(api)
    except ValueError:
        names = ", ".join(repr(a.value) for a in Api)
        raise ValueError(f"api must be one of {names}, got {api!r}") from None


def _check(method: str, path: str) -> str:
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}")
    if not isinstance(path, str) or not path.startswith("/") or "://" in path:
        raise ValueError(
            f"path must start with '/' and be relative to the API's base URL "
            f"(e.g. '/me/quota'), got {path!r}"
        )
    return method.upper()


class HttpResource(Endpoints):
    """Raw access: any method and path of Track, Reports, Insights or Focus."""

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        api: Api | str = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        into: None = ...,
        idempotent: bool | None = ...,
    ) -> Any: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        api: Api | str = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        into: type[T],
        idempotent: bool | None = ...,
    ) -> T: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        api: Api | str = "track",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        into: type[Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send ``method path`` to ``api`` and return the parsed JSON (None for an empty
        body), or a record when ``into`` is a record class or ``list[Record]``.

        ``params`` go in the query (None values dropped, lists comma-joined), ``json`` is
        the body. Retried by the usual rule (GET/PUT/DELETE); pass ``idempotent=True`` for
        a POST that only reads.
        """
        verb = _check(method, path)
        response = await self._send(
            verb, path, params=params, json=json, idempotent=idempotent, api=api_of(api)
        )
        payload = None if response.status == 204 else response.json()
        if into is None or payload is None:
            return payload
        return structure(payload, into, method=response.method, url=response.url)

    def paginate(
        self,
        method: str,
        path: str,
        strategy: Strategy,
        *,
        api: Api | str = "track",
        params: Mapping[str, Any] | None = None,
        in_body: bool = False,
        into: Any = Any,
        cursor: Cursor | None = None,
        limit: int | None = None,
    ) -> Paginator[Any]:
        """A :class:`Paginator` over any listing, paged by ``strategy``
        (``NumberedPages(per_page=...)``, ``Offset``, ``Keyset``, ``HeaderCursor`` from
        ``toggl_async.pagination``); page parameters go in the query, or in the JSON body
        with ``in_body=True``. Items are decoded into ``into`` (a record class), or left
        as parsed JSON.
        """
        verb = _check(method, path)
        if not isinstance(strategy, Strategy):
            raise TypeError(
                "strategy must be a toggl_async.pagination strategy, "
                "e.g. NumberedPages(per_page=50)"
            )
        chosen = api_of(api)
        resource = self if chosen is self.api else _On(self._transport, chosen)
        return resource._paginate(
            into, strategy, verb, path, params=params, in_body=in_body, cursor=cursor, limit=limit
        )

    async def download(
        self,
        method: str,
        path: str,
        to: DownloadTarget,
        *,
        api: Api | str = "track",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Download:
        """Stream any answer to a file (``to``: a path or a binary file), like the
        download methods do."""
        verb = _check(method, path)
        return await self._download(
            to, verb, path, params=params, json=json, idempotent=idempotent, api=api_of(api)
        )


class _On(Endpoints):
    """The same mechanism, with another API's base URL for its paginated requests."""

    def __init__(self, transport: Any, api: Api) -> None:
        super().__init__(transport)
        self.api = api
