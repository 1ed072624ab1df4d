"""Receiving Toggl webhooks: verify, parse, and answer deliveries without a ``TogglClient``.

This package imports the records and errors only (never the client or the transport), so a
web application can use it on its own:

* :func:`verify_signature` - the HMAC check over the raw body bytes (several secrets rotate);
* :func:`parse_event` - the body as a typed :class:`Event`;
* :class:`WebhookReceiver` - the framework-neutral core (method, headers, bytes -> reply);
* :func:`make_app` / :class:`WebhookHandler` - the same for ``aiohttp.web``, with the
  callback run outside the request.
"""

from ..records.webhooks import (
    Entity,
    Event,
    EventFilter,
    EventMetadata,
    Ping,
    Subscription,
    WebhookLimits,
    WebhookStatus,
)
from .errors import InvalidSignatureError, WebhookLimitError
from .events import event_from_json, parse_event
from .handler import HANDLER_KEY, EventCallback, WebhookHandler, make_app
from .receiver import DEFAULT_MAX_BODY, Reply, WebhookReceiver
from .verify import SIGNATURE_HEADER, header_value, sign, verify_signature

__all__ = [
    "DEFAULT_MAX_BODY",
    "HANDLER_KEY",
    "SIGNATURE_HEADER",
    "Entity",
    "Event",
    "EventCallback",
    "EventFilter",
    "EventMetadata",
    "InvalidSignatureError",
    "Ping",
    "Reply",
    "Subscription",
    "WebhookHandler",
    "WebhookLimitError",
    "WebhookLimits",
    "WebhookReceiver",
    "WebhookStatus",
    "event_from_json",
    "header_value",
    "make_app",
    "parse_event",
    "sign",
    "verify_signature",
]
