"""Webhooks API v1 records: subscriptions, filters, limits, and the events Toggl delivers.

An :class:`Event` is the envelope Toggl POSTs to a subscription's URL; its ``payload`` is the
changed object as the matching Track record (``TimeEntry``, ``Project`` ...), a :class:`Ping`
for test and validation pings, or an :class:`Entity` that keeps every field of an object
this version does not model. Metadata values arrive as digit strings in change events and
as numbers in pings; the id fields here are ints either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._base import Record
from .converter import converter
from .track import Client, Project, Tag, Task, TimeEntry, Workspace
from .workspace import WorkspaceUser

__all__ = [
    "MODELS",
    "Entity",
    "Event",
    "EventFilter",
    "EventMetadata",
    "EventPayload",
    "Ping",
    "Subscription",
    "WebhookLimits",
    "WebhookStatus",
]


@attrs.frozen(kw_only=True)
class EventFilter(Record):
    """Which events a subscription receives: an entity and an action, either may be ``*``."""

    entity: str
    action: str

    def matches(self, model: str, action: str) -> bool:
        """Whether an event about ``model`` with ``action`` passes this filter."""
        return self.entity in ("*", model) and self.action in ("*", action)


@attrs.frozen(kw_only=True)
class Subscription(Record):
    """A webhook subscription. Events flow only while it is ``enabled`` and validated."""

    subscription_id: int
    workspace_id: int | None = None
    user_id: int | None = None
    enabled: bool | None = None
    description: str | None = None
    event_filters: list[EventFilter] | None = None
    url_callback: str | None = None
    secret: str | None = attrs.field(default=None, repr=False)
    """The HMAC key for ``X-Webhook-Signature-256``; kept out of ``repr``."""
    validated_at: datetime | None = None
    has_pending_events: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def validated(self) -> bool:
        return self.validated_at is not None

    @property
    def delivering(self) -> bool:
        """True when Toggl sends change events to it: enabled and validated."""
        return bool(self.enabled) and self.validated


@attrs.frozen(kw_only=True)
class WebhookLimits(Record):
    """The workspace plan's limits: enabled subscriptions, and filters per subscription."""

    max_webhooks: int | None = None
    max_events_per_webhook: int | None = None


@attrs.frozen(kw_only=True)
class WebhookStatus(Record):
    """``GET /status`` and ``POST /ping`` answers: ``{"status": "OK"}`` (any string is fine)."""

    status: str | None = None


@attrs.frozen(kw_only=True)
class EventMetadata(Record):
    """What caused the event. ``<model>_id`` keys (``time_entry_id`` ...) stay in ``extra``."""

    action: str | None = None
    model: str | None = None
    path: str | None = None
    request_type: str | None = None
    request_body: str | None = None
    """The raw JSON body of the Track request that made the change, as a string."""
    event_user_id: int | None = None
    model_owner_id: int | None = None
    workspace_id: int | None = None

    @property
    def entity_id(self) -> int | None:
        """The changed object's id from ``<model>_id``, if Toggl sent it."""
        if not self.model:
            return None
        key = f"{self.model}_id"
        value = self.workspace_id if key == "workspace_id" else self.extra.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return None


@attrs.frozen(kw_only=True)
class Ping(Record):
    """The payload of a ping (``"ping"`` on the wire). Carries the code while unvalidated."""

    validation_code: str | None = None
    validation_code_url: str | None = None


@attrs.frozen(kw_only=True)
class Entity(Record):
    """An object of a kind this version does not model: every field is kept in ``extra``."""

    id: int | None = None


EventPayload = TimeEntry | Project | Client | Tag | Task | Workspace | WorkspaceUser | Ping | Entity

MODELS: dict[str, type[Record]] = {
    "time_entry": TimeEntry,
    "project": Project,
    "client": Client,
    "tag": Tag,
    "task": Task,
    "workspace": Workspace,
    "workspace_user": WorkspaceUser,
}
"""``metadata.model`` -> the record its payload becomes; other models become :class:`Entity`."""


@attrs.frozen(kw_only=True)
class Event(Record):
    """One delivery: the envelope Toggl POSTs, with the payload as a typed record.

    ``event_id`` stays the same across redeliveries (0 for pings); ``timestamp`` is new on
    each attempt. Delivery is at least once and unordered: compare ``payload.at`` (or
    ``created_at``), not arrival order.
    """

    event_id: int
    created_at: datetime | None = None
    creator_id: int | None = None
    metadata: EventMetadata = attrs.field(factory=EventMetadata)
    payload: EventPayload = attrs.field(factory=Entity)
    subscription_id: int | None = None
    timestamp: datetime | None = None
    url_callback: str | None = None
    validation_code: str | None = None
    validation_code_url: str | None = None

    @property
    def is_ping(self) -> bool:
        return isinstance(self.payload, Ping)

    @property
    def action(self) -> str | None:
        return self.metadata.action

    @property
    def model(self) -> str | None:
        return "ping" if self.is_ping else self.metadata.model

    @property
    def entity_id(self) -> int | None:
        """The changed object's id: the payload's ``id``, else ``metadata.<model>_id``."""
        own: Any = getattr(self.payload, "id", None)
        if isinstance(own, int) and not isinstance(own, bool):
            return own
        return self.metadata.entity_id


def _structure_payload(value: Any, _: type) -> EventPayload:
    """``parse_event`` picks the record by ``metadata.model``; this only finishes the job."""
    if isinstance(value, TimeEntry | Project | Client | Tag | Task | Workspace | WorkspaceUser):
        return value
    if isinstance(value, Ping | Entity):
        return value
    if value == "ping":
        return Ping()
    if isinstance(value, dict):
        entity: Entity = converter.structure(value, Entity)
        return entity
    raise TypeError(f"expected an object or 'ping' as the event payload, got {value!r}")


converter.register_structure_hook(EventPayload, _structure_payload)
