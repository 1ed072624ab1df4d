"""``parse_event``: a delivery's body -> a typed :class:`~toggl_async.records.webhooks.Event`.

The payload becomes the record named by ``metadata.model`` (``TimeEntry``, ``Project`` ...),
decoded by the one converter like every API response; a model this version does not know,
or a payload that does not fit its record, becomes an :class:`Entity` holding every field,
so no delivery is ever lost to a parse error.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import _json
from ..errors import DecodeError
from ..records.converter import structure
from ..records.webhooks import MODELS, Entity, Event, EventPayload, Ping

__all__ = ["event_from_json", "parse_event"]

log = logging.getLogger("toggl_async.webhooks")


def parse_event(raw_body: bytes | str) -> Event:
    """Parse a delivery's body. Verify its signature first (:func:`verify_signature`).

    Raises :class:`~toggl_async.DecodeError` when the body is not a JSON event envelope.
    """
    if isinstance(raw_body, bytearray | memoryview):
        raw_body = bytes(raw_body)
    if not isinstance(raw_body, bytes | str):
        raise TypeError(f"raw_body must be bytes or str, not {type(raw_body).__name__}")
    try:
        document = _json.loads(raw_body)
    except ValueError as exc:
        raise DecodeError(f"the webhook body is not valid JSON ({exc})") from None
    return event_from_json(document)


def event_from_json(document: Any) -> Event:
    """Build an :class:`Event` from an already parsed envelope (a dict)."""
    if not isinstance(document, dict):
        raise DecodeError(f"a webhook event is a JSON object, got {type(document).__name__}")
    if "event_id" not in document:
        raise DecodeError("the webhook body has no event_id: it is not a Toggl event")
    envelope = dict(document)
    envelope["payload"] = _payload(document)
    if isinstance(document.get("metadata"), dict):
        envelope["metadata"] = _metadata(document["metadata"])
    return structure(envelope, Event)


_METADATA_IDS = ("event_user_id", "model_owner_id", "workspace_id")
"""The typed id fields of :class:`EventMetadata` (other ``*_id`` keys stay in ``extra`` as sent)."""


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Toggl sends every metadata value as a string: the typed ids' digit strings become ints
    here, explicitly, because the records themselves never turn strings into numbers."""
    return {
        key: int(value)
        if key in _METADATA_IDS and isinstance(value, str) and value.isdigit()
        else value
        for key, value in metadata.items()
    }


def _payload(document: dict[str, Any]) -> EventPayload:
    payload = document.get("payload")
    if payload == "ping":
        return Ping(
            validation_code=_text(document.get("validation_code")),
            validation_code_url=_text(document.get("validation_code_url")),
        )
    if not isinstance(payload, dict):
        raise DecodeError(f"the webhook payload is neither an object nor 'ping': {payload!r:.80}")
    metadata = document.get("metadata")
    model = metadata.get("model") if isinstance(metadata, dict) else None
    into = MODELS.get(model, Entity) if isinstance(model, str) else Entity
    try:
        record: EventPayload = structure(payload, into)  # type: ignore[assignment]
    except DecodeError as exc:
        log.warning("webhook %s payload kept as a generic Entity: %s", model, exc)
        record = structure(payload, Entity)
    return record


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
