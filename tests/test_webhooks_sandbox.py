"""The whole loop on one machine: the sandbox's Webhooks API delivers signed events for Track
changes to a local receiver (the library's own aiohttp app), through the async client and the
blocking shim. Every wait has a deadline."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import queue
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from anyio.from_thread import BlockingPortal, start_blocking_portal

import toggl_async_sync
from toggl_async import BadRequestError, RetryPolicy, TogglClient
from toggl_async.records import Client, Project, Tag, Task, TimeEntry
from toggl_async.testing import Account, Sandbox
from toggl_async.webhooks import (
    HANDLER_KEY,
    Event,
    WebhookLimitError,
    WebhookReceiver,
    make_app,
    parse_event,
)

SECRET = "sandbox-signing-secret"
DEADLINE = 10.0
FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0)


@dataclass
class Receiver:
    """A local endpoint: the library's app, plus switches to make it fail on purpose."""

    url: str
    app: web.Application
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    fail_next: int = 0
    answered: list[int] = field(default_factory=list)

    async def next(self) -> Event:
        async with asyncio.timeout(DEADLINE):
            return await self.events.get()

    async def next_change(self) -> Event:
        while True:
            event = await self.next()
            if not event.is_ping:
                return event

    def pending(self) -> list[Event]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out


async def start_receiver(
    secret: str | list[str] = SECRET, **options: Any
) -> tuple[Receiver, web.AppRunner]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    events: asyncio.Queue[Event] = asyncio.Queue()

    async def on_event(event: Event) -> None:
        await events.put(event)

    app = make_app(secret, on_event, path="/hook", receiver=WebhookReceiver(secret, **options))
    receiver = Receiver(url, app, events)

    @web.middleware
    async def flaky(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if receiver.fail_next > 0:
            receiver.fail_next -= 1
            receiver.answered.append(500)
            return web.Response(status=500)
        response = await handler(request)
        receiver.answered.append(response.status)
        return response

    app.middlewares.append(flaky)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return receiver, runner


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec, runner = await start_receiver()
    try:
        yield rec
    finally:
        await runner.cleanup()


@pytest.fixture
async def toggl(toggl_sandbox: Sandbox) -> AsyncIterator[TogglClient]:
    toggl_sandbox.webhooks.retry_delays = (0.05, 0.1, 0.2, 0.4)
    async with connect(toggl_sandbox) as client:
        yield client


def connect(sb: Sandbox) -> TogglClient:
    return TogglClient(
        api_token=sb.api_token,
        track_base_url=sb.track_base_url,
        webhooks_base_url=sb.webhooks_base_url,
        retry=FAST,
    )


def wid_of(sb: Sandbox) -> int:
    return int(sb.account.workspaces[0]["id"])


async def no_timer_running(toggl: TogglClient) -> None:
    """Stop the account's running entry, so starting one publishes a single event."""
    current = await toggl.time_entries.current()
    if current is not None and current.workspace_id is not None:
        await toggl.time_entries.stop(current.workspace_id, current.id)


async def subscribe(
    toggl: TogglClient, sb: Sandbox, rec: Receiver, filters: list[tuple[str, str]], **kw: Any
) -> int:
    sub = await toggl.webhooks.create(
        wid_of(sb),
        url_callback=rec.url,
        event_filters=filters,
        description=kw.pop("description", "test"),
        secret=kw.pop("secret", SECRET),
        **kw,
    )
    return sub.subscription_id


async def test_start_a_timer_and_receive_the_verified_event(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    await no_timer_running(toggl)
    sid = await subscribe(toggl, sb, receiver, [("time_entry", "*")])
    ping = await receiver.next()  # the validation ping, answered with its code
    assert ping.is_ping and ping.validation_code
    [sub] = await toggl.webhooks.list(wid)
    assert sub.subscription_id == sid and sub.validated and sub.delivering

    entry = await toggl.time_entries.start(wid, description="webhook test")
    started = await receiver.next_change()
    assert (started.model, started.action, started.subscription_id) == (
        "time_entry",
        "created",
        sid,
    )
    assert isinstance(started.payload, TimeEntry)
    assert started.payload.id == entry.id
    assert started.payload.is_running
    assert started.payload.description == "webhook test"
    assert started.metadata.workspace_id == wid
    assert started.metadata.request_type == "POST"
    assert started.metadata.path == f"/api/v9/workspaces/{wid}/time_entries"
    assert json.loads(started.metadata.request_body or "")["description"] == "webhook test"

    await toggl.time_entries.stop(wid, entry.id)
    stopped = await receiver.next_change()
    assert (stopped.action, stopped.entity_id) == ("updated", entry.id)
    assert isinstance(stopped.payload, TimeEntry) and not stopped.payload.is_running

    await toggl.time_entries.update(wid, entry.id, description="edited")
    edited = await receiver.next_change()
    assert isinstance(edited.payload, TimeEntry) and edited.payload.description == "edited"

    await toggl.time_entries.delete(wid, entry.id)
    deleted = await receiver.next_change()
    assert (deleted.action, deleted.entity_id) == ("deleted", entry.id)
    assert isinstance(deleted.payload, TimeEntry) and deleted.payload.server_deleted_at is not None
    assert len({started.event_id, stopped.event_id, edited.event_id, deleted.event_id}) == 4


async def test_starting_a_timer_publishes_the_stop_of_the_running_one(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    wid = wid_of(toggl_sandbox)
    await no_timer_running(toggl)
    await subscribe(toggl, toggl_sandbox, receiver, [("time_entry", "*")])
    await receiver.next()
    first = await toggl.time_entries.start(wid, description="first")
    assert (await receiver.next_change()).entity_id == first.id
    second = await toggl.time_entries.start(wid, description="second")
    got = sorted([await receiver.next_change() for _ in range(2)], key=lambda e: e.event_id)
    assert [(e.action, e.entity_id) for e in got] == [("updated", first.id), ("created", second.id)]
    assert isinstance(got[0].payload, TimeEntry) and not got[0].payload.is_running
    await toggl.time_entries.stop(wid, second.id)  # an explicit stop: one event, not two
    assert (await receiver.next_change()).entity_id == second.id
    async with asyncio.timeout(DEADLINE):
        await toggl_sandbox.webhooks.idle()
    assert receiver.pending() == []


async def test_wire_format_matches_toggl(toggl_sandbox: Sandbox, toggl: TogglClient) -> None:
    """Check the raw bytes with an independent receiver: key order, signature, headers."""
    bodies: list[tuple[bytes, dict[str, str]]] = []

    async def raw(request: web.Request) -> web.Response:
        bodies.append((await request.read(), dict(request.headers)))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/raw", raw)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        wid = wid_of(toggl_sandbox)
        sub = await toggl.webhooks.create(
            wid,
            url_callback=f"http://127.0.0.1:{sock.getsockname()[1]}/raw",
            event_filters=[("project", "created")],
            description="raw",
            secret=SECRET,
        )
        assert not sub.validated  # the answer did not echo the code
        body, _ = bodies[0]
        code = json.loads(body)["validation_code"]
        await toggl.webhooks.validate(wid, sub.subscription_id, code)  # asynchronous handshake
        with pytest.raises(BadRequestError, match="already been validated"):
            await toggl.webhooks.validate(wid, sub.subscription_id, code)
        project = await toggl.projects.create(wid, name="Hooked")
        async with asyncio.timeout(DEADLINE):
            await toggl_sandbox.webhooks.idle()
    finally:
        await runner.cleanup()
    body, headers = bodies[-1]
    assert headers["Content-Type"] == "application/json"
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Webhook-Signature-256"] == f"sha256={digest}"
    doc = json.loads(body)
    assert list(doc) == [
        "event_id",
        "created_at",
        "creator_id",
        "metadata",
        "payload",
        "subscription_id",
        "timestamp",
        "url_callback",
    ]
    assert b" " not in body.replace(b"Hooked", b"")  # compact
    assert list(doc["metadata"]) == sorted(doc["metadata"])
    assert doc["metadata"]["project_id"] == str(project.id)
    assert all(isinstance(v, str) for v in doc["metadata"].values())
    assert doc["payload"]["name"] == "Hooked"
    assert doc["timestamp"].endswith("Z") and len(doc["timestamp"].split(".")[1]) == 10


async def test_every_workspace_object_publishes(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    wid = wid_of(toggl_sandbox)
    await subscribe(toggl, toggl_sandbox, receiver, [("*", "*")])
    await receiver.next()
    client = await toggl.clients.create(wid, name="Hook client")
    await toggl.clients.update(wid, client.id, name="Hook client 2")
    project = await toggl.projects.create(wid, name="Hook project", client_id=client.id)
    await toggl.projects.update(wid, project.id, name="Hook project 2")
    tag = await toggl.tags.create(wid, name="hooktag")
    await toggl.tags.update(wid, tag.id, name="hooktag2")
    task = await toggl.tasks.create(wid, project.id, name="Hook task")
    await toggl.tasks.update(wid, project.id, task.id, name="Hook task 2")
    await toggl.tasks.delete(wid, project.id, task.id)
    await toggl.tags.delete(wid, tag.id)
    await toggl.projects.delete(wid, project.id)
    await toggl.clients.delete(wid, client.id)
    expected = [
        ("client", "created", client.id, Client),
        ("client", "updated", client.id, Client),
        ("project", "created", project.id, Project),
        ("project", "updated", project.id, Project),
        ("tag", "created", tag.id, Tag),
        ("tag", "updated", tag.id, Tag),
        ("task", "created", task.id, Task),
        ("task", "updated", task.id, Task),
        ("task", "deleted", task.id, Task),
        ("tag", "deleted", tag.id, Tag),
        ("project", "deleted", project.id, Project),
        ("client", "deleted", client.id, Client),
    ]
    got = [await receiver.next_change() for _ in expected]
    got.sort(key=lambda e: e.event_id)  # delivery is unordered; event ids grow
    assert [(e.model, e.action, e.entity_id, type(e.payload)) for e in got] == expected
    names = [getattr(e.payload, "name", None) for e in got[:2]]
    assert names == ["Hook client", "Hook client 2"]


async def test_filters_disabled_and_unvalidated_get_nothing(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    only_tags = await subscribe(toggl, sb, receiver, [("tag", "deleted")], description="tags")
    await receiver.next()
    off = await subscribe(toggl, sb, receiver, [("*", "*")], description="off", enabled=False)
    await receiver.next()
    await toggl.projects.create(wid, name="Nobody hears this")
    tag = await toggl.tags.create(wid, name="short-lived")
    await toggl.tags.delete(wid, tag.id)
    event = await receiver.next_change()
    assert (event.subscription_id, event.model, event.action) == (only_tags, "tag", "deleted")
    async with asyncio.timeout(DEADLINE):
        await sb.webhooks.idle()
    assert receiver.pending() == []
    await toggl.webhooks.enable(wid, off)
    assert (await receiver.next()).is_ping  # enabling probes the URL
    await toggl.tags.create(wid, name="now heard")
    event = await receiver.next_change()
    assert (event.subscription_id, event.action) == (off, "created")


async def test_failed_delivery_is_retried_with_the_same_event_id(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    sid = await subscribe(toggl, sb, receiver, [("client", "created")])
    await receiver.next()
    receiver.fail_next = 2
    client = await toggl.clients.create(wid, name="Retried")
    event = await receiver.next_change()
    assert event.entity_id == client.id
    async with asyncio.timeout(DEADLINE):
        await sb.webhooks.idle()
    attempts = [d for d in sb.webhooks.deliveries if d.event_id == event.event_id]
    assert [(d.attempt, d.status) for d in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert not (await toggl.webhooks.get(wid, sid)).has_pending_events


async def test_fault_injection_receiver_copes(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    await subscribe(toggl, sb, receiver, [("tag", "created")])
    await receiver.next()
    faults = sb.webhooks.faults

    faults.repeat = 2  # three copies: the receiver hands one to the callback
    first = await toggl.tags.create(wid, name="repeated")
    assert (await receiver.next_change()).entity_id == first.id
    async with asyncio.timeout(DEADLINE):
        await sb.webhooks.idle()
    assert receiver.pending() == []
    assert receiver.answered[-3:] == [200, 200, 200]
    faults.repeat = 0

    faults.wrong_secret = 1  # refused with 401, then retried with the right signature
    second = await toggl.tags.create(wid, name="wrongly signed")
    assert (await receiver.next_change()).entity_id == second.id
    assert 401 in receiver.answered

    faults.out_of_order = True
    a = await toggl.tags.create(wid, name="older")
    b = await toggl.tags.create(wid, name="newer")
    got = [(await receiver.next_change()).entity_id for _ in range(2)]
    assert got == [b.id, a.id]
    faults.out_of_order = False

    faults.delay = 0.2
    c = await toggl.tags.create(wid, name="delayed")
    assert (await receiver.next_change()).entity_id == c.id


async def test_plan_limits_and_validation_errors(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    sb.webhooks.max_webhooks = 1
    sb.webhooks.max_events_per_webhook = 2
    with pytest.raises(WebhookLimitError, match="limit of 2 event filters"):
        await subscribe(toggl, sb, receiver, [("tag", "*"), ("client", "*"), ("task", "*")])
    await subscribe(toggl, sb, receiver, [("tag", "*")], description="one")
    with pytest.raises(WebhookLimitError, match="limit of 1 enabled subscriptions"):
        await subscribe(toggl, sb, receiver, [("tag", "*")], description="two")
    with pytest.raises(BadRequestError, match="already in use"):
        await subscribe(toggl, sb, receiver, [("tag", "*")], description="one", enabled=False)
    assert (await toggl.webhooks.limits(wid)).max_webhooks == 1
    catalogue = await toggl.webhooks.event_filters()
    assert catalogue["time_entry"] == ["created", "updated", "deleted"]
    assert (await toggl.webhooks.status()).status == "OK"


async def test_unreachable_or_refusing_url_fails_creation(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    closed.close()
    with pytest.raises(BadRequestError, match="request failed with error"):
        await toggl.webhooks.create(
            wid_of(sb), url_callback=dead, event_filters=[("*", "*")], description="x", secret="s"
        )
    with pytest.raises(BadRequestError, match="responded with status 401 instead of 200"):
        await subscribe(toggl, sb, receiver, [("*", "*")], secret="not-the-receivers-secret")
    assert await toggl.webhooks.list(wid_of(sb)) == []


async def test_ping_update_delete(
    toggl_sandbox: Sandbox, toggl: TogglClient, receiver: Receiver
) -> None:
    sb = toggl_sandbox
    wid = wid_of(sb)
    sid = await subscribe(toggl, sb, receiver, [("tag", "*")])
    await receiver.next()
    assert (await toggl.webhooks.ping(wid, sid)).status == "OK"
    ping = await receiver.next()
    assert ping.is_ping and ping.validation_code is None  # validated: no code any more
    updated = await toggl.webhooks.update(
        wid,
        sid,
        url_callback=receiver.url,
        event_filters=[("client", "*")],
        description="renamed",
        enabled=True,
        secret=SECRET,
    )
    assert updated.description == "renamed" and updated.delivering
    disabled = await toggl.webhooks.disable(wid, sid)
    assert disabled.enabled is False
    gone = await toggl.webhooks.delete(wid, sid)
    assert gone is not None and gone.deleted_at is not None
    assert await toggl.webhooks.list(wid) == []


# -- the blocking shim ---------------------------------------------------------------------------


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as p:
        yield p


def test_sync_client_end_to_end(portal: BlockingPortal, toggl_account: Account) -> None:
    sb = Sandbox(toggl_account)
    portal.call(sb.start)
    received: queue.Queue[Event] = queue.Queue()

    async def on_event(event: Event) -> None:
        received.put(event)

    async def serve() -> tuple[str, web.AppRunner]:
        app = make_app(SECRET, on_event, path="/hook")
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook", runner

    url, runner = portal.call(serve)
    try:
        with toggl_async_sync.TogglClient(
            api_token=sb.api_token,
            track_base_url=sb.track_base_url,
            webhooks_base_url=sb.webhooks_base_url,
        ) as toggl:
            wid = wid_of(sb)
            sub = toggl.webhooks.create(
                wid,
                url_callback=url,
                event_filters=[("time_entry", "created")],
                description="sync",
                secret=SECRET,
            )
            assert sub.delivering
            assert received.get(timeout=DEADLINE).is_ping
            entry = toggl.time_entries.start(wid, description="from a script")
            event = received.get(timeout=DEADLINE)
            assert (event.model, event.action, event.entity_id) == (
                "time_entry",
                "created",
                entry.id,
            )
            assert [s.subscription_id for s in toggl.webhooks.list(wid)] == [sub.subscription_id]
    finally:
        portal.call(runner.cleanup)
        portal.call(sb.stop)


def test_sandbox_body_parses_with_parse_event() -> None:
    """The sandbox's ping shape is the documented one (a smoke check of the test helpers)."""
    body = b'{"event_id":0,"payload":"ping","metadata":{"request_type":"POST","event_user_id":1}}'
    assert parse_event(body).is_ping
    assert HANDLER_KEY is not None


async def test_sandbox_auth_rules(toggl_sandbox: Sandbox) -> None:
    """Subscriptions need Basic auth; status, the filter catalogue and the validation link
    (opened bare by third-party receivers) do not, as Toggl's Swagger file declares."""
    import aiohttp

    base = toggl_sandbox.webhooks_base_url
    wid = wid_of(toggl_sandbox)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/subscriptions/{wid}") as resp:
            assert resp.status == 403
        async with http.get(f"{base}/status") as resp:
            assert (resp.status, await resp.json()) == (200, {"status": "OK"})
        async with http.get(f"{base}/event_filters") as resp:
            assert resp.status == 200 and "time_entry" in await resp.json()
        async with http.get(f"{base}/validate/{wid}/1/abc") as resp:
            assert resp.status == 400
            assert "validation code 'abc' was not found" in await resp.json()
