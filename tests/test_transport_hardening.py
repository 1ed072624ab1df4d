"""Issue 10 (transport items), issue 15 item 4, and the streaming ``sink``: each test here
failed against the transport before the fix it pins.

Real sockets come from a tiny aiohttp server per test (``serve``); precise request checks
from aioresponses. Every wait has a deadline (``asyncio.wait_for``).
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import math
import traceback
import tracemalloc
import warnings
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses

from toggl_async import (
    ClientClosedError,
    InsecureURLWarning,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    RetryPolicy,
    TogglClient,
    TogglConnectionError,
    TogglError,
)
from toggl_async.auth import Api
from toggl_async.limits import Slots, parse_quota
from toggl_async.transport import Request

from .helpers import TOKEN, TRACK, Handler, entry_body, me_body, project_body, sent, serve

FAST = RetryPolicy(backoff_base=0.0, rate_limit_fallback=0.0)


def on(base: str, **kwargs: Any) -> TogglClient:
    kwargs.setdefault("retry", FAST)
    return TogglClient(api_token=TOKEN, track_base_url=base, reports_base_url=base, **kwargs)


async def deadline(awaitable: Awaitable[Any], seconds: float = 5.0) -> Any:
    return await asyncio.wait_for(awaitable, seconds)


# -- 6: the body size cap -----------------------------------------------------------------


def _gzip_of_zeros(mebibytes: int) -> bytes:
    """A gzip member of that many MiB of zeros, compressed piecewise (never held whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(mebibytes)]
    return b"".join([*parts, packer.flush()])


async def test_a_gzip_bomb_stops_at_the_cap_without_spending_memory() -> None:
    bomb = _gzip_of_zeros(128)  # 128 MiB once decoded (128x the cap), ~125 KB on the wire
    assert len(bomb) < 1024 * 1024

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    cap = 1024 * 1024
    async with serve(handler) as base, on(base, max_response_bytes=cap) as toggl:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError) as info:
                await deadline(toggl.me.get(), 30)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # the connection was dropped, not drained: the client still works afterwards
        assert toggl.requests_sent == 1
    assert info.value.limit == cap and "max_response_bytes" in str(info.value)
    assert not hasattr(info.value, "body")  # the oversized body is not kept
    assert peak < 32 * 1024 * 1024, f"reading a capped body allocated {peak} bytes"


async def test_a_body_at_the_cap_is_read_and_one_byte_more_is_refused() -> None:
    size = {"n": 1000}

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b'"' + b"x" * (size["n"] - 2) + b'"')

    async with serve(handler) as base, on(base, max_response_bytes=1000) as toggl:
        response = await deadline(
            toggl._transport.send(Request(method="GET", api=Api.TRACK, path="/x"))
        )
        assert len(response.body) == 1000
        size["n"] = 1001
        with pytest.raises(ResponseTooLargeError):
            await deadline(toggl.me.get())
        assert toggl.requests_sent == 2  # a too-large body is not retried


# -- 8: redirects are errors; plain http warns ------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_an_error_naming_the_location(status: int) -> None:
    location = "https://api.track.toggl.com/api/v9/me"
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=status, headers={"Location": location})
            with pytest.raises(RedirectError) as info:
                await toggl.me.get()
            assert len(sent(m, "GET", f"{TRACK}/me")) == 1  # neither followed nor retried
    assert info.value.location == location
    assert location in str(info.value) and str(status) in str(info.value)


async def test_callers_that_took_any_status_below_400_as_success_now_see_the_redirect() -> None:
    moved = {"Location": "https://elsewhere.example/api/v9"}
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.delete(f"{TRACK}/workspaces/1/time_entries/2", status=301, headers=moved)
            m.get(f"{TRACK}/me/time_entries/current", status=302, headers=moved)
            m.get(f"{TRACK}/me/logged", status=303, headers=moved)
            with pytest.raises(RedirectError, match=r"elsewhere\.example"):
                await toggl.time_entries.delete(1, 2)  # returned normally before
            with pytest.raises(RedirectError):
                await toggl.time_entries.current()  # returned None before
            with pytest.raises(RedirectError):
                await toggl.me.logged()


