"""Transport edges pinned where mutation testing found them loose: the boundary between a
spent quota and a paid feature, the lowest redirect status, what a traceback with locals
shows of the credentials, and the figures errors carry. Requests go to aioresponses; every
call has a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import time
import traceback
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

import toggl_async.transport as transport_module
from toggl_async import (
    ClientClosedError,
    InsecureURLWarning,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RedirectError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    TogglClient,
    TogglTimeoutError,
)
from toggl_async.auth import Api
from toggl_async.transport import DEFAULT_USER_AGENT, Request

from .helpers import FOCUS, TOKEN, TRACK, sent, serve

WEBHOOKS = "https://api.track.toggl.com/webhooks/api/v1"


@pytest.fixture
async def toggl() -> AsyncIterator[TogglClient]:
    async with TogglClient(api_token=TOKEN, retry=RetryPolicy.never()) as client:
        yield client


async def test_a_402_with_one_request_left_is_a_paid_feature_not_a_spent_quota(
    toggl: TogglClient,
) -> None:
    one_left = {"X-Toggl-Quota-Remaining": "1", "X-Toggl-Quota-Resets-In": "1800"}
    with aioresponses() as m:
        m.get(f"{TRACK}/workspaces/1/projects/2", status=402, headers=one_left, body='"premium"')
        with pytest.raises(PaymentRequiredError) as info:
            await asyncio.wait_for(toggl.projects.get(1, 2), 10)
    assert not isinstance(info.value, QuotaExceededError)


async def test_a_300_is_a_redirect_with_the_servers_message(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me", status=300, body='"pick one"', headers={"Location": "https://x/"})
        with pytest.raises(RedirectError) as info:
            await asyncio.wait_for(toggl.me.get(), 10)
    assert info.value.status == 300
    assert "failed with HTTP 300: pick one" in str(info.value)
    assert info.value.location == "https://x/"


async def test_a_traceback_with_locals_shows_the_credential_header_masked() -> None:
    """With a caller's session the credential travels in per-request headers: a traceback
    rendered with its locals (as error trackers do) shows the header, masked."""
    async with aiohttp.ClientSession() as session:
        toggl = TogglClient(api_token=TOKEN, retry=RetryPolicy.never(), session=session)
        async with toggl:
            with aioresponses() as m:
                m.get(f"{TRACK}/me", status=500, body='"boom"')
                with pytest.raises(ServerError) as info:
                    await asyncio.wait_for(toggl.me.get(), 10)
    error = info.value
    below_the_test = error.__traceback__.tb_next if error.__traceback__ else None
    rendered = traceback.TracebackException(type(error), error, below_the_test, capture_locals=True)
    text = "".join(rendered.format())
    assert "headers = {'Authorization': '***'}" in text
    assert TOKEN not in text


async def test_a_traceback_with_locals_masks_every_request_header() -> None:
    async with aiohttp.ClientSession() as session:
        toggl = TogglClient(api_token=TOKEN, retry=RetryPolicy.never(), session=session)
        async with toggl:
            with aioresponses() as m:
                m.post(f"{TRACK}/me/x", status=500, body='"boom"')
                with pytest.raises(ServerError) as info:
                    await asyncio.wait_for(toggl.request("POST", "/me/x", json={"a": 1}), 10)
    error = info.value
    below_the_test = error.__traceback__.tb_next if error.__traceback__ else None
    rendered = traceback.TracebackException(type(error), error, below_the_test, capture_locals=True)
    text = "".join(rendered.format())
    assert "headers = {'Authorization': '***', 'Content-Type': '***'}" in text
    assert TOKEN not in text


async def test_a_sink_that_cannot_rewind_is_named_by_its_type(toggl: TogglClient) -> None:
    class Pipe(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def tell(self) -> int:
            raise io.UnsupportedOperation("not seekable")

    request = Request(method="GET", api=Api.TRACK, path="/export.zip")
    with aioresponses() as m:
        with pytest.raises(TypeError) as info:
            await toggl._transport.send(request, sink=Pipe())  # type: ignore[arg-type]
        assert not m.requests
    assert str(info.value) == (
        "sink must be a seekable binary file open for writing (a retry rewinds it), got Pipe"
    )


async def test_a_missing_subscription_names_the_listing_it_was_looked_for_in(
    toggl: TogglClient,
) -> None:
    with aioresponses() as m:
        m.get(f"{WEBHOOKS}/subscriptions/7", payload=[])
        with pytest.raises(NotFoundError) as info:
            await asyncio.wait_for(toggl.webhooks.get(7, 99), 10)
        assert len(sent(m, "GET", f"{WEBHOOKS}/subscriptions/7")) == 1
    assert info.value.url == f"{WEBHOOKS}/subscriptions/7"
    assert info.value.method == "GET"


# -- bodies that arrive after their headers (streamed from a real socket) -------------------------


def streamed(status: int, *chunks: bytes) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler sending the headers first and each chunk a moment later; ``/me`` answers
    with ``status``, any other path with 200."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status if request.path == "/me" else 200)
        await response.prepare(request)
        for chunk in chunks:
            await asyncio.sleep(0.05)
            if chunk:
                await response.write(chunk)
        await asyncio.sleep(0.05)
        await response.write_eof()
        return response

    return handler


async def test_an_empty_body_that_arrives_late_is_empty() -> None:
    async with serve(streamed(500, b"")) as base:
        toggl = TogglClient(api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never())
        async with toggl:
            with pytest.raises(ServerError) as info:
                await asyncio.wait_for(toggl.me.get(), 10)
            assert await asyncio.wait_for(toggl.request("GET", "/empty"), 10) is None
    assert info.value.body == b""


def _capped(base: str) -> TogglClient:
    """A client that reads at most 1000 bytes a body and never retries."""
    return TogglClient(
        api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never(), max_response_bytes=1000
    )


@pytest.mark.parametrize("pieces", [1, 2, 3])
async def test_a_late_body_of_exactly_the_cap_is_read(pieces: int) -> None:
    body = b'"' + b"x" * 998 + b'"'
    size = -(-len(body) // pieces)
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    async with serve(streamed(200, *chunks)) as base, _capped(base) as toggl:
        assert await asyncio.wait_for(toggl.request("GET", "/x"), 10) == "x" * 998


@pytest.mark.parametrize("pieces", [1, 2])
async def test_a_late_body_past_the_cap_says_the_cap(pieces: int) -> None:
    body = b'"' + b"x" * 999 + b'"'
    chunks = [body] if pieces == 1 else [body[:500], body[500:]]
    async with serve(streamed(200, *chunks)) as base, _capped(base) as toggl:
        with pytest.raises(ResponseTooLargeError) as info:
            await asyncio.wait_for(toggl.request("GET", "/x"), 10)
    assert str(info.value) == (
        f"GET {base}/x returned more than 1000 bytes (decoded); "
        "raise max_response_bytes= if that is expected"
    )
    assert info.value.limit == 1000
    assert (info.value.method, info.value.url) == ("GET", f"{base}/x")


@pytest.mark.parametrize(
    ("base", "warns"),
    [
        ("http://localhost:9/api/v9", False),
        ("http://toggl.localhost:9/api/v9", False),
        ("http://[::1]:9/api/v9", False),
        ("http://localhost.example:9/api/v9", True),
        ("http://notlocalhost:9/api/v9", True),
    ],
)
async def test_plain_http_warns_only_off_the_loopback(base: str, warns: bool) -> None:
    toggl = TogglClient(api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never())
    async with toggl:
        with aioresponses() as m, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.get(f"{base}/me", status=500, body='"x"')
            with pytest.raises(ServerError):
                await asyncio.wait_for(toggl.me.get(), 10)
    insecure = [w for w in caught if issubclass(w.category, InsecureURLWarning)]
    assert len(insecure) == (1 if warns else 0)
    for warning in insecure:
        assert str(warning.message) == (
            f"credentials are sent over plain http:// to {base}, which is not a loopback "
            "address: anyone on the path can read them; use https://"
        )


class _SteppingClock:
    """The transport's ``time``, with a ``perf_counter`` that reads 10.0, then 10.25."""

    def __init__(self) -> None:
        self._readings = iter([10.0, 10.25])
        self.monotonic = time.monotonic

    def perf_counter(self) -> float:
        return next(self._readings)


