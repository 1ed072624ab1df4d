"""A blocking namespace: the async namespace's methods, each one forwarded to the portal.

Nothing here knows any endpoint. A method is looked up on the async namespace the first time
it is used and wrapped by its kind: a coroutine function becomes a call that waits for its
result; any other method runs on the loop too, and a :class:`~toggl_async.Paginator` it
returns becomes a :class:`SyncPaginator`. So an endpoint added to the async client is usable
here at once, with the same validation, records and exceptions. (Its static types come from
the generated stub ``_generated.pyi``; a test fails while that stub is stale.)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from toggl_async import Paginator

from .paginator import SyncPaginator
from .portal import Portal

__all__ = ["SyncNamespace", "blocking"]


class SyncNamespace:
    """The blocking view of one async namespace (``toggl.me``, ``toggl.projects`` ...)."""

    def __init__(self, portal: Portal, inner: object) -> None:
        self._portal = portal
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            member = getattr(self._inner, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self._inner).__name__} has no method {name!r} (so neither has its "
                "blocking twin)"
            ) from None
        if not callable(member):
            return member
        method = blocking(self._portal, member)
        self.__dict__[name] = method  # found by normal lookup from now on: no __getattr__
        return method

    def __dir__(self) -> list[str]:
        public = {name for name in dir(self._inner) if not name.startswith("_")}
        return sorted(public | set(super().__dir__()))

    def __repr__(self) -> str:
        return f"<blocking {type(self._inner).__name__} namespace>"


def blocking(portal: Portal, method: Callable[..., Any]) -> Callable[..., Any]:
    """The blocking twin of one async method, with its name, docstring and signature."""
    if inspect.iscoroutinefunction(method):

        def call(*args: Any, **kwargs: Any) -> Any:
            return portal.call(method, *args, **kwargs)

    else:

        def call(*args: Any, **kwargs: Any) -> Any:
            result = portal.call(method, *args, **kwargs)
            if isinstance(result, Paginator):
                return SyncPaginator(portal, result)
            return result

    functools.update_wrapper(call, method)
    call.__signature__ = _blocking_signature(method)  # type: ignore[attr-defined]
    return call


def _blocking_signature(method: Callable[..., Any]) -> inspect.Signature:
    """The async signature with ``Paginator[...]`` returns shown as ``SyncPaginator[...]``."""
    signature = inspect.signature(method)
    returns = signature.return_annotation
    if isinstance(returns, str) and returns.startswith("Paginator["):
        signature = signature.replace(return_annotation="Sync" + returns)
    elif getattr(returns, "__origin__", None) is Paginator:
        generic: Any = SyncPaginator
        signature = signature.replace(return_annotation=generic[returns.__args__])
    return signature
