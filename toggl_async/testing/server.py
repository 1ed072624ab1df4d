"""The sandbox: a realistic Toggl Track / Reports / Focus server on localhost (aiohttp.web).

Every request passes one middleware that records it, adds latency, injects scheduled or
random faults, checks credentials (403 for Track/Reports, 401 for Focus) before it looks at
the route (as Toggl does: an unknown path without credentials is 403, a malformed id 400),
counts the hourly quota and stamps the ``X-Toggl-Quota-*`` headers, and in
``null_optional`` mode nulls every nullable field of the answer (``_nulls``). Handlers live
in the ``_track_me``, ``_track_ws``, ``_entries``, ``_reports`` and ``_focus`` modules and only
see a :class:`~toggl_async.testing._http.Context`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import logging
import random
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from types import TracebackType
from typing import NamedTuple

from aiohttp import web

from ._entries import EntryRoutes
from ._focus import FocusRoutes
from ._http import JSON_TYPE, RAW_BODY, ApiError, Context, Credentials, Limits, error, raw
from ._nulls import kind_of, null_optional
from ._paths import BadIds
from ._report_exports import ReportExportRoutes
from ._reports import ReportRoutes
from ._track_me import MeRoutes
from ._track_org import OrganizationRoutes
from ._track_ws import WorkspaceRoutes
from ._util import JSONDict, dumps, loads
from ._webhooks import WebhookHub
from .data import PRESETS, Account, is_deleted
from .faults import FaultHit, Faults, QuotaStatus

__all__ = ["RequestRecord", "Sandbox", "serve"]

log = logging.getLogger(__name__)

TRACK_PREFIX = "/api/v9"
REPORTS_PREFIX = "/reports/api/v3"
FOCUS_PREFIX = "/focus/api"
WEBHOOKS_PREFIX = "/webhooks/api/v1"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_FOUND_ROUTE = "sandbox_not_found"
_PROXY_FAULTS = ("500", "502", "503", "429", "402-quota", "400", "reset")
_CREDENTIAL = web.RequestKey("credential", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestRecord(NamedTuple):
    """One request as served; ``status`` is 0 when the connection was dropped."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes | None
    status: int


def _nginx_page(status: int, reason: str) -> bytes:
    """The HTML an nginx front end sends for throttling and gateway errors."""
    title = f"{status} {reason}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _quota_message(resets_in: int) -> str:
    return (
        "You have hit your hourly limit for API calls. "
        f"Your quota will reset in {resets_in} seconds."
    )


