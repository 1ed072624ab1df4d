"""``toggl.webhooks``: the Webhooks API v1 (subscriptions, pings, validation, limits).

It has its own base URL (``webhooks_base_url``) but the same transport, errors and retries
as every other namespace. A create (or enable) over the plan's limits raises
:class:`~toggl_async.webhooks.WebhookLimitError` with Toggl's message.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from .._params import check_id
from ..auth import Api
from ..errors import BadRequestError, NotFoundError
from ..records.converter import structure
from ..records.webhooks import EventFilter, Subscription, WebhookLimits, WebhookStatus
from ..transport import Response
from ..webhooks.errors import WebhookLimitError
from ._base import Resource

__all__ = ["FilterSpec", "WebhooksResource"]

T = TypeVar("T")

FilterSpec = EventFilter | tuple[str, str]
"""An event filter: an :class:`EventFilter` or an ``(entity, action)`` pair; ``*`` matches all."""

_NAME = re.compile(r"\*|[A-Za-z0-9_]+")
_ACTIONS = ("created", "updated", "deleted", "*")
_LIMIT_TEXTS = ("already reached the limit of", "event filters for your subscription has been")


def _filters(event_filters: Iterable[FilterSpec]) -> builtins.list[dict[str, str]]:
    if isinstance(event_filters, str | bytes | dict) or not isinstance(event_filters, Iterable):
        raise TypeError(
            "event_filters must be a list of EventFilter or (entity, action) pairs, "
            f"got {type(event_filters).__name__}"
        )
    out: builtins.list[dict[str, str]] = []
    for i, spec in enumerate(event_filters):
        if isinstance(spec, EventFilter):
            entity, action = spec.entity, spec.action
        elif isinstance(spec, tuple) and len(spec) == 2:
            entity, action = spec
        else:
            raise TypeError(
                f"event_filters[{i}] must be an EventFilter or an (entity, action) pair, "
                f"got {spec!r}"
            )
        for what, value in (("entity", entity), ("action", action)):
            if not isinstance(value, str) or not _NAME.fullmatch(value):
                raise ValueError(
                    f"event_filters[{i}] {what} {value!r} must be '*' or letters, digits and "
                    "'_' (e.g. ('time_entry', '*'))"
                )
        if action not in _ACTIONS:
            raise ValueError(
                f"event_filters[{i}] action {action!r} must be one of {', '.join(_ACTIONS)}"
            )
        pair = {"entity": entity, "action": action}
        if pair in out:
            raise ValueError(f"event_filters[{i}] repeats ({entity!r}, {action!r})")
        out.append(pair)
    if not out:
        raise ValueError("event_filters must not be empty: give at least one (entity, action)")
    return out


def _url(url_callback: object) -> str:
    if not isinstance(url_callback, str) or not url_callback.startswith(("http://", "https://")):
        raise ValueError(f"url_callback must be an http(s) URL, got {url_callback!r}")
    return url_callback


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def _enabled(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"enabled must be True or False, got {value!r}")
    return value


class WebhooksResource(Resource):
    """Subscriptions of a workspace, and the Webhooks API's service endpoints."""

    api = Api.WEBHOOKS

    async def list(self, workspace_id: int) -> builtins.list[Subscription]:
        """Every subscription of the workspace (an admin sees other users' too)."""
        workspace_id = check_id("workspace_id", workspace_id)
        response = await self._send("GET", f"/subscriptions/{workspace_id}")
        data = response.json()
        return self._decode(builtins.list[Subscription], [] if data is None else data, response)

    async def get(self, workspace_id: int, subscription_id: int) -> Subscription:
        """One subscription (Toggl has no single read: this filters :meth:`list`)."""
        subscription_id = check_id("subscription_id", subscription_id)
        for subscription in await self.list(workspace_id):
            if subscription.subscription_id == subscription_id:
                return subscription
        path = f"/subscriptions/{workspace_id}"
        raise NotFoundError(
            404,
            f"subscription {subscription_id} for workspace {workspace_id} was not found",
            method="GET",
            url=self._transport.url_for(self._request("GET", path)),
        )

    async def create(
        self,
        workspace_id: int,
        *,
        url_callback: str,
        event_filters: Iterable[FilterSpec],
        description: str,
        enabled: bool = True,
        secret: str | None = None,
    ) -> Subscription:
        """Create a subscription; Toggl pings ``url_callback`` before answering.

        Answer that ping with 2xx (echo its ``validation_code`` to validate at once, as
        :class:`~toggl_async.webhooks.WebhookReceiver` does), or creation fails with a
        400. Without ``secret`` Toggl generates one (read it from the result).
        """
        workspace_id = check_id("workspace_id", workspace_id)
        body: dict[str, Any] = {
            "url_callback": _url(url_callback),
            "event_filters": _filters(event_filters),
            "enabled": _enabled(enabled),
            "description": _text("description", description),
        }
        if secret is not None:
            body["secret"] = _text("secret", secret)
        return await self._limited("POST", f"/subscriptions/{workspace_id}", body)

    async def update(
        self,
        workspace_id: int,
        subscription_id: int,
        *,
        url_callback: str,
        event_filters: Iterable[FilterSpec],
        description: str,
        enabled: bool,
        secret: str,
    ) -> Subscription:
        """Replace a subscription (Toggl's PUT wants all five fields; ``secret`` non-empty).

        A new ``url_callback`` is pinged again; check ``validated_at`` afterwards.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        subscription_id = check_id("subscription_id", subscription_id)
        body = {
            "url_callback": _url(url_callback),
            "event_filters": _filters(event_filters),
            "enabled": _enabled(enabled),
            "secret": _text("secret", secret),
            "description": _text("description", description),
        }
        return await self._limited("PUT", f"/subscriptions/{workspace_id}/{subscription_id}", body)

    async def enable(self, workspace_id: int, subscription_id: int) -> Subscription:
        """Turn deliveries on (Toggl probes the URL and checks the plan's limit)."""
        return await self._set_enabled(workspace_id, subscription_id, True)

    async def disable(self, workspace_id: int, subscription_id: int) -> Subscription:
        """Turn deliveries off; the subscription is kept."""
        return await self._set_enabled(workspace_id, subscription_id, False)

    async def delete(self, workspace_id: int, subscription_id: int) -> Subscription | None:
        """Delete a subscription; returns it as Toggl last saw it (None if Toggl sends nothing)."""
        workspace_id = check_id("workspace_id", workspace_id)
        subscription_id = check_id("subscription_id", subscription_id)
        path = f"/subscriptions/{workspace_id}/{subscription_id}"
        return await self._fetch_optional(Subscription, "DELETE", path)

    async def ping(self, workspace_id: int, subscription_id: int) -> WebhookStatus:
        """Send a test event to the subscription's URL, enabled or not.

        While the subscription is not validated, the ping carries a fresh validation code.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        subscription_id = check_id("subscription_id", subscription_id)
        path = f"/ping/{workspace_id}/{subscription_id}"
        return await self._fetch(WebhookStatus, "POST", path)

    async def validate(self, workspace_id: int, subscription_id: int, validation_code: str) -> None:
        """Validate a subscription with the code from its ping (asynchronous validation).

        For endpoints that cannot echo the code in their answer. Raises
        :class:`~toggl_async.BadRequestError` for a wrong code or one already used.
        """
        workspace_id = check_id("workspace_id", workspace_id)
        subscription_id = check_id("subscription_id", subscription_id)
        code = _text("validation_code", validation_code)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", code):
            raise ValueError(f"validation_code must be the opaque code from the ping, got {code!r}")
        await self._send("GET", f"/validate/{workspace_id}/{subscription_id}/{code}")

    async def event_filters(self) -> dict[str, builtins.list[str]]:
        """What can be subscribed to: entity -> its actions (the authority at run time)."""
        response = await self._send("GET", "/event_filters")
        return self._decode(dict[str, builtins.list[str]], response.json(), response)

    async def limits(self, workspace_id: int) -> WebhookLimits:
        """The plan's limits for the workspace: subscriptions, and filters per subscription."""
        workspace_id = check_id("workspace_id", workspace_id)
        return await self._fetch(WebhookLimits, "GET", f"/limits/{workspace_id}")

    async def status(self) -> WebhookStatus:
        """The Webhooks service's health (``status`` is a string, e.g. ``"OK"``)."""
        return await self._fetch(WebhookStatus, "GET", "/status")

    # -- plumbing ---------------------------------------------------------------------------

    async def _set_enabled(
        self, workspace_id: int, subscription_id: int, enabled: bool
    ) -> Subscription:
        workspace_id = check_id("workspace_id", workspace_id)
        subscription_id = check_id("subscription_id", subscription_id)
        path = f"/subscriptions/{workspace_id}/{subscription_id}"
        return await self._limited("PATCH", path, {"enabled": enabled})

    async def _limited(self, method: str, path: str, body: dict[str, Any]) -> Subscription:
        """Send a write; a 400 about the plan's limits becomes :class:`WebhookLimitError`."""
        try:
            return await self._fetch(Subscription, method, path, json=body)
        except BadRequestError as exc:
            if any(text in exc.message for text in _LIMIT_TEXTS):
                raise WebhookLimitError(
                    exc.status,
                    exc.message,
                    method=exc.method,
                    url=exc.url,
                    body=exc.body,
                    request_id=exc.request_id,
                    headers=exc.headers,
                ) from None
            raise

    @staticmethod
    def _decode(into: type[T], data: Any, response: Response) -> T:
        return structure(data, into, method=response.method, url=response.url)
