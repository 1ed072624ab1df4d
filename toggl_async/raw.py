"""``toggl.with_raw_response``: any call, with the HTTP response(s) it was made of.

``await toggl.with_raw_response.projects.get(ws, pid)`` returns a :class:`RawResponse`: the
same record in ``.parsed``, and the status, headers (quota headers included) and raw body of
the last HTTP response behind it. The namespaces are the client's own classes, built on a
transport view that notes each response of the call (a context variable keeps concurrent
calls apart); requests still go through the client's one transport.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

import attrs
from multidict import CIMultiDictProxy

from .resources import Resource
from .transport import Request, Response, Transport

__all__ = ["RawResponse", "WithRawResponse"]

T = TypeVar("T")
_SEEN: ContextVar[list[Response] | None] = ContextVar("toggl_async_raw_seen", default=None)


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """A call's result (``parsed``) and the last HTTP response it read.

    ``responses`` holds every response of the call in order (one, unless the method makes
    several requests). A download's ``body`` is empty: the bytes went to the file.
    """

    parsed: T
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    method: str
    url: str
    responses: tuple[Response, ...]


class _Noting:
    """The client's transport, noting each response for the call in progress."""

    def __init__(self, inner: Transport) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, request: Request, **kwargs: Any) -> Response:
        response = await self._inner.send(request, **kwargs)
        seen = _SEEN.get()
        if seen is not None:
            seen.append(response)
        return response


class _RawNamespace:
    def __init__(self, inner: Resource) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._inner, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(member):
            raise AttributeError(
                f"with_raw_response covers awaitable methods; {name!r} is not one "
                "(read a paginator's pages through toggl.http.request instead)"
            )
        return _raw(member)


def _raw(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
        seen: list[Response] = []
        token = _SEEN.set(seen)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            _SEEN.reset(token)
        if not seen:  # pragma: no cover - every awaitable endpoint sends a request
            raise RuntimeError(f"{method.__qualname__} made no request")
        last = seen[-1]
        return RawResponse(
            parsed=parsed,
            status=last.status,
            headers=last.headers,
            body=last.body,
            method=last.method,
            url=last.url,
            responses=tuple(seen),
        )

    return call


class WithRawResponse:
    """The client's namespaces, each call returning a :class:`RawResponse`."""

    def __init__(self, namespaces: dict[str, Resource], transport: Transport) -> None:
        noting: Any = _Noting(transport)
        self._spaces = {name: type(ns)(noting) for name, ns in namespaces.items()}

    def __getattr__(self, name: str) -> Any:
        try:
            return _RawNamespace(self._spaces[name])
        except KeyError:
            raise AttributeError(f"the client has no namespace {name!r}") from None

    def __dir__(self) -> list[str]:
        return sorted(self._spaces)