class Sandbox:
    """A started-on-demand local Toggl server backed by an :class:`Account`.

    Use ``async with Sandbox(...) as sb`` (or ``await sb.start()`` / ``await sb.stop()``).
    ``sb.account`` is the live data, ``sb.requests`` the served requests (newest last, capped),
    ``sb.faults`` and ``sb.latency`` can be changed while it runs.
    """

    def __init__(
        self,
        account: Account | None = None,
        *,
        api_token: str = "sandbox-token",
        email: str = "sandbox@example.com",
        password: str = "sandbox-password",
        focus_api_key: str = "toggl_sk_sandbox",
        latency: float = 0.0,
        jitter: float = 0.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        reports_max_page_size: int = 50,
        reports_max_range_days: int = 366,
        reports_long_range: str = "reject",
        me_time_entries_max_days: int = 90,
        me_time_entries_limit: int = 1000,
        null_optional: bool = False,
        max_recorded: int = 100_000,
        reports_billing_rounding_minutes: int = 0,
    ) -> None:
        if (
            isinstance(reports_billing_rounding_minutes, bool)
            or not isinstance(reports_billing_rounding_minutes, int)
            or reports_billing_rounding_minutes < 0
        ):
            raise ValueError(
                "reports_billing_rounding_minutes must be an int >= 0 (0: exact seconds), "
                f"got {reports_billing_rounding_minutes!r}"
            )
        if reports_long_range not in ("reject", "shorten"):
            raise ValueError(
                f"reports_long_range must be 'reject' or 'shorten', got {reports_long_range!r}"
            )
        self.account = account if account is not None else Account.generate()
        self.credentials = Credentials(api_token, email, password, focus_api_key)
        self.faults = faults if faults is not None else Faults()
        self.latency = latency
        self.jitter = jitter
        self.host = host
        self.port = port
        self.requests: deque[RequestRecord] = deque(maxlen=max_recorded)
        self.request_count = 0
        self.errors: list[BaseException] = []
        limits = Limits(
            reports_max_page_size=reports_max_page_size,
            reports_max_range_days=reports_max_range_days,
            reports_long_range=reports_long_range,
            me_time_entries_max_days=me_time_entries_max_days,
            me_time_entries_limit=me_time_entries_limit,
            null_optional=null_optional,
            reports_billing_rounding_minutes=reports_billing_rounding_minutes,
        )
        self._ctx = Context(self.account, limits, self.credentials)
        self._ctx.quota_view = self._quota_view
        self._brand_account()
        self.webhooks = WebhookHub(self._ctx, seed=self.account.seed)
        """Webhook subscriptions, delivery faults (``.faults``) and the delivery log."""
        self.webhooks.base_url = lambda: self.base_url
        self._jitter_rng = random.Random(self.account.seed)
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._paused = False
        self._resumed = asyncio.Event()
        self._bad_ids = BadIds(())

    # -- lifetime -----------------------------------------------------------------------------

    async def start(self) -> Sandbox:
        """Bind the socket (``port=0`` picks a free one) and start serving."""
        if self._runner is not None:
            return self
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            self._app(), access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner
        return self

    def pause(self) -> None:
        """Hold every request that arrives from now on until :meth:`resume` (or ``stop``).

        For tests that need a client to be mid-work at a known moment, however fast it is.
        """
        self._paused = True
        self._resumed = asyncio.Event()

    def resume(self) -> None:
        """Let held and later requests through."""
        self._paused = False
        self._resumed.set()

    async def stop(self) -> None:
        """Stop serving; stalled ``timeout`` faults and latency sleeps end at once."""
        runner, self._runner = self._runner, None
        self._stopping.set()
        await self.webhooks.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses and helpers for tests ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def track_base_url(self) -> str:
        return self.base_url + TRACK_PREFIX

    @property
    def reports_base_url(self) -> str:
        return self.base_url + REPORTS_PREFIX

    @property
    def focus_base_url(self) -> str:
        return self.base_url + FOCUS_PREFIX

    @property
    def webhooks_base_url(self) -> str:
        return self.base_url + WEBHOOKS_PREFIX

    @property
    def api_token(self) -> str:
        return self.credentials.api_token

    def auth_header(self, *, password: bool = False) -> str:
        """``Authorization`` value for Track/Reports (token, or email and password)."""
        creds = self.credentials
        user, secret = (creds.email, creds.password) if password else (creds.api_token, "api_token")
        return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()

    def focus_auth_header(self) -> str:
        """``Authorization`` value for Focus."""
        return f"Bearer {self.credentials.focus_api_key}"

    def now(self) -> datetime:
        """The sandbox clock (the account's "now", advancing in real time)."""
        return self._ctx.now_dt()

    # -- setup ------------------------------------------------------------------------------------

    def _brand_account(self) -> None:
        """Put the sandbox's credentials where the API echoes them (``/me``, workspaces)."""
        self.account.me["api_token"] = self.credentials.api_token
        self.account.me["email"] = self.credentials.email
        for ws in self.account.workspaces:
            ws["api_token"] = self.credentials.api_token
        for members in self.account.workspace_users.values():
            for user in members:
                if user["id"] == self.account.user_id:
                    user["email"] = self.credentials.email
        self.account.touch()

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=8 * 1024 * 1024)
        workspace = WorkspaceRoutes(self._ctx)
        app.add_routes(MeRoutes(self._ctx).routes(TRACK_PREFIX))
        app.add_routes(EntryRoutes(self._ctx, workspace.add_tag).routes(TRACK_PREFIX))
        app.add_routes(workspace.routes(TRACK_PREFIX))
        app.add_routes(ReportRoutes(self._ctx).routes(REPORTS_PREFIX))
        app.add_routes(FocusRoutes(self._ctx).routes(FOCUS_PREFIX))
        # Flows beyond the seed endpoints (organizations, groups, exports, ...):
        app.add_routes(OrganizationRoutes(self._ctx).routes(TRACK_PREFIX))
        app.add_routes(ReportExportRoutes(self._ctx).routes(REPORTS_PREFIX))
        app.add_routes(self.webhooks.routes(WEBHOOKS_PREFIX))
        self._bad_ids = BadIds(resource.canonical for resource in app.router.resources())
        app.router.add_route("*", "/{tail:.*}", self._not_found, name=_NOT_FOUND_ROUTE)
        return app

    @staticmethod
    async def _not_found(request: web.Request) -> web.StreamResponse:
        return error(404, "Not Found")

    # -- the request pipeline ------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.request_count += 1
        body = await request.read() if request.can_read_body else b""
        request[RAW_BODY] = body
        status = 0
        try:
            response, status = await self._serve(request, handler)
            path = request.path
            if 200 <= status < 300 and request.method in _WRITES and path.startswith(TRACK_PREFIX):
                self.webhooks.track_changed(request, path[len(TRACK_PREFIX) :], response)
            return response
        finally:
            record = RequestRecord(
                request.method, request.path, dict(request.query), body or None, status
            )
            self.requests.append(record)

    async def _serve(
        self, request: web.Request, handler: Handler
    ) -> tuple[web.StreamResponse, int]:
        fault = self.faults.pick(request.method, request.path)
        await self._delay()
        if fault is not None and fault.kind in _PROXY_FAULTS:
            return self._proxy_fault(request, fault)
        if fault is not None and fault.kind == "timeout":
            await self._sleep(self.faults.timeout_seconds)
        response = await self._dispatch(request, handler)
        kind = None if fault is None else fault.kind
        if kind == "truncate" and isinstance(response, web.Response):
            return await self._truncate(request, response), response.status
        if kind == "invalid-json" and isinstance(response, web.Response):
            return self._broken_json(response), 200
        return response, response.status

    async def _delay(self) -> None:
        if self._paused:
            stopping = asyncio.ensure_future(self._stopping.wait())
            resumed = asyncio.ensure_future(self._resumed.wait())
            await asyncio.wait((stopping, resumed), return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            resumed.cancel()
        pause = self.latency
        if self.jitter > 0:
            pause += self.jitter * self._jitter_rng.random()
        await self._sleep(pause)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the sandbox stops (so shutdown never waits on faults)."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _dispatch(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Checks in the order Toggl applies them: auth, route (a malformed id is 400, an
        unknown route 404), quota, handler. Real Toggl answers 403 to a request without
        credentials before it looks at the route; unknown routes cost no quota (assumed)."""
        path = request.path
        if path.startswith(FOCUS_PREFIX + "/"):
            if not self._focus_authorized(request):
                return error(401, "Unauthorized")
            return self._unrouted(request) or await self._call(handler, request)
        if path.startswith(WEBHOOKS_PREFIX + "/") and self.webhooks.public(path, WEBHOOKS_PREFIX):
            return await self._call(handler, request)
        credential = self._credential(request)
        if credential is None:
            return error(403, "Incorrect username and/or password")
        unrouted = self._unrouted(request)
        if unrouted is not None:
            return unrouted
        key, user_bucket = self._quota_key(credential, request)
        quota = self.faults.charge(key, user_bucket=user_bucket)
        if quota is not None and quota.exceeded:
            response: web.StreamResponse = error(402, _quota_message(quota.resets_in))
        else:
            response = await self._call(handler, request)
        # A 402 from a handler means "paid feature": by default it carries no quota headers;
        # ``Faults(quota_headers_on_402=True)`` sends them (with requests left) as Toggl may.
        if quota is not None and (
            quota.exceeded or response.status != 402 or self.faults.quota_headers_on_402
        ):
            response.headers["X-Toggl-Quota-Remaining"] = str(quota.remaining)
            response.headers["X-Toggl-Quota-Resets-In"] = str(quota.resets_in)
        return response

    def _unrouted(self, request: web.Request) -> web.StreamResponse | None:
        """400 for a malformed id in a known route, 404 for an unknown route, else None."""
        if request.match_info.route.name != _NOT_FOUND_ROUTE:
            return None
        bad = self._bad_ids.find(request.path)
        if bad is not None:
            return error(400, f"Invalid or missing {bad}")
        return error(404, "Not Found")

    async def _call(self, handler: Handler, request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
            if self._ctx.limits.null_optional:
                return self._messy(request, response)
            return response
        except ApiError as exc:
            return error(exc.status, exc.message)
        except web.HTTPException as exc:
            return error(exc.status, exc.reason)
        except Exception as exc:  # a sandbox bug: answer like Toggl, keep it for the tests
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            self.errors.append(exc)
            return error(500, "Internal Server Error")

    @staticmethod
    def _messy(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        """``null_optional``: null every nullable field of a successful JSON answer."""
        kind = kind_of(request.path)
        body = response.body if isinstance(response, web.Response) else None
        if kind is None or response.status != 200 or not isinstance(body, bytes) or not body:
            return response
        messy = raw(dumps(null_optional(loads(body), kind)), response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "content-type"):
                messy.headers[name] = value
        return messy

    # -- credentials and quota ---------------------------------------------------------------------

    def _credential(self, request: web.Request) -> str | None:
        """Which credential authenticated the request: ``"token"``, ``"password"`` or None."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        creds = self.credentials
        if not sep:
            return None
        if secret == "api_token" and hmac.compare_digest(user, creds.api_token):
            return "token"
        if user.lower() == creds.email.lower() and hmac.compare_digest(secret, creds.password):
            return "password"
        return None

    def _focus_authorized(self, request: web.Request) -> bool:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip(), self.credentials.focus_api_key
        )

    def _quota_key(self, credential: str, request: web.Request) -> tuple[Hashable, bool]:
        """Quota bucket (per credential, or per credential and organization) and whether it
        is the user's own ``/me`` bucket (requests that target no workspace)."""
        request[_CREDENTIAL] = credential
        wid = request.match_info.get("wid")
        ws = self.account.index().workspaces.get(int(wid)) if wid else None
        organization = None if ws is None else ws["organization_id"]
        if not self.faults.quota_per_organization:
            return credential, False  # one window: the organization limit applies
        return (credential, organization), organization is None

    def _quota_view(self, request: web.Request) -> list[JSONDict]:
        """``GET /me/quota``: the ``/me`` bucket (organization null) and each organization."""
        credential = request.get(_CREDENTIAL, "token")
        out: list[JSONDict] = []
        orgs: list[int | None] = [None, *(o["id"] for o in self.account.organizations)]
        for org in orgs:
            key = (credential, org) if self.faults.quota_per_organization else credential
            user_bucket = org is None and self.faults.quota_per_organization
            status = self.faults.peek(key, user_bucket=user_bucket)
            if status is None:
                status = QuotaStatus(0, 0, 0, False)
            out.append(
                {
                    "organization_id": org,
                    "remaining": status.remaining,
                    "resets_in_secs": status.resets_in,
                    "total": status.limit,
                }
            )
        return out

    # -- faults ----------------------------------------------------------------------------------

    def _proxy_fault(self, request: web.Request, fault: FaultHit) -> tuple[web.StreamResponse, int]:
        """Faults that replace the response before Toggl's application sees the request."""
        if fault.kind == "reset":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500), 0
        headers: dict[str, str] = {}
        if fault.retry_after is not None and fault.kind != "402-quota":
            headers["Retry-After"] = str(fault.retry_after)
        if fault.kind == "402-quota":
            resets = max(1, int(float(fault.retry_after))) if fault.retry_after is not None else 1
            response = error(402, _quota_message(resets))
            response.headers["X-Toggl-Quota-Remaining"] = "0"
            response.headers["X-Toggl-Quota-Resets-In"] = str(resets)
            return response, 402
        if fault.kind == "400":  # a refused request (e.g. a parameter Toggl will not take)
            return error(400, "Bad Request"), 400
        if fault.kind == "500":
            response = raw(dumps("Internal Server Error"), 500, headers)
            return response, 500
        status, reason = {
            "502": (502, "Bad Gateway"),
            "503": (503, "Service Temporarily Unavailable"),
            "429": (429, "Too Many Requests"),
        }[fault.kind]
        page = web.Response(body=_nginx_page(status, reason), status=status, headers=headers)
        page.content_type = "text/html"
        return page, status

    @staticmethod
    async def _truncate(request: web.Request, response: web.Response) -> web.StreamResponse:
        """Announce the full Content-Length, send half the body, then hang up."""
        body = response.body if isinstance(response.body, bytes) else b""
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.close()
        return stream

    @staticmethod
    def _broken_json(response: web.Response) -> web.Response:
        """A 200 whose body is not valid JSON (cut short, then a stray ``{"``)."""
        body = response.body if isinstance(response.body, bytes) else b""
        broken = web.Response(body=body[: len(body) // 2] + b'{"', status=200)
        broken.headers.update(response.headers)
        broken.headers["Content-Type"] = JSON_TYPE
        broken.headers.pop("Content-Length", None)
        return broken


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    seed: int = 1,
    size: str = "demo",
    latency: float = 0.0,
    jitter: float = 0.0,
    faults: Faults | None = None,
    api_token: str = "sandbox-token",
    email: str = "sandbox@example.com",
    password: str = "sandbox-password",
    focus_api_key: str = "toggl_sk_sandbox",
    now: datetime | None = None,
    reports_max_page_size: int = 50,
    reports_max_range_days: int = 366,
    reports_long_range: str = "reject",
    me_time_entries_max_days: int = 90,
    me_time_entries_limit: int = 1000,
    null_optional: bool = False,
    plan: str = "unlimited",
    quota_window: float = 3600.0,
) -> None:
    """Run a sandbox in the foreground until interrupted (``toggl-async sandbox``).

    ``size`` is one of the :data:`~toggl_async.testing.data.PRESETS` names, ``plan`` one of
    :data:`~toggl_async.testing.faults.PLANS` (the hourly quota, per ``quota_window``).
    """
    if size not in PRESETS:
        raise ValueError(f"unknown size {size!r}; choose from {', '.join(PRESETS)}")
    if faults is None:
        faults = Faults(plan=plan, quota_window=quota_window)
    else:
        faults.plan = plan
        faults.quota_window = quota_window
    account = Account.preset(size, seed=seed, now=now)
    sandbox = Sandbox(
        account,
        api_token=api_token,
        email=email,
        password=password,
        focus_api_key=focus_api_key,
        latency=latency,
        jitter=jitter,
        faults=faults,
        host=host,
        port=port,
        reports_max_page_size=reports_max_page_size,
        reports_max_range_days=reports_max_range_days,
        reports_long_range=reports_long_range,
        me_time_entries_max_days=me_time_entries_max_days,
        me_time_entries_limit=me_time_entries_limit,
        null_optional=null_optional,
    )
    label = f"seed={seed} size={size} plan={plan}"
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(sandbox, label))


