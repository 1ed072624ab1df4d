"""The one mechanism every endpoint method uses: build a request, send it, decode it.

Endpoint methods are declarations: their signature (the public API, checked by mypy and the
sync shim) and one call to :meth:`Resource._fetch`, :meth:`Resource._fetch_optional`,
:meth:`Resource._send` or :meth:`Resource._paginate`. No endpoint does its own plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .. import _json
from .._params import encode_query
from ..auth import Api
from ..pagination import Cursor, Paginator, RequestSource, Strategy
from ..records.converter import structure
from ..transport import Request, Response, Transport

__all__ = ["Resource"]

T = TypeVar("T")


class Resource:
    """A namespace of endpoint methods (``toggl.me``, ``toggl.time_entries`` ...)."""

    api: Api = Api.TRACK

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} namespace>"

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        api: Api | None = None,
    ) -> Request:
        return Request(
            method=method,
            api=api or self.api,
            path=path,
            params=(encode_query(params) or None) if params else None,
            body=_json.dumps(json) if json is not None else None,
            idempotent=idempotent,
        )

    async def _send(self, method: str, path: str, **kwargs: Any) -> Response:
        """Send and return the raw response (for endpoints with no record in the body)."""
        return await self._transport.send(self._request(method, path, **kwargs))

    async def _fetch(self, into: type[T], method: str, path: str, **kwargs: Any) -> T:
        """Send and decode the body into ``into`` (a record class or ``list[Record]``)."""
        # Straight to the transport, not through _send: one coroutine less on every call.
        response = await self._transport.send(self._request(method, path, **kwargs))
        return structure(response.json(), into, method=response.method, url=response.url)

    async def _fetch_optional(
        self, into: type[T], method: str, path: str, **kwargs: Any
    ) -> T | None:
        """Like :meth:`_fetch`, but an empty body, ``null`` or 204 mean "nothing": None."""
        response = await self._transport.send(self._request(method, path, **kwargs))
        payload = None if response.status == 204 else response.json()
        if payload is None:
            return None
        return structure(payload, into, method=response.method, url=response.url)

    def _paginate(
        self,
        into: type[T],
        strategy: Strategy,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        in_body: bool = False,
        cursor: Cursor | None = None,
        limit: int | None = None,
        identity: Mapping[str, Any] | None = None,
    ) -> Paginator[T]:
        """A :class:`Paginator` over ``path``; page parameters go in the query or the body.

        ``identity`` adds to what a cursor must match without being sent (e.g. the whole
        date range of a search that the strategy sends window by window).
        """
        fixed = {k: v for k, v in (params or {}).items() if v is not None}

        async def send(page_params: dict[str, Any]) -> Response:
            merged = {**fixed, **{k: v for k, v in page_params.items() if v is not None}}
            if in_body:
                return await self._send(method, path, json=merged, idempotent=True)
            return await self._send(method, path, params=merged)

        source = RequestSource(
            strategy=strategy,
            into=into,
            send=send,
            query={
                "path": path,
                **_jsonable(fixed),
                **_jsonable(_strategy_settings(strategy)),
                **_jsonable(identity or {}),
            },
        )
        return Paginator(source, cursor=cursor, limit=limit)


def _strategy_settings(strategy: Strategy) -> dict[str, Any]:
    """The page size is part of a cursor's identity; start positions are not."""
    per_page = getattr(strategy, "per_page", None)
    return {} if per_page is None else {"per_page": per_page}


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = list(value)
        else:
            out[key] = str(value)
    return out
