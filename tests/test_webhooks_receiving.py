"""The receiving side: signature checks, event parsing, the neutral core and the aiohttp app."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from toggl_async import DecodeError, TogglError
from toggl_async.records import Client, Project, Tag, Task, TimeEntry, Workspace, WorkspaceUser
from toggl_async.webhooks import (
    HANDLER_KEY,
    Entity,
    Event,
    InvalidSignatureError,
    Ping,
    WebhookReceiver,
    make_app,
    parse_event,
    sign,
    verify_signature,
)

DATA = Path(__file__).parent / "data" / "webhooks"
SECRET = "PGuRrhCFajIyEvFlreKL"
DOCS_BODY = (DATA / "ping_docs.body").read_bytes()
DOCS_SIG = "sha256=bf829606cda0ca6923defb5ca70a43135adc7e8887486a201a19cb50ca6006b1"
DOCS_2022_BODY = (DATA / "ping_docs_2022.body").read_bytes()
DOCS_2022_SIG = "sha256=55343383e52a9cd2f56bd4e9fb5b6ce6982fb45955f26ea816cf7495d98c5fd2"
VALIDATION_BODY = (DATA / "validation_ping.body").read_bytes()
VALIDATION_SIG = "sha256=b70fd9f5cc96b2e2cf9bac1c384ab8e5276c2c7763a17b16bc512f0313a04140"
EVENTS: dict[str, Any] = json.loads((DATA / "events.json").read_text())
DEADLINE = 10.0


def body_of(name: str) -> bytes:
    return json.dumps(EVENTS[name], separators=(",", ":")).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Headers as Toggl sends them, signed by an HMAC computed here (not by the library)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Webhook-Signature-256": f"sha256={digest}"}


# -- verify_signature -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "header"),
    [(DOCS_BODY, DOCS_SIG), (DOCS_2022_BODY, DOCS_2022_SIG), (VALIDATION_BODY, VALIDATION_SIG)],
    ids=["docs-2026", "docs-2022", "validation-ping"],
)
def test_documented_vectors_verify(body: bytes, header: str) -> None:
    verify_signature(SECRET, body, header)
    verify_signature(SECRET.encode(), bytearray(body), header.upper().replace("SHA256", "sha256"))
    assert sign(SECRET, body) == header


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_signature("not-the-secret", DOCS_BODY, DOCS_SIG)


@pytest.mark.parametrize(
    "body",
    [
        DOCS_BODY + b"\n",
        DOCS_BODY.replace(b'"creator_id":6', b'"creator_id":7'),
        json.dumps(json.loads(DOCS_BODY)).encode(),  # re-serialised: other separators
    ],
    ids=["trailing-newline", "one-value-changed", "re-serialised"],
)
def test_modified_body_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(SECRET, body, DOCS_SIG)


@pytest.mark.parametrize("header", [None, "", "  "])
def test_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignatureError, match="missing"):
        verify_signature(SECRET, DOCS_BODY, header)


@pytest.mark.parametrize(
    "header",
    [DOCS_SIG[7:], "md5=" + DOCS_SIG[7:], DOCS_SIG[:-2], DOCS_SIG[:-1] + "g", "sha256"],
    ids=["no-prefix", "other-algorithm", "short", "not-hex", "no-digest"],
)
def test_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(InvalidSignatureError, match="not of the form"):
        verify_signature(SECRET, DOCS_BODY, header)


def test_rotated_secrets_accept_old_and_new() -> None:
    new = "the-new-secret"
    new_header = signed(DOCS_BODY, new)["X-Webhook-Signature-256"]
    for secrets in ([SECRET, new], [new, SECRET], (new.encode(), SECRET)):
        verify_signature(secrets, DOCS_BODY, DOCS_SIG)
        verify_signature(secrets, DOCS_BODY, new_header)
    with pytest.raises(InvalidSignatureError):
        verify_signature([new, "third"], DOCS_BODY, DOCS_SIG)


@pytest.mark.parametrize(
    "body", [DOCS_BODY.decode(), json.loads(DOCS_BODY), None], ids=["str", "dict", "none"]
)
def test_only_raw_bytes_can_be_verified(body: Any) -> None:
    with pytest.raises(TypeError, match="raw_body must be the request body exactly as received"):
        verify_signature(SECRET, body, DOCS_SIG)


@pytest.mark.parametrize(
    ("secret", "error"),
    [
        ({"a": "b"}, TypeError),
        (42, TypeError),
        ([], ValueError),
        ("", ValueError),
        ([1], TypeError),
    ],
)
def test_bad_secret_argument(secret: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="secret"):
        verify_signature(secret, DOCS_BODY, DOCS_SIG)


def test_errors_never_show_the_secret_or_the_expected_digest() -> None:
    with pytest.raises(InvalidSignatureError) as caught:
        verify_signature(SECRET, DOCS_BODY, "sha256=" + "0" * 64)
    text = str(caught.value) + repr(caught.value)
    assert SECRET not in text
    assert DOCS_SIG[7:] not in text
    assert isinstance(caught.value, TogglError)
    assert SECRET not in repr(WebhookReceiver(SECRET))


# -- parse_event ----------------------------------------------------------------------------------


def test_documented_ping_parses() -> None:
    event = parse_event(DOCS_BODY)
    assert event.event_id == 0
    assert event.is_ping
    assert event.payload == Ping()
    assert event.creator_id == 6
    assert event.subscription_id == 6
    assert event.metadata.event_user_id == 6
    assert event.metadata.request_type == "POST"
    assert event.created_at == datetime(2022, 6, 25, 3, 58, 10, 207820, tzinfo=UTC)
    assert event.url_callback == "https://callback-url.com"


def test_validation_ping_carries_the_code() -> None:
    event = parse_event(VALIDATION_BODY)
    assert isinstance(event.payload, Ping)
    assert event.payload.validation_code == "89627dd73f2044f2f73815d665bbce33"
    assert event.validation_code == "89627dd73f2044f2f73815d665bbce33"
    assert event.payload.validation_code_url is not None
    assert event.payload.validation_code_url.endswith("/7435584/10710/" + event.validation_code)


@pytest.mark.parametrize(
    ("name", "record", "action"),
    [
        ("time_entry_created", TimeEntry, "created"),
        ("time_entry_updated", TimeEntry, "updated"),
        ("time_entry_deleted", TimeEntry, "deleted"),
        ("project_created", Project, "created"),
        ("client_updated", Client, "updated"),
        ("tag_deleted", Tag, "deleted"),
        ("task_created", Task, "created"),
        ("workspace_updated", Workspace, "updated"),
        ("workspace_user_created", WorkspaceUser, "created"),
    ],
)
def test_every_documented_kind_parses_into_its_record(
    name: str, record: type[Any], action: str
) -> None:
    source = EVENTS[name]
    event = parse_event(body_of(name))
    assert type(event.payload) is record
    assert event.action == action
    assert event.model == source["metadata"]["model"]
    assert event.event_id == source["event_id"]
    assert event.payload.id == source["payload"]["id"]
    assert event.entity_id == source["payload"]["id"]
    assert event.metadata.entity_id == source["payload"]["id"]
    assert event.metadata.workspace_id == 7435584  # a digit string on the wire
    assert event.metadata.event_user_id == 9547721
    assert event.subscription_id == 10713


def test_time_entry_payload_fields() -> None:
    started = parse_event(body_of("time_entry_created")).payload
    assert isinstance(started, TimeEntry)
    assert started.is_running
    assert started.stop is None
    assert started.tag_ids is None
    assert started.tags == []
    stopped = parse_event(body_of("time_entry_updated")).payload
    assert isinstance(stopped, TimeEntry)
    assert not stopped.is_running
    assert stopped.duration == 3001
    deleted = parse_event(body_of("time_entry_deleted")).payload
    assert isinstance(deleted, TimeEntry)
    assert deleted.server_deleted_at is not None


def test_unknown_fields_are_kept_everywhere() -> None:
    doc = dict(EVENTS["project_created"])
    doc["brand_new_envelope_key"] = [1, 2]
    event = parse_event(json.dumps(doc).encode())
    assert event.extra["brand_new_envelope_key"] == [1, 2]
    assert event.payload.extra["brand_new_field"] == {"x": 1}
    assert event.metadata.extra["project_id"] == "190232810"


def test_unknown_entity_is_kept_whole() -> None:
    source = EVENTS["project_group_created"]
    event = parse_event(body_of("project_group_created"))
    assert type(event.payload) is Entity
    assert event.payload.id == 4401
    assert dict(event.payload.extra) == {k: v for k, v in source["payload"].items() if k != "id"}
    assert event.model == "project_group"
    assert event.entity_id == 4401


def test_payload_that_does_not_fit_its_record_is_kept_as_entity() -> None:
    doc = json.loads(body_of("tag_deleted"))
    doc["payload"] = {"name": "no id here", "workspace_id": 7435584}
    event = parse_event(json.dumps(doc).encode())
    assert type(event.payload) is Entity
    assert event.payload.extra == {"name": "no id here", "workspace_id": 7435584}
    assert event.entity_id == 9901  # from metadata.tag_id


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1,2]", b'{"payload":"ping"}', b'{"event_id":1,"payload":[1]}'],
    ids=["not-json", "array", "no-event-id", "bad-payload"],
)
def test_not_an_event_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_event(body)


# -- the framework-neutral core ------------------------------------------------------------------


def test_receiver_answers_the_validation_handshake() -> None:
    receiver = WebhookReceiver(SECRET)
    reply = receiver.handle("POST", signed(VALIDATION_BODY), VALIDATION_BODY)
    assert reply.status == 200
    assert json.loads(reply.body) == {"validation_code": "89627dd73f2044f2f73815d665bbce33"}
    assert reply.event is not None
    assert reply.event.is_ping
    plain = receiver.handle("POST", signed(DOCS_BODY), DOCS_BODY)
    assert (plain.status, plain.body) == (200, b"{}")


def test_receiver_refuses_a_bad_signature_without_detail() -> None:
    receiver = WebhookReceiver(SECRET)
    body = body_of("time_entry_created")
    for headers in (signed(body, "wrong"), {"Content-Type": "application/json"}):
        reply = receiver.handle("POST", headers, body)
        assert reply.status == 401
        assert reply.event is None
        assert json.loads(reply.body) == {"error": "unauthorized"}


def test_receiver_reads_headers_in_any_case() -> None:
    body = body_of("time_entry_created")
    headers = {k.lower(): v for k, v in signed(body).items()}
    assert WebhookReceiver(SECRET).handle("POST", headers, body).status == 200


def test_receiver_drops_a_duplicate_event() -> None:
    receiver = WebhookReceiver(SECRET)
    body = body_of("time_entry_created")
    first = receiver.handle("POST", signed(body), body)
    assert first.event is not None
    # A retry has a fresh timestamp (other bytes, other signature) but the same event_id.
    doc = json.loads(body)
    doc["timestamp"] = "2023-07-17T11:45:00.000000001Z"
    retry = json.dumps(doc).encode()
    second = receiver.handle("POST", signed(retry), retry)
    assert (second.status, second.event) == (200, None)
    other = body_of("time_entry_updated")
    assert receiver.handle("POST", signed(other), other).event is not None
    pings = [receiver.handle("POST", signed(DOCS_BODY), DOCS_BODY).event for _ in range(2)]
    assert all(p is not None for p in pings)  # pings (event_id 0) are never deduplicated


def test_receiver_memory_is_bounded() -> None:
    receiver = WebhookReceiver(SECRET, remember=2)
    bodies = [body_of(n) for n in ("time_entry_created", "time_entry_updated", "project_created")]
    for body in bodies:
        assert receiver.handle("POST", signed(body), body).event is not None
    # The oldest was forgotten: a late redelivery of it goes through again.
    assert receiver.handle("POST", signed(bodies[0]), bodies[0]).event is not None
    assert receiver.handle("POST", signed(bodies[2]), bodies[2]).event is None


@pytest.mark.parametrize(
    ("method", "content_type", "size", "status"),
    [
        ("GET", "application/json", 100, 405),
        ("POST", "text/plain", 100, 415),
        ("POST", "application/json; charset=utf-8", 100, 200),
        ("POST", "application/json", 10, 413),
    ],
)
def test_receiver_checks_method_type_and_size(
    method: str, content_type: str, size: int, status: int
) -> None:
    body = body_of("client_updated")
    receiver = WebhookReceiver(SECRET, max_body_size=len(body) if size == 100 else size)
    headers = {**signed(body), "Content-Type": content_type}
    assert receiver.handle(method, headers, body).status == status


def test_receiver_optional_replay_checks() -> None:
    body = body_of("client_updated")
    sent_at = datetime.fromisoformat(EVENTS["client_updated"]["timestamp"]).timestamp()
    fresh = WebhookReceiver(SECRET, max_age=60, clock=lambda: sent_at + 30)
    assert fresh.handle("POST", signed(body), body).status == 200
    stale = WebhookReceiver(SECRET, max_age=60, clock=lambda: sent_at + 61)
    assert stale.handle("POST", signed(body), body).status == 401
    elsewhere = WebhookReceiver(SECRET, callback_url="https://me.example/hook")
    assert elsewhere.handle("POST", signed(body), body).status == 403


def test_receiver_signed_garbage_is_400() -> None:
    body = b'{"hello":"world"}'
    assert WebhookReceiver(SECRET).handle("POST", signed(body), body).status == 400


@pytest.mark.parametrize(
    "kwargs",
    [{"max_body_size": 0}, {"remember": -1}, {"max_age": 0}, {"max_body_size": "big"}],
)
def test_receiver_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        WebhookReceiver(SECRET, **kwargs)


# -- the aiohttp app (real sockets) -------------------------------------------------------------


async def _serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_slow_callback_does_not_delay_the_answer() -> None:
    gate = asyncio.Event()
    received: list[Event] = []

    async def slow(event: Event) -> None:
        await gate.wait()  # blocks until the test has its 2xx in hand
        received.append(event)

    app = make_app(SECRET, slow, path="/hook")
    body = body_of("time_entry_created")
    async with asyncio.timeout(DEADLINE):
        async for url in _serve(app):
            async with aiohttp.ClientSession() as http:
                async with http.post(url, data=body, headers=signed(body)) as resp:
                    assert resp.status == 200
                assert received == []  # the answer came while the callback was still blocked
                gate.set()
                await app[HANDLER_KEY].drain()
                assert [e.event_id for e in received] == [EVENTS["time_entry_created"]["event_id"]]


async def test_app_end_to_end_refusals_and_duplicates() -> None:
    received: list[Event] = []
    failing = {"count": 0}

    async def record(event: Event) -> None:
        received.append(event)
        if len(received) == 1:
            failing["count"] += 1
            raise RuntimeError("the callback broke once")

    app = make_app(SECRET, record, path="/hook")
    body = body_of("project_created")
    async with asyncio.timeout(DEADLINE):
        async for url in _serve(app):
            async with aiohttp.ClientSession() as http:
                for _ in range(2):
                    async with http.post(url, data=body, headers=signed(body)) as resp:
                        assert resp.status == 200
                async with http.post(url, data=body, headers=signed(body, "x")) as resp:
                    assert resp.status == 401
                    assert await resp.json() == {"error": "unauthorized"}
                big = b"{" + b" " * (1 << 20) + b"}"
                async with http.post(url, data=big, headers=signed(big)) as resp:
                    assert resp.status == 413
                async with http.post(
                    url, data=VALIDATION_BODY, headers=signed(VALIDATION_BODY)
                ) as resp:
                    assert resp.status == 200
                    assert await resp.json() == {
                        "validation_code": "89627dd73f2044f2f73815d665bbce33"
                    }
                await app[HANDLER_KEY].drain()
    assert [e.event_id for e in received] == [EVENTS["project_created"]["event_id"], 0]
    assert app[HANDLER_KEY].failures == 1
    assert app[HANDLER_KEY].delivered == 1


async def test_full_queue_asks_toggl_to_retry() -> None:
    gate = asyncio.Event()

    async def stuck(event: Event) -> None:
        await gate.wait()

    app = make_app(SECRET, stuck, path="/hook", max_pending=1)
    names = ["time_entry_created", "time_entry_updated", "project_created"]
    async with asyncio.timeout(DEADLINE):
        async for url in _serve(app):
            async with aiohttp.ClientSession() as http:
                statuses = []
                for name in names:
                    body = body_of(name)
                    async with http.post(url, data=body, headers=signed(body)) as resp:
                        statuses.append(resp.status)
                    await asyncio.sleep(0)  # let the worker take the first event
                assert statuses[0] == 200
                assert 503 in statuses
                refused = names[statuses.index(503)]
                gate.set()
                await app[HANDLER_KEY].drain()
                body = body_of(refused)  # the refused event is not remembered: retry works
                async with http.post(url, data=body, headers=signed(body)) as resp:
                    assert resp.status == 200
                await app[HANDLER_KEY].drain()
            assert app[HANDLER_KEY].delivered == 3


# -- boundaries -----------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_receiving_side_never_imports_the_client_or_the_transport() -> None:
    package = Path(__file__).parent.parent / "toggl_async"
    for path in [*(package / "webhooks").glob("*.py"), package / "records" / "webhooks.py"]:
        for name in _imports(path):
            assert not any(part in name for part in ("client", "transport", "resources")), (
                path.name,
                name,
            )


def test_the_sandbox_delivery_never_imports_client_code() -> None:
    path = Path(__file__).parent.parent / "toggl_async" / "testing" / "_webhooks.py"
    for name in _imports(path):
        assert not name.startswith("..") and not name.startswith("toggl_async"), name