async def _serve_forever(sandbox: Sandbox, label: str) -> None:
    await sandbox.start()
    try:
        print(_banner(sandbox, label), flush=True)
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def _banner(sandbox: Sandbox, label: str) -> str:
    """What to point a client at, and what an export of the account will find: deleted
    projects (kept for ``since`` queries) are not counted; time entries are the live ones,
    the running entry included (exports write it too)."""
    account = sandbox.account
    creds = sandbox.credentials
    workspaces = [ws for ws in account.workspaces if not is_deleted(ws)]
    projects = [p for p in account.projects if not is_deleted(p)]
    return "\n".join(
        [
            f"Toggl sandbox listening on {sandbox.base_url}  ({label})",
            f"  Track v9   {sandbox.track_base_url}",
            f"  Reports v3 {sandbox.reports_base_url}",
            f"  Focus      {sandbox.focus_base_url}",
            f"  Webhooks   {sandbox.webhooks_base_url}",
            f"  API token  {creds.api_token}   (Basic auth '<token>:api_token')",
            f"  Login      {creds.email} / {creds.password}",
            f"  Focus key  {creds.focus_api_key}   (Bearer)",
            f"  Account    {len(workspaces)} workspaces, {len(projects)} projects, "
            f"{len(account.time_entries)} time entries; workspace ids "
            + ", ".join(str(ws["id"]) for ws in workspaces),
            "Press Ctrl+C to stop.",
        ]
    )
