"""``toggl-async webhooks ...`` (list, create, ping, delete subscriptions; ``listen``) and
``toggl-async mirror DIR``.

``listen`` runs a receiver on a local port and prints every verified event as one JSON line
(the body exactly as Toggl sent it), for debugging a subscription. ``mirror`` exports the
account into ``DIR/toggl.sqlite`` and keeps it current from webhook events. Signing secrets
come from ``TOGGL_WEBHOOK_SECRET`` (and ``TOGGL_WEBHOOK_PREVIOUS_SECRET`` while rotating),
never from the command line, where ``ps`` would show them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from . import _json
from .errors import AuthenticationError, TogglError
from .records.converter import to_dict
from .records.webhooks import Subscription

__all__ = ["HANDLERS", "SECRET_ENV", "add_commands"]

SECRET_ENV = "TOGGL_WEBHOOK_SECRET"
PREVIOUS_SECRET_ENV = "TOGGL_WEBHOOK_PREVIOUS_SECRET"
WEBHOOKS_URL_ENV = "TOGGL_WEBHOOKS_BASE_URL"
DEFAULT_WEBHOOKS_URL = "https://api.track.toggl.com/webhooks/api/v1"


def _filter(text: str) -> tuple[str, str]:
    entity, sep, action = text.partition(":")
    if not sep or not entity or not action:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not ENTITY:ACTION (e.g. time_entry:* or project:created)"
        )
    return entity, action


def add_commands(commands: Any) -> None:
    """Add the ``webhooks`` command (with its subcommands) to the CLI's subparsers."""
    webhooks = commands.add_parser(
        "webhooks",
        help="manage webhook subscriptions, or listen for events locally",
        description="Webhook subscriptions of a workspace (Toggl's Webhooks API v1), and a "
        f"local receiver. Secrets come from {SECRET_ENV} (and {PREVIOUS_SECRET_ENV} while "
        "rotating); the API token from TOGGL_API_TOKEN.",
    )
    sub = webhooks.add_subparsers(dest="webhooks_command", metavar="SUBCOMMAND", required=True)

    listen = sub.add_parser(
        "listen",
        help="receive events on a local port and print each verified one as a JSON line",
        description="Verify each delivery's signature with the secret in "
        f"{SECRET_ENV}, answer the validation handshake, and print each new verified event "
        "(pings included) as one JSON line on stdout. Refused deliveries are logged on stderr.",
    )
    listen.add_argument("--port", type=int, required=True, help="0 picks a free port")
    listen.add_argument("--host", default="127.0.0.1", help="default %(default)s")
    listen.add_argument("--path", default="/", help="URL path to receive on (default /)")

    def api(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        parser.add_argument("workspace_id", type=int)
        parser.add_argument(
            "--webhooks-base-url",
            default=os.environ.get(WEBHOOKS_URL_ENV, DEFAULT_WEBHOOKS_URL),
            help=f"Webhooks API URL prefix (env {WEBHOOKS_URL_ENV}; default %(default)s)",
        )
        return parser

    listing = api("list", "print the workspace's subscriptions, one JSON line each")
    listing.add_argument("--show-secrets", action="store_true", help="include signing secrets")
    create = api("create", "create a subscription (Toggl pings the URL first)")
    create.add_argument("--url", required=True, help="the callback URL")
    create.add_argument(
        "--filter",
        dest="filters",
        type=_filter,
        action="append",
        required=True,
        metavar="ENTITY:ACTION",
        help="repeatable; e.g. time_entry:* or project:created, *:* for everything",
    )
    create.add_argument("--description", required=True, help="unique in the workspace")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    create.add_argument(
        "--show-secret", action="store_true", help="print the secret (e.g. one Toggl generated)"
    )
    _add_mirror(commands)
    for name, text in (
        ("delete", "delete a subscription"),
        ("ping", "send a test event to the subscription's URL"),
        ("enable", "turn a subscription's deliveries on"),
        ("disable", "turn a subscription's deliveries off"),
    ):
        api(name, text).add_argument("subscription_id", type=int)


def _secrets() -> list[str]:
    found = [os.environ.get(SECRET_ENV, "").strip(), os.environ.get(PREVIOUS_SECRET_ENV, "")]
    return [s.strip() for s in found if s and s.strip()]


def _print_subscription(subscription: Subscription, *, show_secret: bool) -> None:
    data = to_dict(subscription)
    if not show_secret:
        data.pop("secret", None)
    print(_json.dumps_str(data), flush=True)


def _webhooks(args: argparse.Namespace) -> int:
    from . import cli

    if args.webhooks_command == "listen":
        return _listen(args)
    token = cli._token()
    if not token:
        return cli._error(cli._NO_TOKEN, cli.EXIT_AUTH)
    return cli._run(lambda: _call(args, token))


async def _call(args: argparse.Namespace, token: str) -> int:
    from . import cli
    from .client import TogglClient

    command = args.webhooks_command
    wid = args.workspace_id
    try:
        async with TogglClient(api_token=token, webhooks_base_url=args.webhooks_base_url) as toggl:
            hooks = toggl.webhooks
            if command == "list":
                for subscription in await hooks.list(wid):
                    _print_subscription(subscription, show_secret=args.show_secrets)
            elif command == "create":
                secrets = _secrets()
                created = await hooks.create(
                    wid,
                    url_callback=args.url,
                    event_filters=args.filters,
                    description=args.description,
                    enabled=not args.disabled,
                    secret=secrets[0] if secrets else None,
                )
                _print_subscription(created, show_secret=args.show_secret)
            elif command == "delete":
                await hooks.delete(wid, args.subscription_id)
            elif command == "ping":
                print(_json.dumps_str(to_dict(await hooks.ping(wid, args.subscription_id))))
            elif command in ("enable", "disable"):
                changed = await getattr(hooks, command)(wid, args.subscription_id)
                _print_subscription(changed, show_secret=False)
    except AuthenticationError as exc:
        return cli._error(f"Toggl refused the API token ({exc.status})", cli.EXIT_AUTH)
    except (TogglError, ValueError, TypeError) as exc:
        return cli._error(str(exc), cli.EXIT_ERROR)
    return cli.EXIT_OK


def _listen(args: argparse.Namespace) -> int:
    from . import cli

    secrets = _secrets()
    if not secrets:
        return cli._error(
            f"no signing secret: set {SECRET_ENV} to the subscription's secret "
            "(it is never a command-line argument)",
            cli.EXIT_AUTH,
        )
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_serve(args, secrets))
        except OSError as exc:
            return cli._error(f"cannot listen on {args.host}:{args.port}: {exc}", cli.EXIT_ERROR)
    return cli.EXIT_OK