async def test_each_request_is_logged_at_debug_level_with_its_duration(
    toggl: TogglClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="toggl_async")
    monkeypatch.setattr(transport_module, "time", _SteppingClock())
    with aioresponses() as m:
        m.get(f"{TRACK}/me/x", payload={})
        await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert f"GET {TRACK}/me/x -> 200 (250.0 ms)" in lines, lines


async def test_a_client_used_without_async_with_opens_on_its_first_call() -> None:
    toggl = TogglClient(api_token=TOKEN, retry=RetryPolicy.never())
    try:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/x", payload={"a": 1})
            assert await asyncio.wait_for(toggl.request("GET", "/me/x"), 10) == {"a": 1}
    finally:
        await toggl.aclose()
    assert toggl.closed


async def test_a_download_answered_with_a_redirect_keeps_the_body_for_the_error(
    toggl: TogglClient,
) -> None:
    sink = io.BytesIO(b"KEEP")
    sink.seek(4)
    with aioresponses() as m:
        m.get(f"{TRACK}/me/export/data/abc.zip", status=300, body='"pick one"')
        with pytest.raises(RedirectError) as info:
            await asyncio.wait_for(toggl.exports.download_mine("abc", to=sink), 10)
    assert info.value.body == b'"pick one"' and "pick one" in str(info.value)
    assert sink.getvalue() == b"KEEP"