async def test_credentials_over_plain_http_to_a_remote_host_warn_once() -> None:
    remote = "http://toggl.example.com/api/v9"
    async with TogglClient(api_token=TOKEN, track_base_url=remote, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{remote}/me", payload=me_body(1), repeat=True)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await toggl.me.get()
                await toggl.me.get()
    insecure = [w for w in caught if w.category is InsecureURLWarning]
    assert len(insecure) == 1 and "plain http://" in str(insecure[0].message)
    assert TOKEN not in str(insecure[0].message)


async def test_plain_http_to_loopback_does_not_warn() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(me_body(1))

    async with serve(handler) as base, on(base) as toggl:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InsecureURLWarning)
            await deadline(toggl.me.get())


# -- 9: closing with calls in flight and queued ---------------------------------------------


async def test_aclose_fails_calls_in_flight_and_queued_promptly_with_client_closed() -> None:
    arrived = 0
    saturated = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        nonlocal arrived
        arrived += 1
        if arrived == 10:
            saturated.set()
        await asyncio.sleep(60)
        return web.json_response(me_body(1))

    async with serve(slow) as base:
        toggl = on(base, max_concurrency=10, timeout=60)
        await toggl.__aenter__()
        calls = [asyncio.create_task(toggl.me.get()) for _ in range(15)]  # 10 sent, 5 queued
        await deadline(saturated.wait())
        await deadline(toggl.aclose(), 1)
        results = await deadline(asyncio.gather(*calls, return_exceptions=True), 1)
    assert all(isinstance(r, ClientClosedError) for r in results), results
    assert "closed" in str(results[0])
    assert toggl.requests_sent == 10


async def test_aclose_fails_a_call_waiting_to_retry() -> None:
    policy = RetryPolicy(backoff_base=0.0, rate_limit_fallback=60.0)
    async with TogglClient(api_token=TOKEN, retry=policy) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429)  # no Retry-After: waits a minute
            call = asyncio.create_task(toggl.me.get())
            while not sent(m, "GET", f"{TRACK}/me"):
                await deadline(asyncio.sleep(0.01))
            await toggl.aclose()
            with pytest.raises(ClientClosedError):
                await deadline(call, 1)


async def test_a_cancel_from_the_caller_is_still_a_cancel() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.json_response({})

    async with serve(slow) as base, on(base) as toggl:
        call = asyncio.create_task(toggl.me.get())
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await deadline(call)


# -- 10, 11: the quota under concurrency, bounded waits -------------------------------------


