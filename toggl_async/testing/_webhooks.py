"""The sandbox's Webhooks API v1, and the signed deliveries of Track changes.

Subscriptions live here, per workspace. When the Track API changes an object (the server
calls :meth:`WebhookHub.track_changed` after every successful write), every enabled,
validated subscription whose filters match gets a signed event, in Toggl's envelope (key
order, compact JSON, digit-string metadata, ``X-Webhook-Signature-256``), retried with
exponential backoff until it is answered 2xx. Creating (and enabling) a subscription pings
its URL first, as Toggl does; answering with the code validates it at once.

:class:`WebhookFaults` injects what real delivery does to receivers: repeated, delayed,
out-of-order deliveries, and signatures made with a wrong secret. Like the rest of the
sandbox, this signs and serializes on its own: it never uses the client's code.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from ._http import RAW_BODY, ApiError, Context, body_object, ok
from ._util import JSONDict

__all__ = ["DeliveryRecord", "WebhookFaults", "WebhookHub"]

log = logging.getLogger(__name__)

ENTITIES = (
    "client",
    "project",
    "project_group",
    "project_user",
    "tag",
    "task",
    "time_entry",
    "workspace",
    "workspace_user",
)
ACTIONS = ("created", "updated", "deleted")
_NAME = re.compile(r"[A-Za-z0-9_]+")
_TIME_ENTRY_KEYS = [
    *("at", "billable", "description", "duration", "duronly", "id", "project_id"),
    *("server_deleted_at", "start", "stop", "tag_ids", "tags", "task_id", "uid", "user_id"),
    *("wid", "workspace_id"),
]
"""The keys of a captured time_entry payload (alphabetical, as Toggl sends them)."""

# Track write routes (below /api/v9) -> (model, action). "bulk" actions come from the
# response's ``success`` ids; the last path number is the object's id otherwise.
_ROUTES: list[tuple[str, re.Pattern[str], str, str]] = [
    (m, re.compile(p), model, action)
    for m, p, model, action in [
        ("POST", r"/workspaces/(\d+)/time_entries", "time_entry", "created"),
        ("PUT", r"/workspaces/(\d+)/time_entries/(\d+)", "time_entry", "updated"),
        ("PATCH", r"/workspaces/(\d+)/time_entries/(\d+)/stop", "time_entry", "updated"),
        ("PATCH", r"/workspaces/(\d+)/time_entries/([\d,]+)", "time_entry", "bulk"),
        ("DELETE", r"/workspaces/(\d+)/time_entries/(\d+)", "time_entry", "deleted"),
        ("POST", r"/workspaces/(\d+)/projects", "project", "created"),
        ("PUT", r"/workspaces/(\d+)/projects/(\d+)", "project", "updated"),
        ("PATCH", r"/workspaces/(\d+)/projects/([\d,]+)", "project", "bulk"),
        ("DELETE", r"/workspaces/(\d+)/projects/(\d+)", "project", "deleted"),
        ("POST", r"/workspaces/(\d+)/clients", "client", "created"),
        ("PUT", r"/workspaces/(\d+)/clients/(\d+)", "client", "updated"),
        ("POST", r"/workspaces/(\d+)/clients/(\d+)/(?:archive|restore)", "client", "updated"),
        ("DELETE", r"/workspaces/(\d+)/clients/(\d+)", "client", "deleted"),
        ("POST", r"/workspaces/(\d+)/tags", "tag", "created"),
        ("PUT", r"/workspaces/(\d+)/tags/(\d+)", "tag", "updated"),
        ("DELETE", r"/workspaces/(\d+)/tags/(\d+)", "tag", "deleted"),
        ("POST", r"/workspaces/(\d+)/projects/\d+/tasks", "task", "created"),
        ("PUT", r"/workspaces/(\d+)/projects/\d+/tasks/(\d+)", "task", "updated"),
        ("DELETE", r"/workspaces/(\d+)/projects/\d+/tasks/(\d+)", "task", "deleted"),
    ]
]


def _stamp_ns(seconds: float) -> str:
    """RFC 3339 with nanoseconds, as Toggl stamps envelopes."""
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def _stamp_us(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class WebhookFaults:
    """Delivery faults, changeable while the sandbox runs.

    ``repeat``: extra copies of every event (same ``event_id``, fresh timestamp);
    ``delay``: seconds before an event's first attempt; ``out_of_order``: hold each event
    until the next one and send the newer first; ``wrong_secret``: sign this many next
    delivery attempts with a wrong secret (the receiver must refuse them; Toggl retries).
    """

    repeat: int = 0
    delay: float = 0.0
    out_of_order: bool = False
    wrong_secret: int = 0


class DeliveryRecord:
    """One delivery attempt, as the sandbox saw it (status 0: the request failed)."""

    __slots__ = ("attempt", "event_id", "model", "status", "subscription_id")

    def __init__(
        self, subscription_id: int, event_id: int, model: str, attempt: int, status: int
    ) -> None:
        self.subscription_id = subscription_id
        self.event_id = event_id
        self.model = model
        self.attempt = attempt
        self.status = status

    def __repr__(self) -> str:
        return (
            f"DeliveryRecord(sub={self.subscription_id}, event={self.event_id}, "
            f"model={self.model!r}, attempt={self.attempt}, status={self.status})"
        )


@dataclass
class _Pending:
    sub: JSONDict
    envelope: JSONDict
    model: str


@dataclass
class _Sub:
    data: JSONDict
    code: str | None = None
    pending: int = 0


class WebhookHub:
    """Subscriptions, pings, validation and event delivery for one sandbox."""

    def __init__(self, ctx: Context, *, seed: int = 1) -> None:
        self._ctx = ctx
        self._rng = random.Random(seed)
        self._subs: dict[int, _Sub] = {}
        self._next_sub = 10_700
        self._next_event = 8_023_169_274_704_072
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[int, _Pending] = {}
        self.faults = WebhookFaults()
        self.retry_delays: Sequence[float] = tuple(2.0**i for i in range(8))
        """Waits between attempts; its length + 1 is the attempt count (Toggl: undocumented)."""
        self.timeout = 5.0
        self.max_webhooks = 3
        self.max_events_per_webhook = 12
        self.deliveries: list[DeliveryRecord] = []
        self.clock: Callable[[], float] = lambda: time.time() + ctx.account.clock_skew
        self._running = self._running_id()
        self.base_url: Callable[[], str] = lambda: "http://127.0.0.1"
        """The sandbox's address, for ``validation_code_url`` (set by the server)."""

    # -- routes ----------------------------------------------------------------------------------

    def routes(self, prefix: str) -> list[web.RouteDef]:
        sub = prefix + r"/subscriptions/{wid:\d+}/{sid:\d+}"
        return [
            web.get(prefix + r"/subscriptions/{wid:\d+}", self.list_subs),
            web.post(prefix + r"/subscriptions/{wid:\d+}", self.create),
            web.put(sub, self.update),
            web.patch(sub, self.patch),
            web.delete(sub, self.delete),
            web.post(prefix + r"/ping/{wid:\d+}/{sid:\d+}", self.ping),
            web.get(prefix + r"/validate/{wid:\d+}/{sid:\d+}/{code}", self.validate),
            web.get(prefix + "/event_filters", self.event_filters),
            web.get(prefix + r"/limits/{wid:\d+}", self.limits),
            web.get(prefix + "/status", self.status),
        ]

    @staticmethod
    def public(path: str, prefix: str) -> bool:
        """Endpoints Toggl declares without auth (the validation link is opened bare)."""
        rest = path[len(prefix) :]
        return rest.startswith("/validate/") or rest in ("/status", "/event_filters")

    # -- the API ----------------------------------------------------------------------------

    def _wid(self, request: web.Request) -> int:
        wid = int(request.match_info["wid"])
        if wid not in self._ctx.account.index().workspaces:
            raise ApiError(403, "User not found/accessible for workspace")
        return wid

    def _sub(self, request: web.Request) -> _Sub:
        wid = self._wid(request)
        sid = int(request.match_info["sid"])
        found = self._subs.get(sid)
        if found is None or found.data["workspace_id"] != wid:
            raise ApiError(404, f"subscription {sid} for workspace {wid} was not found")
        return found

    async def list_subs(self, request: web.Request) -> web.Response:
        wid = self._wid(request)
        return ok([s.data for s in self._subs.values() if s.data["workspace_id"] == wid])

    async def create(self, request: web.Request) -> web.Response:
        wid = self._wid(request)
        body = body_object(request)
        fields = self._check(wid, body, own=None)
        if fields["enabled"]:
            self._check_limit(wid, None)
        now = self.clock()
        self._next_sub += 1
        secret = body.get("secret")
        if not isinstance(secret, str) or not secret:
            secret = "".join(
                self._rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
                for _ in range(20)
            )
        data: JSONDict = {
            "subscription_id": self._next_sub,
            "workspace_id": wid,
            "user_id": self._ctx.account.user_id,
            "enabled": fields["enabled"],
            "description": fields["description"],
            "event_filters": fields["event_filters"],
            "url_callback": fields["url_callback"],
            "secret": secret,
            "validated_at": None,
            "has_pending_events": False,
            "created_at": _stamp_us(now),
        }
        sub = _Sub(data)
        await self._probe(sub, status_text="200")
        self._subs[data["subscription_id"]] = sub
        return ok(data)

    async def update(self, request: web.Request) -> web.Response:
        sub = self._sub(request)
        body = body_object(request)
        wid = sub.data["workspace_id"]
        fields = self._check(wid, body, own=sub.data["subscription_id"])
        secret = body.get("secret")
        if not isinstance(secret, str) or not secret:
            raise ApiError(400, "Subscription secret must not be empty")
        if fields["enabled"] and not sub.data["enabled"]:
            self._check_limit(wid, sub.data["subscription_id"])
        candidate = _Sub({**sub.data, **fields, "secret": secret}, code=sub.code)
        if fields["url_callback"] != sub.data["url_callback"]:
            candidate.data["validated_at"] = None
        await self._probe(candidate, status_text="2xx")
        sub.data, sub.code = candidate.data, candidate.code
        sub.data["updated_at"] = _stamp_us(self.clock())
        return ok(sub.data)

    async def patch(self, request: web.Request) -> web.Response:
        sub = self._sub(request)
        body = body_object(request)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise ApiError(400, "Invalid JSON input")
        if enabled and not sub.data["enabled"]:
            self._check_limit(sub.data["workspace_id"], sub.data["subscription_id"])
            await self._probe(sub, status_text="200")
        sub.data["enabled"] = enabled
        sub.data["updated_at"] = _stamp_us(self.clock())
        return ok(sub.data)

    async def delete(self, request: web.Request) -> web.Response:
        sub = self._sub(request)
        del self._subs[sub.data["subscription_id"]]
        sub.data["deleted_at"] = _stamp_us(self.clock())
        return ok(sub.data)

    async def ping(self, request: web.Request) -> web.Response:
        sub = self._sub(request)
        with contextlib.suppress(ApiError):
            await self._probe(sub, status_text="200")
        return ok({"status": "OK"})

    async def validate(self, request: web.Request) -> web.Response:
        wid = int(request.match_info["wid"])
        sid = int(request.match_info["sid"])
        code = request.match_info["code"]
        sub = self._subs.get(sid)
        if sub is not None and sub.data["workspace_id"] == wid and sub.data["validated_at"]:
            raise ApiError(400, f"subscription {sid} has already been validated")
        if (
            sub is None
            or sub.data["workspace_id"] != wid
            or sub.code is None
            or not (hmac.compare_digest(sub.code, code))
        ):
            raise ApiError(
                400,
                f"subscription {sid} for workspace {wid} and validation code '{code}' "
                "was not found",
            )
        sub.data["validated_at"] = _stamp_us(self.clock())
        sub.code = None
        return ok("OK")

    async def event_filters(self, request: web.Request) -> web.Response:
        return ok({entity: list(ACTIONS) for entity in ENTITIES})

    async def limits(self, request: web.Request) -> web.Response:
        self._wid(request)
        return ok(
            {
                "max_webhooks": self.max_webhooks,
                "max_events_per_webhook": self.max_events_per_webhook,
            }
        )

    async def status(self, request: web.Request) -> web.Response:
        return ok({"status": "OK"})

    # -- checks, with Toggl's texts ----------------------------------------------------------------

    def _check(self, wid: int, body: JSONDict, own: int | None) -> JSONDict:
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise ApiError(400, "Subscription description must not be empty")
        for other in self._subs.values():
            same_ws = other.data["workspace_id"] == wid
            if (
                same_ws
                and other.data["subscription_id"] != own
                and other.data["description"] == (description)
            ):
                raise ApiError(
                    400,
                    f"Subscription description '{description}' is already in use for "
                    f"workspace {wid}",
                )
        filters = body.get("event_filters")
        if not isinstance(filters, list) or not filters:
            raise ApiError(400, "The list of event filters must not be empty")
        if len(filters) > self.max_events_per_webhook:
            raise ApiError(
                400,
                f"The limit of {self.max_events_per_webhook} event filters for your subscription "
                f"has been exceeded as you're trying to set {len(filters)} filters",
            )
        clean: list[JSONDict] = []
        for item in filters:
            entity = item.get("entity") if isinstance(item, dict) else None
            action = item.get("action") if isinstance(item, dict) else None
            if not isinstance(entity, str) or not entity:
                raise ApiError(
                    400, "The entity field for each subscription event filter must be non-empty"
                )
            if entity != "*" and not _NAME.fullmatch(entity):
                raise ApiError(
                    400,
                    f"The value '{entity}' for the filter entity can only contain letters, "
                    "numbers and '_' or be '*' to match all entities",
                )
            if not isinstance(action, str) or not action:
                raise ApiError(
                    400, "The action field for each subscription event filter must be non-empty"
                )
            if action != "*" and not _NAME.fullmatch(action):
                raise ApiError(
                    400,
                    f"The value '{action}' for the filter action can only contain letters, "
                    "numbers and '_' or be '*' to match all actions",
                )
            if action != "*" and action not in ACTIONS:
                raise ApiError(400, f"Invalid value '{action}' for event filter action")
            if entity != "*" and entity not in ENTITIES:
                raise ApiError(400, f"Invalid value '{entity}' for event filter entity")
            pair = {"entity": entity, "action": action}
            if pair in clean:
                raise ApiError(
                    400,
                    "The following event filter appears more than once for your subscription: "
                    f"{entity}:{action}",
                )
            clean.append(pair)
        url = body.get("url_callback")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(400, "URL endpoint must be a valid URL")
        enabled = body.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ApiError(400, "Invalid JSON input")
        return {
            "description": description,
            "event_filters": clean,
            "url_callback": url,
            "enabled": enabled,
        }

    def _check_limit(self, wid: int, own: int | None) -> None:
        enabled = [
            s
            for s in self._subs.values()
            if s.data["workspace_id"] == wid
            and s.data["enabled"]
            and s.data["subscription_id"] != own
        ]
        if len(enabled) >= self.max_webhooks:
            raise ApiError(
                400,
                f"User {self._ctx.account.user_id} already reached the limit of "
                f"{self.max_webhooks} enabled subscriptions for workspace {wid}",
            )

    # -- pings and validation -----------------------------------------------------------------

    async def _probe(self, sub: _Sub, *, status_text: str) -> None:
        """POST a ping to the URL; 400 with Toggl's texts when it is not answered 2xx."""
        data = sub.data
        envelope: JSONDict = {
            "event_id": 0,
            "created_at": _stamp_ns(self.clock()),
            "creator_id": data["user_id"],
            "metadata": {"request_type": "POST", "event_user_id": data["user_id"]},
            "payload": "ping",
            "subscription_id": data["subscription_id"],
        }
        if data["validated_at"] is None:
            sub.code = f"{self._rng.getrandbits(128):032x}"
        try:
            status, answer = await self._post(sub, envelope, with_code=data["validated_at"] is None)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise ApiError(
                400, f"URL endpoint {data['url_callback']} request failed with error: {reason}"
            ) from None
        self.deliveries.append(DeliveryRecord(data["subscription_id"], 0, "ping", 1, status))
        if not 200 <= status < 300:
            raise ApiError(
                400,
                f"URL endpoint {data['url_callback']} responded with status {status} instead "
                f"of {status_text}",
            )
        code = sub.code
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            echoed = json.loads(answer)
            if code and isinstance(echoed, dict) and echoed.get("validation_code") == code:
                data["validated_at"] = _stamp_us(self.clock())
                sub.code = None

    async def _post(self, sub: _Sub, envelope: JSONDict, *, with_code: bool) -> tuple[int, bytes]:
        data = sub.data
        full = dict(envelope)
        full["timestamp"] = _stamp_ns(self.clock())
        full["url_callback"] = data["url_callback"]
        if with_code and sub.code:
            full["validation_code"] = sub.code
            base = self.base_url()
            full["validation_code_url"] = (
                f"{base}/webhooks/api/v1/validate/{data['workspace_id']}/"
                f"{data['subscription_id']}/{sub.code}"
            )
        body = _compact(full)
        secret = str(data["secret"])
        if self.faults.wrong_secret > 0:
            self.faults.wrong_secret -= 1
            secret = "not-" + secret
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Signature-256": f"sha256={digest}",
            "User-Agent": "toggl-async-sandbox-webhooks",
        }
        session = self._ensure_session()
        async with session.post(
            data["url_callback"],
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        ) as resp:
            return resp.status, await resp.read()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- change events -----------------------------------------------------------------------------

    def _running_id(self) -> int | None:
        row = self._ctx.account.time_entries.running_row(self._ctx.account.user_id)
        return None if row is None else row.id

    def track_changed(self, request: web.Request, path: str, response: web.StreamResponse) -> None:
        """The server's hook: a Track write under ``path`` (below /api/v9) succeeded."""
        before, self._running = self._running, self._running_id()
        found = self._route(request.method, path, response)
        if found is None:
            return
        wid, model, changes = found
        touched = {entity_id for entity_id, _, _ in changes if model == "time_entry"}
        if before is not None and before != self._running and before not in touched:
            # Starting a timer (or making an entry run) stops the one that ran: an update.
            stopped = self._ctx.account.time_entries.get(before)
            if stopped is not None and stopped["stop"] is not None:
                where = int(stopped["workspace_id"])
                self._publish(request, where, "time_entry", "updated", before, stopped, b"")
        raw = request.get(RAW_BODY, b"")
        for entity_id, kind, obj in changes:
            self._publish(request, wid, model, kind, entity_id, obj, raw)

    @staticmethod
    def _route(
        method: str, path: str, response: web.StreamResponse
    ) -> tuple[int, str, list[tuple[int, str, JSONDict | None]]] | None:
        """(workspace id, model, [(id, action, object or None)]) for a Track write route."""
        for route_method, pattern, model, action in _ROUTES:
            match = pattern.fullmatch(path) if route_method == method else None
            if match is None:
                continue
            answer = _response_json(response)
            changes: list[tuple[Any, str, JSONDict | None]]
            if action == "bulk":
                ids = answer.get("success", []) if isinstance(answer, dict) else []
                changes = [(i, "updated", None) for i in ids]
            elif action == "created":
                created: JSONDict = answer if isinstance(answer, dict) else {}
                changes = [(created.get("id"), action, created)]
            else:
                known = answer if isinstance(answer, dict) and "id" in answer else None
                changes = [(int(match.group(match.lastindex or 1)), action, known)]
            valid = [(i, a, o) for i, a, o in changes if isinstance(i, int)]
            return int(match.group(1)), model, valid
        return None

    def _lookup(self, model: str, entity_id: int) -> JSONDict | None:
        account = self._ctx.account
        if model == "time_entry":
            store = account.time_entries
            found = store.get(entity_id)
            if found is None:
                row = store.deleted_row(entity_id)
                found = None if row is None else store.render(row)
            return found
        index = account.index()
        table: dict[int, JSONDict] = {
            "project": index.projects,
            "client": index.clients,
            "tag": index.tags,
            "task": index.tasks,
        }.get(model, {})
        return table.get(entity_id)

    def _publish(
        self,
        request: web.Request,
        wid: int,
        model: str,
        action: str,
        entity_id: int,
        obj: JSONDict | None,
        raw: bytes,
    ) -> None:
        subs = [
            s
            for s in self._subs.values()
            if s.data["workspace_id"] == wid
            and s.data["enabled"]
            and s.data["validated_at"]
            and any(
                f["entity"] in ("*", model) and f["action"] in ("*", action)
                for f in s.data["event_filters"]
            )
        ]
        if not subs:
            return
        payload = self._lookup(model, entity_id) if obj is None or action == "deleted" else obj
        if payload is None:
            payload = {"id": entity_id, "workspace_id": wid}
        if model == "time_entry":
            payload = {k: payload.get(k) for k in _TIME_ENTRY_KEYS}
        user = str(self._ctx.account.user_id)
        owner = payload.get("user_id") or payload.get("uid") or self._ctx.account.user_id
        metadata = {
            "action": action,
            "event_user_id": user,
            "model": model,
            "model_owner_id": str(owner),
            "path": request.path,
            "request_body": raw.decode("utf-8", "replace"),
            "request_type": request.method,
            f"{model}_id": str(entity_id),
            "workspace_id": str(wid),
        }
        self._next_event += self._rng.randrange(1, 1000)
        envelope: JSONDict = {
            "event_id": self._next_event,
            "created_at": _stamp_ns(self.clock()),
            "creator_id": self._ctx.account.user_id,
            "metadata": dict(sorted(metadata.items())),
            "payload": dict(sorted(payload.items())),
        }
        for sub in subs:
            one = {**envelope, "subscription_id": sub.data["subscription_id"]}
            self._schedule(_Pending(sub.data, one, model))

    def _schedule(self, pending: _Pending) -> None:
        faults = self.faults
        copies = 1 + max(0, faults.repeat)
        if not faults.out_of_order:
            for _ in range(copies):
                self._spawn(pending, faults.delay)
            return
        sid = pending.sub["subscription_id"]
        held = self._held.pop(sid, None)
        if held is None:
            self._held[sid] = pending  # wait for the next event of this subscription
            return
        newer = [self._spawn(pending, faults.delay) for _ in range(copies)]
        for _ in range(copies):  # the older one only once the newer one was delivered
            self._spawn(held, faults.delay, after=newer[0])

    def _spawn(
        self, pending: _Pending, delay: float, after: asyncio.Task[None] | None = None
    ) -> asyncio.Task[None] | None:
        sub = self._subs.get(pending.sub["subscription_id"])
        if sub is None:
            return None
        sub.pending += 1
        sub.data["has_pending_events"] = True
        task = asyncio.get_running_loop().create_task(self._deliver(sub, pending, delay, after))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(
        self, sub: _Sub, pending: _Pending, delay: float, after: asyncio.Task[None] | None
    ) -> None:
        if after is not None:
            await asyncio.wait([after])
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            waits = list(self.retry_delays)
            attempt = 0
            while True:
                attempt += 1
                try:
                    status, _ = await self._post(sub, pending.envelope, with_code=False)
                except (aiohttp.ClientError, OSError, TimeoutError):
                    status = 0
                self.deliveries.append(
                    DeliveryRecord(
                        sub.data["subscription_id"],
                        pending.envelope["event_id"],
                        pending.model,
                        attempt,
                        status,
                    )
                )
                if 200 <= status < 300 or not waits:
                    if not 200 <= status < 300:
                        log.warning("gave up delivering event %s", pending.envelope["event_id"])
                    return
                await asyncio.sleep(waits.pop(0))
        finally:
            sub.pending -= 1
            sub.data["has_pending_events"] = sub.pending > 0

    def flush(self) -> None:
        """Send the events held back by the ``out_of_order`` fault."""
        held, self._held = self._held, {}
        for pending in held.values():
            for _ in range(1 + max(0, self.faults.repeat)):
                self._spawn(pending, self.faults.delay)

    async def idle(self) -> None:
        """Wait until no delivery is in flight (wrap it in ``asyncio.timeout``)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._held = {}
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def subscriptions(self) -> list[JSONDict]:
        """Every subscription, as the API shows them (for tests)."""
        return [s.data for s in self._subs.values()]


def _response_json(response: web.StreamResponse) -> Any:
    body = response.body if isinstance(response, web.Response) else None
    if not isinstance(body, bytes) or not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