async def test_a_body_past_the_cap_that_arrived_whole_says_the_cap() -> None:
    capped = TogglClient(api_token=TOKEN, retry=RetryPolicy.never(), max_response_bytes=1000)
    async with capped as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/x", body=b'"' + b"x" * 999 + b'"')
            with pytest.raises(ResponseTooLargeError) as info:
                await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
    assert str(info.value) == (
        f"GET {TRACK}/me/x returned more than 1000 bytes (decoded); "
        "raise max_response_bytes= if that is expected"
    )


async def test_each_request_gets_the_headers_of_its_api_and_body() -> None:
    """Per-request headers are kept per API and body: a JSON body is labelled as such, and
    a Focus call carries the Focus credential even after Track calls."""
    toggl = TogglClient(api_token=TOKEN, focus_api_key="focus-key", retry=RetryPolicy.never())
    async with toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me/x", payload={}, repeat=True)
            m.post(f"{TRACK}/me/y", payload={}, repeat=True)
            m.get(f"{FOCUS}/z", payload={}, repeat=True)
            for _ in range(2):  # the second time from the cache
                await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
                await asyncio.wait_for(toggl.request("POST", "/me/y", json={"a": 1}), 10)
                await asyncio.wait_for(toggl.request("GET", "/z", api="focus"), 10)
            posts = sent(m, "POST", f"{TRACK}/me/y")
            focus = sent(m, "GET", f"{FOCUS}/z")
    assert len(posts) == len(focus) == 2
    for post in posts:
        assert (post.kwargs["headers"] or {}).get("Content-Type") == "application/json"
    for call in focus:
        headers = dict(call.kwargs["headers"] or {})
        assert "focus-key" in str(headers.get("Authorization", ""))
        assert "Content-Type" not in headers