async def _serve(args: argparse.Namespace, secrets: list[str]) -> None:
    from aiohttp import web

    from .webhooks import WebhookReceiver

    receiver = WebhookReceiver(secrets)

    async def handle(request: web.Request) -> web.StreamResponse:
        if receiver.too_large(request.content_length):
            return web.json_response({"error": "payload too large"}, status=413)
        body = await request.read()
        reply = receiver.handle(request.method, request.headers, body)
        if reply.event is not None:
            line = body.decode("utf-8", "replace")
            if "\n" in line:
                line = _json.dumps_str(_json.loads(body))
            print(line, flush=True)
        elif reply.status >= 400:
            print(f"refused a delivery: HTTP {reply.status}", file=sys.stderr, flush=True)
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    app = web.Application(client_max_size=receiver.max_body_size)
    app.router.add_route("*", args.path, handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    print(f"listening on http://{args.host}:{port}{args.path}", file=sys.stderr, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


# -- mirror --------------------------------------------------------------------------------------

MIRROR_DESCRIPTION = "toggl-async mirror"


def _add_mirror(commands: Any) -> None:
    mirror = commands.add_parser(
        "mirror",
        help="export into DIR/toggl.sqlite, then keep it current from webhook events",
        description="Export the account into DIR/toggl.sqlite (first run) or catch up with what "
        "changed since the last run, subscribe each workspace's webhooks to --public-url "
        f"(signed with {SECRET_ENV}), and apply every event as it arrives. Prints one line "
        "per applied change. Ctrl-C stops it; run it again to catch up and continue.",
    )
    mirror.add_argument("directory", metavar="DIR")
    mirror.add_argument("--port", type=int, required=True, help="local port to receive on")
    mirror.add_argument("--host", default="127.0.0.1", help="default %(default)s")
    mirror.add_argument("--path", default="/toggl-mirror", help="default %(default)s")
    mirror.add_argument(
        "--public-url",
        help="the URL Toggl posts to (e.g. behind a tunnel or proxy); default "
        "http://HOST:PORT/PATH, which only a local sandbox can reach",
    )
    mirror.add_argument(
        "--workspace", dest="workspaces", type=int, action="append", help="repeatable"
    )
    mirror.add_argument(
        "--catch-up-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also read what changed every SECONDS (5 requests each; catches events Toggl "
        "gave up on while the mirror ran); default 0: only at start",
    )
    for name, env, default in (
        ("--track-base-url", "TOGGL_TRACK_BASE_URL", "https://api.track.toggl.com/api/v9"),
        (
            "--reports-base-url",
            "TOGGL_REPORTS_BASE_URL",
            "https://api.track.toggl.com/reports/api/v3",
        ),
        ("--webhooks-base-url", WEBHOOKS_URL_ENV, DEFAULT_WEBHOOKS_URL),
    ):
        mirror.add_argument(name, default=os.environ.get(env, default), help=f"env {env}")


def _mirror(args: argparse.Namespace) -> int:
    from . import cli

    token = cli._token()
    if not token:
        return cli._error(cli._NO_TOKEN, cli.EXIT_AUTH)
    secrets = _secrets()
    if not secrets:
        return cli._error(
            f"no signing secret: set {SECRET_ENV} (the mirror's subscriptions use it)",
            cli.EXIT_AUTH,
        )
    with contextlib.suppress(KeyboardInterrupt):
        try:
            return asyncio.run(_run_mirror(args, token, secrets[0]))
        except OSError as exc:
            return cli._error(f"cannot listen on {args.host}:{args.port}: {exc}", cli.EXIT_ERROR)
    return cli.EXIT_OK


async def _run_mirror(args: argparse.Namespace, token: str, secret: str) -> int:
    from aiohttp import web

    from . import cli
    from .client import TogglClient
    from .mirror import Mirror, MirrorError
    from .records.webhooks import Event
    from .retry import RetryPolicy
    from .webhooks import make_app

    async with TogglClient(
        api_token=token,
        track_base_url=args.track_base_url,
        reports_base_url=args.reports_base_url,
        webhooks_base_url=args.webhooks_base_url,
        retry=RetryPolicy.for_export(),
    ) as toggl:
        mirror = Mirror(toggl, args.directory, workspaces=args.workspaces)

        async def on_event(event: Event) -> None:
            if mirror.apply(event):
                print(f"{event.model} {event.action} {event.entity_id}", flush=True)

        try:
            await mirror.open()
        except MirrorError as exc:
            return cli._error(str(exc), cli.EXIT_DIRECTORY)
        except AuthenticationError as exc:
            return cli._error(f"Toggl refused the API token ({exc.status})", cli.EXIT_AUTH)
        except TogglError as exc:
            return cli._error(str(exc), cli.EXIT_ERROR)
        runner = web.AppRunner(
            make_app(secret, on_event, path=args.path), access_log=None, handle_signals=False
        )
        try:
            await runner.setup()
            sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((args.host, args.port))
            port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
            url = args.public_url or f"http://{args.host}:{port}{args.path}"
            try:
                await _subscribe(toggl, mirror, url, secret)
                changed = await mirror.catch_up()  # what changed while we subscribed
            except TogglError as exc:
                return cli._error(str(exc), cli.EXIT_ERROR)
            print(
                f"mirroring into {mirror.path} ({changed} changes caught up); events at {url}",
                file=sys.stderr,
                flush=True,
            )
            while True:
                if args.catch_up_every <= 0:
                    await asyncio.Event().wait()
                await asyncio.sleep(args.catch_up_every)
                try:
                    if changed := await mirror.catch_up():
                        print(f"caught up {changed} changes", flush=True)
                except TogglError as exc:  # keep mirroring; the next round tries again
                    print(f"toggl-async: catch-up failed: {exc}", file=sys.stderr, flush=True)
        finally:
            await runner.cleanup()
            mirror.close()
    return cli.EXIT_OK


async def _subscribe(toggl: Any, mirror: Any, url: str, secret: str) -> None:
    """One subscription per workspace, to every event, named ``toggl-async mirror``: created
    the first time, pointed at ``url`` (and ``secret``) again on later runs."""
    settings: dict[str, Any] = {
        "url_callback": url,
        "event_filters": [("*", "*")],
        "description": MIRROR_DESCRIPTION,
        "secret": secret,
    }
    for workspace in await toggl.me.workspaces():
        wid = workspace.id
        if mirror.workspaces is not None and wid not in mirror.workspaces:
            continue
        mine = [s for s in await toggl.webhooks.list(wid) if s.description == MIRROR_DESCRIPTION]
        if not mine:
            await toggl.webhooks.create(wid, **settings)
            continue
        current = mine[0]
        if current.url_callback != url or current.secret != secret or not current.delivering:
            await toggl.webhooks.update(wid, current.subscription_id, enabled=True, **settings)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "webhooks": _webhooks,
    "mirror": _mirror,
}
"""Command name -> handler, merged into the CLI's own table."""
