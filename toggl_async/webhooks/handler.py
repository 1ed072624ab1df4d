"""An aiohttp handler and app factory around :class:`WebhookReceiver`.

The handler answers as soon as the delivery is checked and only then, in a background
worker, awaits your callback: a slow callback never makes Toggl time out and redeliver.
Events wait in a bounded queue; when it is full the delivery is answered 503 (and not
remembered), so Toggl retries it later instead of it being dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from .. import _json
from ..records.webhooks import Event
from .receiver import WebhookReceiver
from .verify import Secrets

__all__ = ["EventCallback", "WebhookHandler", "make_app"]

log = logging.getLogger("toggl_async.webhooks")

EventCallback = Callable[[Event], Awaitable[None]]


class WebhookHandler:
    """``app.router.add_post(path, handler.handle)``; call :meth:`close` on shutdown.

    ``on_event`` is awaited once per new verified event (pings included), in arrival
    order, outside the request. An exception in it is logged and counted in
    :attr:`failures`; the next event is still delivered.
    """

    def __init__(
        self,
        receiver: WebhookReceiver,
        on_event: EventCallback,
        *,
        max_pending: int = 1000,
    ) -> None:
        if not callable(on_event):
            raise TypeError("on_event must be an async function taking an Event")
        if isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1:
            raise ValueError(f"max_pending must be an int >= 1, got {max_pending!r}")
        self.receiver = receiver
        self._on_event = on_event
        self._queue: asyncio.Queue[Event] | None = None
        self._max_pending = max_pending
        self._worker: asyncio.Task[None] | None = None
        self.failures = 0
        self.delivered = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp request handler."""
        body = await self._read(request)
        if body is None:
            return _reply(413, _json.dumps({"error": "payload too large"}))
        reply = self.receiver.handle(request.method, request.headers, body)
        if reply.event is not None:
            queue = self._ensure_worker()
            try:
                queue.put_nowait(reply.event)
            except asyncio.QueueFull:
                self.receiver.forget(reply.event)
                log.warning("webhook queue full (%d events); asking Toggl to retry", queue.qsize())
                return _reply(503, _json.dumps({"error": "busy, retry later"}))
        response = _reply(reply.status, reply.body)
        for name, value in reply.headers.items():
            response.headers[name] = value
        return response

    async def _read(self, request: web.Request) -> bytes | None:
        """The raw body, or None as soon as it exceeds the receiver's cap."""
        limit = self.receiver.max_body_size
        if self.receiver.too_large(request.content_length):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await request.content.read(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)

    def _ensure_worker(self) -> asyncio.Queue[Event]:
        if self._queue is None:
            self._queue = asyncio.Queue(self._max_pending)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(
                self._work(self._queue), name="toggl-webhook-callbacks"
            )
        return self._queue

    async def _work(self, queue: asyncio.Queue[Event]) -> None:
        while True:
            event = await queue.get()
            try:
                await self._on_event(event)
                self.delivered += 1
            except Exception:
                self.failures += 1
                log.exception("the webhook callback failed for event %s", event.event_id)
            finally:
                queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued event went through the callback."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self, *, drain_timeout: float = 5.0) -> None:
        """Let queued events finish (up to ``drain_timeout`` s), then stop the worker."""
        if self._queue is not None and self._worker is not None and not self._worker.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), drain_timeout)
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


def _reply(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/json")


HANDLER_KEY = web.AppKey("toggl_webhook_handler", WebhookHandler)


def make_app(
    secret: Secrets,
    on_event: EventCallback,
    *,
    path: str = "/",
    max_pending: int = 1000,
    receiver: WebhookReceiver | None = None,
) -> web.Application:
    """An ``aiohttp.web`` app that receives Toggl webhooks at ``path``.

    Run it with ``web.run_app(make_app(secret, on_event), port=8000)`` or an
    ``AppRunner``. ``app[HANDLER_KEY]`` is the :class:`WebhookHandler` (counters,
    ``drain()``). Pass ``receiver=`` to set the receiver's options (size cap, ``max_age``,
    ``callback_url``); ``secret`` is then ignored.
    """
    handler = WebhookHandler(receiver or WebhookReceiver(secret), on_event, max_pending=max_pending)
    app = web.Application(client_max_size=handler.receiver.max_body_size)
    app[HANDLER_KEY] = handler
    app.router.add_route("*", path, handler.handle)

    async def close(_: web.Application) -> None:
        await handler.close()

    app.on_cleanup.append(close)
    return app
