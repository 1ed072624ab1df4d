"""The framework-neutral core of a webhook endpoint: method, headers and raw bytes in;
a status, a body and (for a new, verified event) the :class:`Event` out.

It never blocks and never calls your code, so any framework can answer Toggl at once and
process :attr:`Reply.event` afterwards (a queue, a background task). It verifies the
signature, answers the validation handshake, drops redeliveries of events it has seen
recently, caps the body size, and (optionally) refuses stale or misaddressed events.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from .. import _json
from ..errors import DecodeError
from ..records.webhooks import Event, Ping
from .errors import InvalidSignatureError
from .events import parse_event
from .verify import Secrets, _keys, header_value, verify_signature

__all__ = ["DEFAULT_MAX_BODY", "Reply", "WebhookReceiver"]

log = logging.getLogger("toggl_async.webhooks")

DEFAULT_MAX_BODY = 1 << 20
"""1 MiB: far above any event (they carry one object), far below a memory problem."""

_JSON = "application/json"


@attrs.frozen(kw_only=True)
class Reply:
    """What to answer Toggl, and the event (if any) to hand to the application after."""

    status: int
    body: bytes = b"{}"
    content_type: str = _JSON
    event: Event | None = None
    """A verified event seen for the first time; None for refusals and duplicates."""

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type}
        if self.status == 405:
            headers["Allow"] = "POST"
        return headers


def _refuse(status: int, what: str) -> Reply:
    # Generic bodies only: the caller learns nothing about secrets or which check failed.
    return Reply(status=status, body=_json.dumps({"error": what}))


class WebhookReceiver:
    """Checks and answers deliveries for one endpoint.

    ``secret`` is the subscription's signing secret, or a list of secrets while rotating.
    ``max_body_size`` bytes (default 1 MiB) caps a body; ``remember`` is how many recent
    ``(subscription_id, event_id)`` pairs are kept to drop redeliveries (bounded memory).
    ``callback_url``, when given, must equal the event's ``url_callback`` (stops another
    subscription's events being replayed at you); ``max_age`` seconds, when given, refuses
    deliveries whose ``timestamp`` is older (replays), by ``clock`` (``time.time``).
    """

    def __init__(
        self,
        secret: Secrets,
        *,
        max_body_size: int = DEFAULT_MAX_BODY,
        remember: int = 10_000,
        callback_url: str | None = None,
        max_age: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _keys(secret)  # fail now, not at the first delivery
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise TypeError("max_body_size must be an int (bytes)")
        if max_body_size < 1:
            raise ValueError(f"max_body_size must be at least 1 byte, got {max_body_size}")
        if isinstance(remember, bool) or not isinstance(remember, int) or remember < 0:
            raise ValueError(f"remember must be an int >= 0 (events), got {remember!r}")
        if max_age is not None and not max_age > 0:
            raise ValueError(f"max_age must be a positive number of seconds, got {max_age!r}")
        self._secret = secret
        self.max_body_size = max_body_size
        self.callback_url = callback_url
        self.max_age = max_age
        self._clock = clock
        self._remember = remember
        self._seen: OrderedDict[tuple[int | None, int], None] = OrderedDict()

    def __repr__(self) -> str:
        return f"<WebhookReceiver max_body_size={self.max_body_size} secret='***'>"

    def too_large(self, content_length: int | None) -> bool:
        """Whether a declared ``Content-Length`` already exceeds the cap (skip reading it)."""
        return content_length is not None and content_length > self.max_body_size

    def handle(self, method: str, headers: Mapping[str, str], raw_body: bytes) -> Reply:
        """Check one delivery and say what to answer. Never raises for a bad request."""
        if method.upper() != "POST":
            return _refuse(405, "method not allowed")
        if not isinstance(raw_body, bytes | bytearray | memoryview):
            raise TypeError("raw_body must be the request body exactly as received, as bytes")
        raw_body = bytes(raw_body)
        if len(raw_body) > self.max_body_size:
            return _refuse(413, "payload too large")
        content_type = _header(headers, "Content-Type") or ""
        if content_type.split(";")[0].strip().lower() != _JSON:
            return _refuse(415, "expected application/json")
        try:
            verify_signature(self._secret, raw_body, header_value(headers))
        except InvalidSignatureError as exc:
            log.warning("refused a webhook delivery: %s", exc)
            return _refuse(401, "unauthorized")
        try:
            event = parse_event(raw_body)
        except DecodeError as exc:
            log.warning("refused a signed webhook delivery that is not an event: %s", exc)
            return _refuse(400, "not a webhook event")
        if self.callback_url is not None and event.url_callback != self.callback_url:
            log.warning("refused an event addressed to another URL")
            return _refuse(403, "forbidden")
        if self.max_age is not None and self._stale(event.timestamp):
            log.warning("refused a stale webhook delivery (timestamp %s)", event.timestamp)
            return _refuse(401, "unauthorized")
        body = b"{}"
        if isinstance(event.payload, Ping) and event.payload.validation_code:
            body = _json.dumps({"validation_code": event.payload.validation_code})
        if event.event_id == 0:  # pings all carry id 0: never duplicates of each other
            return Reply(status=200, body=body, event=event)
        key = (event.subscription_id, event.event_id)
        if key in self._seen:
            self._seen.move_to_end(key)
            log.info("dropped a redelivery of event %s", event.event_id)
            return Reply(status=200, body=body)
        self._remember_key(key)
        return Reply(status=200, body=body, event=event)

    def forget(self, event: Event) -> None:
        """Accept a redelivery of ``event`` (call when it could not be processed)."""
        self._seen.pop((event.subscription_id, event.event_id), None)

    def _remember_key(self, key: tuple[int | None, int]) -> None:
        if self._remember == 0:
            return
        self._seen[key] = None
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)

    def _stale(self, timestamp: datetime | None) -> bool:
        if timestamp is None or self.max_age is None:
            return True
        return self._clock() - timestamp.timestamp() > self.max_age


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, found in headers.items():
        if key.lower() == lowered:
            return found
    return None