@pytest.mark.parametrize("own_session", [True, False])
async def test_a_body_of_another_type_is_sent_with_its_own_content_type(
    own_session: bool,
) -> None:
    """Its own type, and still the credential when it travels per request (a caller's
    session)."""
    request = Request(
        method="POST", api=Api.TRACK, path="/me/up", body=b"raw", content_type="text/plain"
    )
    async with aiohttp.ClientSession() as session:
        toggl = TogglClient(
            api_token=TOKEN, retry=RetryPolicy.never(), session=None if own_session else session
        )
        async with toggl:
            with aioresponses() as m:
                m.post(f"{TRACK}/me/up", payload={})
                await asyncio.wait_for(toggl._transport.send(request), 10)
                headers = dict(sent(m, "POST", f"{TRACK}/me/up")[0].kwargs["headers"])
    assert headers["Content-Type"] == "text/plain"
    assert headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("max_connections", "max_concurrency", "peak"),
    [(2, 6, 2), (6, 6, 6), (9, 6, 6)],
)
async def test_the_pool_opens_no_more_connections_than_asked(
    max_connections: int, max_concurrency: int, peak: int
) -> None:
    """max_connections= bounds the sockets open at once across hosts (here Track and Reports
    on two servers) when it is the lower limit; otherwise the concurrency limit decides."""
    open_now: set[int] = set()
    most = 0
    everyone = asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        nonlocal most
        peer = request.transport.get_extra_info("peername")[1] if request.transport else 0
        open_now.add(peer)
        most = max(most, len(open_now))
        if len(open_now) == max_concurrency:
            everyone.set()
        with contextlib.suppress(TimeoutError):  # a capped pool never gets everyone in
            await asyncio.wait_for(everyone.wait(), 0.3)
        open_now.discard(peer)
        return web.json_response({})

    async with serve(held) as track, serve(held) as reports:
        toggl = TogglClient(
            api_token=TOKEN,
            track_base_url=track,
            reports_base_url=reports,
            retry=RetryPolicy.never(),
            max_connections=max_connections,
            max_concurrency=max_concurrency,
        )
        async with toggl:
            calls = (
                toggl.request("GET", f"/x/{i}", api="reports" if i % 2 else "track")
                for i in range(max_concurrency)
            )
            await asyncio.wait_for(asyncio.gather(*calls), 10)
    assert most == peak


async def test_a_closed_client_says_to_create_a_new_one() -> None:
    toggl = TogglClient(api_token=TOKEN, retry=RetryPolicy.never())
    async with toggl:
        pass
    with pytest.raises(ClientClosedError) as info:
        await asyncio.wait_for(toggl.me.get(), 10)
    assert str(info.value) == (
        "this TogglClient is closed; create a new one "
        "(or keep using it inside `async with TogglClient(...)`)"
    )


async def test_a_call_the_known_quota_cannot_cover_is_refused_unsent_with_its_figures(
    toggl: TogglClient,
) -> None:
    spent = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}
    with aioresponses() as m:
        m.get(f"{TRACK}/me/x", payload={}, headers=spent)
        await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
        with pytest.raises(QuotaExceededError) as info:
            await asyncio.wait_for(toggl.request("GET", "/me/y"), 10)
        assert sent(m, "GET", f"{TRACK}/me/y") == []
    error = info.value
    assert (error.status, error.method, error.url) == (402, "GET", f"{TRACK}/me/y")
    assert error.message == "the hourly quota was already spent (from the last response's headers)"
    assert error.remaining == 0
    assert error.resets_in is not None and 1790 < error.resets_in <= 1800


async def test_a_call_held_back_for_one_in_flight_goes_when_that_one_reports_more_left(
    toggl: TogglClient,
) -> None:
    """With one request left and one in flight, the next call waits (it is not refused) and
    goes once the call in flight reports more requests left."""
    one_left = {"X-Toggl-Quota-Remaining": "1", "X-Toggl-Quota-Resets-In": "1800"}
    more_left = {"X-Toggl-Quota-Remaining": "3", "X-Toggl-Quota-Resets-In": "1700"}
    release = asyncio.Event()

    async def held(url: object, **kwargs: object) -> None:
        await release.wait()

    with aioresponses() as m:
        m.get(f"{TRACK}/me/a", payload={}, headers=one_left)
        m.get(f"{TRACK}/me/b", payload={}, headers=more_left, callback=held)
        m.get(f"{TRACK}/me/c", payload={"c": 1}, headers=more_left)
        await asyncio.wait_for(toggl.request("GET", "/me/a"), 10)
        b = asyncio.create_task(toggl.request("GET", "/me/b"))
        while not sent(m, "GET", f"{TRACK}/me/b"):
            await asyncio.wait_for(asyncio.sleep(0.01), 1)
        c = asyncio.create_task(toggl.request("GET", "/me/c"))
        await asyncio.sleep(0.05)
        assert not c.done() and not sent(m, "GET", f"{TRACK}/me/c")
        release.set()
        assert await asyncio.wait_for(c, 10) == {"c": 1}
        await asyncio.wait_for(b, 10)