class QuotaServer:
    """Toggl's hourly quota in miniature: ``limit`` requests per ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.used = 0
        self.resets_at = 0.0
        self.requests = 0
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self.resets_at:
            self.used, self.resets_at = 0, now + self.window
        self.requests += 1
        await asyncio.sleep(0.005)  # keep several requests in flight at once
        left = math.ceil((self.resets_at - loop.time()) * 1000) / 1000  # never early
        headers = {"X-Toggl-Quota-Resets-In": f"{left:.3f}"}
        if self.used >= self.limit:
            self.refused += 1
            headers["X-Toggl-Quota-Remaining"] = "0"
            return web.json_response("hourly limit reached", status=402, headers=headers)
        self.used += 1
        headers["X-Toggl-Quota-Remaining"] = str(self.limit - self.used)
        return web.json_response(me_body(1), headers=headers)


async def test_queued_calls_check_the_quota_and_count_those_in_flight() -> None:
    server = QuotaServer(limit=30, window=3600)
    async with serve(server.handle) as base, on(base, max_concurrency=10) as toggl:
        # learn the quota first, as a real client does after its first response
        await deadline(toggl.me.get())
        results = await deadline(
            asyncio.gather(*(toggl.me.get() for _ in range(60)), return_exceptions=True), 10
        )
    refused = [r for r in results if isinstance(r, QuotaExceededError)]
    assert len(refused) == 60 - 29 and len(results) - len(refused) == 29
    assert server.requests <= 30 and server.refused == 0


async def test_waiting_for_the_quota_costs_one_request_per_call_and_logs_once_per_reset(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="toggl_async")
    server = QuotaServer(limit=30, window=1.0)
    policy = RetryPolicy(backoff_base=0.0, wait_for_quota=True)
    async with serve(server.handle) as base, on(base, max_concurrency=10, retry=policy) as toggl:
        await deadline(toggl.me.get())
        results = await deadline(asyncio.gather(*(toggl.me.get() for _ in range(59))), 20)
    assert len(results) == 59
    assert server.requests <= 62, f"{server.requests} requests for 60 calls"
    waits = [r for r in caplog.records if "quota spent" in r.getMessage()]
    assert 1 <= len(waits) <= 3, [r.getMessage() for r in waits]


async def test_a_402_that_keeps_coming_is_bounded_by_max_attempts() -> None:
    spent = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "0"}
    policy = RetryPolicy(backoff_base=0.0, max_attempts=3, max_elapsed=5, wait_for_quota=True)
    async with TogglClient(api_token=TOKEN, retry=policy) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=spent, body='"limit"', repeat=True)
            with pytest.raises(QuotaExceededError):
                await deadline(toggl.me.get())
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3


async def test_quota_waits_in_one_call_are_bounded_in_total_by_max_quota_wait() -> None:
    soon = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "0.2"}
    policy = RetryPolicy(
        backoff_base=0.0, max_attempts=100, wait_for_quota=True, max_quota_wait=0.5
    )
    async with TogglClient(api_token=TOKEN, retry=policy) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=soon, body='"limit"', repeat=True)
            with pytest.raises(QuotaExceededError):
                await deadline(toggl.me.get())
            assert len(sent(m, "GET", f"{TRACK}/me")) == 3  # waited 0.2 + 0.2, not 0.6


async def test_an_absurd_resets_in_is_clamped_to_the_hour() -> None:
    absurd = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1e9"}
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=402, headers=absurd, body='"limit"')
            with pytest.raises(QuotaExceededError) as info:
                await toggl.me.get()
    assert info.value.resets_in == 3600
    assert toggl.quotas["user"].resets_in == 3600


# -- 12: no OverflowError / ValueError from odd headers or arguments --------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "lots", "", "9" * 400])
async def test_odd_quota_headers_never_break_a_good_response(value: str) -> None:
    odd = {"X-Toggl-Quota-Remaining": value, "X-Toggl-Quota-Resets-In": value}
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", payload=me_body(7), headers=odd)
            assert (await toggl.me.get()).id == 7
    parsed = parse_quota(odd)
    assert parsed is None or (abs(parsed[0]) <= 10**9 and 0 <= parsed[1] <= 3600)


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "Mon, 01 Jan 0001 00:00:00 +1400"])
async def test_an_absurd_retry_after_is_ignored_not_slept_on(value: str) -> None:
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers={"Retry-After": value})
            m.get(f"{TRACK}/me", payload=me_body(3))
            assert (await deadline(toggl.me.get())).id == 3


async def test_a_retry_after_beyond_the_hour_is_clamped_and_not_waited_for() -> None:
    far = {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/me", status=429, headers=far)
            with pytest.raises(RateLimitError) as info:
                await deadline(toggl.me.get())
    assert info.value.retry_after == 3600  # beyond max_elapsed: raised at once


EAST, WEST = timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))
YEAR_1_EAST = datetime(1, 1, 1, tzinfo=EAST)
OUT_OF_RANGE: dict[str, tuple[str, Callable[[TogglClient], Any]]] = {
    "end_date near date.max": (
        "end_date",
        lambda t: t.time_entries.list(
            start_date="2024-01-01", end_date=datetime(9999, 12, 31, 20, tzinfo=WEST)
        ),
    ),
    "before in year 1 at +14h": ("before", lambda t: t.time_entries.list(before=YEAR_1_EAST)),
    "since in year 1 at +14h": ("since", lambda t: t.time_entries.list(since=YEAR_1_EAST)),
    "since of 10**30": ("since", lambda t: t.time_entries.list(since=10**30)),
    "start in year 1 at +14h": (
        "start",
        lambda t: t.time_entries.create(1, start=YEAR_1_EAST, duration=60),
    ),
    "duration of 10**30": (
        "duration",
        lambda t: t.time_entries.create(1, start=datetime(2024, 1, 1, tzinfo=UTC), duration=10**30),
    ),
    "id of 2**70": ("time_entry_id", lambda t: t.time_entries.get(2**70)),
    "workspace id of 2**70": ("workspace_id", lambda t: t.projects.get(2**70, 1)),
    "per_page of 2**70": ("per_page", lambda t: t.tags.iter(1, per_page=2**70)),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_RANGE))
async def test_out_of_range_arguments_are_typed_errors_naming_the_argument(case: str) -> None:
    argument, call = OUT_OF_RANGE[case]
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            with pytest.raises(ValueError, match=argument):
                await call(toggl)
            assert not m.requests


async def test_a_report_range_ending_at_date_max_is_split_without_overflow() -> None:
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        pages = toggl.reports.iter_time_entries(
            1, start_date=date.max - timedelta(days=400), end_date=date.max
        )
        with aioresponses() as m:
            m.post(
                "https://api.track.toggl.com/reports/api/v3/workspace/1/search/time_entries",
                payload=[],
                repeat=True,
            )
            assert [e async for e in pages] == []
            bodies = [c.kwargs["data"] for calls in m.requests.values() for c in calls]
    assert len(bodies) == 2 and b'"9999-12-31"' in bodies[-1]


# -- 13: the Authorization header is not in a local ---------------------------------------


@pytest.mark.parametrize("own_session", [True, False])
async def test_tracebacks_rendered_with_locals_show_no_secret(own_session: bool) -> None:
    header = base64.b64encode(f"{TOKEN}:api_token".encode()).decode()
    secrets = [TOKEN, header, "hunter2-password", "toggl_sk_secret"]

    async def failing(request: web.Request) -> web.Response:
        return web.json_response("boom", status=500)

    import aiohttp

    async with serve(failing) as base, aiohttp.ClientSession() as session:
        toggl = TogglClient(
            api_token=TOKEN,
            focus_api_key="toggl_sk_secret",
            track_base_url=base,
            focus_base_url=base,
            retry=FAST,
            session=None if own_session else session,
        )
        async with toggl:
            texts = []
            for call in (toggl.me.get, lambda: toggl.focus.current(1, 2)):
                with pytest.raises(TogglError) as info:
                    await deadline(call())
                error = info.value
                assert error.__traceback__ is not None
                below_the_test = error.__traceback__.tb_next  # this frame holds `secrets`
                rendered = traceback.TracebackException(
                    type(error), error, below_the_test, capture_locals=True
                )
                texts.append("".join(rendered.format()))
    assert "Transport.send" in texts[0] or "in send" in texts[0]
    for text in texts:
        for secret in secrets:
            assert secret not in text


# -- 16: int subclasses cannot change the URL ---------------------------------------------


class Sneaky(int):
    def __format__(self, spec: str) -> str:
        return "evil?x=1"

    def __str__(self) -> str:
        return "evil?x=1"

    __repr__ = __str__

    def __int__(self) -> int:
        return 999


async def test_an_int_subclass_id_goes_into_the_path_as_its_value() -> None:
    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            m.get(f"{TRACK}/workspaces/5/projects/6", payload=project_body(6, 5))
            m.get(f"{TRACK}/me/time_entries/7", payload=entry_body(7))
            m.get(f"{TRACK}/me/projects/paginated?per_page=3&start_project_id=4", payload=[])
            assert (await toggl.projects.get(Sneaky(5), Sneaky(6))).id == 6
            assert (await toggl.time_entries.get(Sneaky(7))).id == 7
            projects = toggl.me.iter_projects(per_page=Sneaky(3), start_project_id=Sneaky(4))
            assert [p async for p in projects] == []
            urls = [str(key[1]) for key in m.requests]
    assert not any("evil" in url or "999" in url for url in urls), urls


# -- 22: trust_env and the base-URL environment variables -----------------------------------


async def test_base_urls_come_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOGGL_TRACK_BASE_URL", "https://track.internal/api/v9")
    monkeypatch.setenv("TOGGL_REPORTS_BASE_URL", "https://reports.internal/v3")
    monkeypatch.setenv("TOGGL_FOCUS_BASE_URL", "https://focus.internal/api")
    async with TogglClient(api_token=TOKEN, focus_api_key="k", retry=FAST) as toggl:
        with aioresponses() as m:
            m.get("https://track.internal/api/v9/me", payload=me_body(1))
            m.get("https://focus.internal/api/organizations/1/workspaces/2/tracking/current",
                  body="")  # fmt: skip
            assert (await toggl.me.get()).id == 1
            assert await toggl.focus.current(1, 2) is None
    given = TogglClient(api_token=TOKEN, track_base_url=TRACK)
    assert TRACK in repr(given)  # an argument wins over the environment
    monkeypatch.setenv("TOGGL_FOCUS_BASE_URL", "ftp://nope")
    with pytest.raises(TogglError, match="TOGGL_FOCUS_BASE_URL"):
        TogglClient(api_token=TOKEN)


@pytest.mark.parametrize("trust_env", [True, False])
async def test_trust_env_sends_through_the_environment_proxy(
    trust_env: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, list[str]] = {"proxy": [], "direct": []}

    def record(where: str) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            seen[where].append(str(request.url.path))
            return web.json_response(me_body(1 if where == "direct" else 2))

        return handler

    async with serve(record("proxy")) as proxy, serve(record("direct")) as base:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("http_proxy", proxy)
        async with on(base, trust_env=trust_env) as toggl:
            me = await deadline(toggl.me.get())
    assert me.id == (2 if trust_env else 1)
    assert seen["proxy" if trust_env else "direct"] == ["/me"]


# -- issue 15 item 4: a 402 is a spent quota only when the headers say so -------------------


async def test_a_402_with_requests_left_is_payment_required_never_waited_on() -> None:
    plenty = {"X-Toggl-Quota-Remaining": "25", "X-Toggl-Quota-Resets-In": "1800"}
    policy = RetryPolicy(backoff_base=0.0, wait_for_quota=True)
    async with TogglClient(api_token=TOKEN, retry=policy) as toggl:
        with aioresponses() as m:
            m.get(
                f"{TRACK}/workspaces/1/projects/2",
                status=402,
                headers=plenty,
                body='"Custom project colors available only for premium plans"',
                repeat=True,
            )
            with pytest.raises(PaymentRequiredError) as info:
                await deadline(toggl.projects.get(1, 2))
            assert len(sent(m, "GET", f"{TRACK}/workspaces/1/projects/2")) == 1
    assert not isinstance(info.value, QuotaExceededError)
    assert toggl.quotas["workspace:1"].remaining == 25


# -- the streaming sink ---------------------------------------------------------------------


async def test_a_sink_gets_exactly_one_copy_after_a_retried_cut_body() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    attempts = 0

    async def flaky(request: web.Request) -> web.StreamResponse:
        nonlocal attempts
        attempts += 1
        response = web.StreamResponse(headers={"Content-Length": str(len(payload))})
        await response.prepare(request)
        if attempts == 1:
            await response.write(payload[: len(payload) // 2])
            assert request.transport is not None
            request.transport.close()  # cut the body half way
            return response
        await response.write(payload)
        await response.write_eof()
        return response

    sink = io.BytesIO(b"KEEP")
    sink.seek(4)
    async with serve(flaky) as base, on(base, max_response_bytes=1024) as toggl:
        request = Request(method="GET", api=Api.TRACK, path="/export.zip")
        response = await deadline(toggl._transport.send(request, sink=sink))
    assert attempts == 2 and response.status == 200 and response.body == b""
    assert sink.getvalue() == b"KEEP" + payload  # the cap does not apply to sinks


async def test_error_bodies_never_reach_the_sink_and_a_failed_download_leaves_it_as_it_was() -> (
    None
):
    async def missing(request: web.Request) -> web.Response:
        return web.json_response("no such export", status=404)

    sink = io.BytesIO(b"KEEP")
    sink.seek(4)
    async with serve(missing) as base, on(base) as toggl:
        request = Request(method="GET", api=Api.TRACK, path="/export.zip")
        with pytest.raises(TogglError, match="no such export"):
            await deadline(toggl._transport.send(request, sink=sink))
    assert sink.getvalue() == b"KEEP"

    half = {"sent": False}

    async def always_cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b"x" * 500)
        assert request.transport is not None
        request.transport.close()
        half["sent"] = True
        return response

    async with serve(always_cut) as base, on(base, retry=RetryPolicy.never()) as toggl:
        request = Request(method="GET", api=Api.TRACK, path="/export.zip")
        with pytest.raises(TogglConnectionError) as info:
            await deadline(toggl._transport.send(request, sink=sink))
    assert half["sent"] and sink.getvalue() == b"KEEP"
    cut = info.value
    assert (cut.method, cut.url) == ("GET", f"{base}/export.zip")
    assert str(cut).startswith(f"GET {base}/export.zip: the response body was cut short (")


@pytest.mark.parametrize("stop", ["cancel", "close"])
async def test_a_download_stopped_mid_body_leaves_the_file_as_it_was(stop: str) -> None:
    """A cancelled call, or one ended by closing the client, takes back what it wrote."""

    async def stalls(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b"x" * 500)
        await asyncio.sleep(60)
        return response

    sink = io.BytesIO(b"KEEP")
    sink.seek(4)
    async with serve(stalls) as base, on(base) as toggl:
        call = asyncio.create_task(toggl.exports.download_mine("abc", to=sink))
        while sink.tell() == 4:
            await deadline(asyncio.sleep(0.01))
        if stop == "cancel":
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await deadline(call)
        else:
            await deadline(toggl.aclose())
            with pytest.raises(ClientClosedError):
                await deadline(call)
    assert sink.getvalue() == b"KEEP"


async def test_a_sink_that_cannot_rewind_is_refused_before_sending() -> None:
    class Pipe(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def tell(self) -> int:
            raise io.UnsupportedOperation("not seekable")

    async with TogglClient(api_token=TOKEN, retry=FAST) as toggl:
        with aioresponses() as m:
            request = Request(method="GET", api=Api.TRACK, path="/export.zip")
            with pytest.raises(TypeError, match="seekable"):
                await toggl._transport.send(request, sink=Pipe())  # type: ignore[arg-type]
            assert not m.requests


async def test_a_call_cancelled_while_queued_for_a_slot_does_not_leak_it() -> None:
    release = asyncio.Event()
    started = 0

    async def gate(request: web.Request) -> web.Response:
        nonlocal started
        started += 1
        if started == 1:
            await release.wait()
        return web.json_response(me_body(started))

    async with serve(gate) as base, on(base, max_concurrency=1) as toggl:
        first = asyncio.create_task(toggl.me.get())
        while started == 0:
            await deadline(asyncio.sleep(0.01))
        queued = asyncio.create_task(toggl.me.get())
        await asyncio.sleep(0.01)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await deadline(queued)
        release.set()
        assert (await deadline(first)).id == 1
        assert (await deadline(toggl.me.get())).id == 2  # the slot came back


async def test_a_slot_handed_to_a_caller_cancelled_at_that_moment_passes_on() -> None:
    slots = Slots(1)
    await slots.acquire()
    handed = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)  # queued
    slots.release()  # the slot goes to `handed` ...
    handed.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await deadline(handed)
    assert slots.try_acquire()  # not lost
    assert not slots.try_acquire()  # and not doubled