async def test_calls_are_not_kept_once_they_end(toggl: TogglClient) -> None:
    with aioresponses() as m:
        m.get(f"{TRACK}/me/x", payload={})
        call = asyncio.create_task(toggl.request("GET", "/me/x"))
        await asyncio.wait_for(call, 10)
    ended = weakref.ref(call)
    del call
    gc.collect()
    assert ended() is None


async def _stalls(request: web.Request) -> web.Response:
    """Never answers (the server cancels it on leaving)."""
    await asyncio.sleep(60)
    return web.json_response({})


async def test_calls_ended_by_aclose_are_not_kept() -> None:
    async with serve(_stalls) as base:
        toggl = TogglClient(api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never())
        await toggl.__aenter__()
        calls = [asyncio.create_task(toggl.request("GET", "/me/x")) for _ in range(3)]
        await asyncio.sleep(0.1)
        await asyncio.wait_for(toggl.aclose(), 5)
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
        assert all(isinstance(r, ClientClosedError) for r in results), results
        assert str(results[0]) == (
            f"GET {base}/me/x was stopped: the TogglClient was closed while the call was running"
        )
        ended = [weakref.ref(call) for call in calls]
        del calls, results
        gc.collect()
        assert [ref() for ref in ended] == [None, None, None]


async def test_the_callers_session_carries_the_calls() -> None:
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Mine"))
        return web.json_response({})

    async with serve(record) as base, aiohttp.ClientSession(headers={"X-Mine": "yes"}) as mine:
        toggl = TogglClient(
            api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never(), session=mine
        )
        async with toggl:
            await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
        assert not mine.closed
    assert seen == ["yes"]


async def test_closing_the_client_closes_its_session_and_connections() -> None:
    """Nothing is left for the garbage collector to close (and warn about)."""
    connections: list[asyncio.BaseTransport] = []

    async def record(request: web.Request) -> web.Response:
        assert request.transport is not None
        connections.append(request.transport)
        return web.json_response({})

    async with serve(record) as base:
        toggl = TogglClient(api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with toggl:
                await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
                await asyncio.sleep(0.05)
                assert not connections[0].is_closing()  # kept alive for the next call
            gc.collect()
        assert connections[0].is_closing()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == [], [str(w.message) for w in unclosed]


@pytest.mark.parametrize("user_agent", [None, "my-sync-job/2.0"])
async def test_each_call_carries_the_user_agent(user_agent: str | None) -> None:
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("User-Agent"))
        return web.json_response({})

    kwargs: dict[str, Any] = {} if user_agent is None else {"user_agent": user_agent}
    async with serve(record) as base:
        toggl = TogglClient(
            api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never(), **kwargs
        )
        async with toggl:
            await asyncio.wait_for(toggl.request("GET", "/me/x"), 10)
    assert seen == [user_agent or DEFAULT_USER_AGENT]


async def test_a_server_that_never_answers_is_a_timeout_after_timeout_seconds() -> None:
    async with serve(_stalls) as base:
        toggl = TogglClient(
            api_token=TOKEN, track_base_url=base, retry=RetryPolicy.never(), timeout=0.3
        )
        async with toggl:
            with pytest.raises(TogglTimeoutError) as info:
                await asyncio.wait_for(toggl.request("GET", "/me/x"), 5)
    assert str(info.value) == (
        f"GET {base}/me/x did not complete within 0.3 s; raise timeout= or try again later"
    )
