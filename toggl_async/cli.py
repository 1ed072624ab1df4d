"""The ``toggl-async`` command: ``export``, ``quota`` and ``sandbox``.

The token comes from ``TOGGL_API_TOKEN`` (or a hidden prompt on a terminal), never from the
command line, where ``ps`` would show it. Exit codes are part of the interface (see
``EXIT_CODES`` and ``toggl-async export --help``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import math
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import _cli_webhooks
from ._params import as_date
from ._version import __version__
from .client import DEFAULT_REPORTS_URL, DEFAULT_TRACK_URL, TogglClient
from .errors import (
    AuthenticationError,
    ConfigurationError,
    QuotaExceededError,
    TogglError,
)
from .export import (
    ExportDataError,
    ExportDirectoryError,
    ExportLockedError,
    ExportOptionsError,
    ExportStateError,
    export_account,
)
from .export.cost import GROUPED_ENTRIES_PER_ROW, SETUP_PER_WORKSPACE, estimate
from .export.directory import WORK_DIR
from .export.display import Display, clock, make_display, summary_text
from .export.sources import REPORTS_PAGE_SIZE
from .export.state import ExportState
from .retry import RetryPolicy

__all__ = ["EXIT_CODES", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_QUOTA = 4
EXIT_LOCKED = 5
EXIT_DIRECTORY = 6
EXIT_PARTIAL = 7
EXIT_DATA = 8
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "done",
    EXIT_ERROR: "the API or the network failed after retries (progress is kept: run again)",
    EXIT_USAGE: "bad arguments (dates, format, workspace ids ...)",
    EXIT_AUTH: "no API token, or Toggl refused it",
    EXIT_QUOTA: "the hourly quota is spent and --no-wait was given (run again to resume)",
    EXIT_LOCKED: "another export is writing into OUT_DIR",
    EXIT_DIRECTORY: "OUT_DIR cannot be used: not writable, disk full, not empty, or it holds "
    "an export made with other options or another account",
    EXIT_PARTIAL: "partial export: Toggl refused some listings (403/404); manifest.json "
    "lists what is missing",
    EXIT_DATA: "Toggl sent a record no export format can store (named in the message)",
    EXIT_INTERRUPTED: "interrupted by Ctrl-C or SIGTERM (run again to resume)",
}
#: What ``toggl-async quota`` can return (its --help lists only these).
QUOTA_EXIT_CODES = (EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_QUOTA, EXIT_INTERRUPTED)

log = logging.getLogger("toggl_async.cli")


def _exit_codes_text(codes: Sequence[int] = tuple(EXIT_CODES)) -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4} {EXIT_CODES[code]}" for code in codes)


def _date(text: str) -> date:
    try:
        return as_date("date", text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _add_connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--track-base-url",
        default=os.environ.get("TOGGL_TRACK_BASE_URL", DEFAULT_TRACK_URL),
        help="Track API v9 URL prefix, for a proxy or a sandbox "
        "(env TOGGL_TRACK_BASE_URL; default %(default)s)",
    )
    parser.add_argument(
        "--reports-base-url",
        default=os.environ.get("TOGGL_REPORTS_BASE_URL", DEFAULT_REPORTS_URL),
        help="Reports API v3 URL prefix (env TOGGL_REPORTS_BASE_URL; default %(default)s)",
    )


SANDBOX_SIZES = ("tiny", "small", "demo", "large", "huge")


def _add_sandbox(parser: argparse.ArgumentParser, what: str) -> None:
    # No defaults here: an option not given is taken from the export being resumed.
    parser.add_argument("--sandbox", action="store_true", help=f"{what} (no token needed)")
    parser.add_argument(
        "--sandbox-size",
        choices=SANDBOX_SIZES,
        help="account size for --sandbox (default demo: ~30,000 entries)",
    )
    parser.add_argument("--seed", type=int, help="account seed for --sandbox (default 1)")
    parser.add_argument(
        "--sandbox-plan",
        choices=("free", "starter", "premium", "unlimited"),
        help="hourly API quota of the --sandbox account: Toggl's Free 30, Starter 240, "
        "Premium 600 requests per organization, 30 for /me (default unlimited)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toggl-async",
        description="Toggl Track from the command line: export a whole account, check the "
        "API quota, or run a local sandbox server.",
        epilog="The API token is read from TOGGL_API_TOKEN (or asked for on a terminal); it "
        "is never a command-line argument.",
    )
    parser.add_argument("--version", action="version", version=f"toggl-async {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    export = commands.add_parser(
        "export",
        help="export a whole account (resumable, quota-aware)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Export workspaces, projects, clients, tags, tasks and time entries into OUT_DIR,\n"
            "with manifest.json (counts, date range, sha256 per file, requests spent).\n"
            "Time entries come from Reports v3 (all members' entries you may see, any age)\n"
            "plus your running entry. Running it again into the same OUT_DIR continues an\n"
            "unfinished export exactly where it stopped."
        ),
        epilog=_exit_codes_text(),
    )
    export.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="where the files go")
    export.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="first day of time entries, YYYY-MM-DD (default: the start of your history)",
    )
    export.add_argument(
        "--until",
        type=_date,
        metavar="DATE",
        help="last day of time entries, YYYY-MM-DD (default: today)",
    )
    export.add_argument(
        "--workspace",
        dest="workspaces",
        metavar="ID",
        type=_positive_int,
        action="append",
        help="export only this workspace (repeat for several; default: all of yours)",
    )
    export.add_argument(
        "--format",
        choices=("jsonl", "csv", "sqlite", "parquet"),
        help="jsonl (default), csv (one file per object), sqlite (one database) or parquet "
        '(one file per object; pip install "toggl-async[parquet]")',
    )
    export.add_argument(
        "--concurrency",
        type=_positive_int,
        default=10,
        metavar="N",
        help="listings read at once (default %(default)s)",
    )
    export.add_argument(
        "--rate-limit",
        type=_positive_float,
        metavar="PER_SECOND",
        help="space requests to at most this many per second (Toggl says 1/s is always safe)",
    )
    export.add_argument(
        "--page-size",
        type=_positive_int,
        metavar="ROWS",
        help=f"rows per Reports page (default {REPORTS_PAGE_SIZE}, Toggl's documented size)",
    )
    export.add_argument(
        "--paths",
        choices=("auto", "reports"),
        help="how time entries are read: auto (default: grouped Reports rows, checked; the "
        "fewest requests) or reports (one Reports row per entry); the rows are the same",
    )
    _add_connection(export)
    export.add_argument(
        "--no-wait",
        action="store_true",
        help="when the hourly quota is spent, stop (resumable, exit 4) instead of waiting",
    )
    export.add_argument(
        "--resume",
        action="store_true",
        help="continue an unfinished export in OUT_DIR (fail if there is none); "
        "options not given are taken from it",
    )
    export.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished (or unfinished) export in OUT_DIR with a new one",
    )
    export.add_argument(
        "--update",
        action="store_true",
        help="bring the finished export in OUT_DIR up to date: changed projects and tasks "
        "(since=), other objects, time entries of the last --recheck-days and your own older "
        "changed entries read again, older ones kept",
    )
    export.add_argument(
        "--recheck-days",
        type=_non_negative_int,
        default=90,
        metavar="N",
        help="with --update: read entries again from N days ago on (default %(default)s)",
    )
    _add_sandbox(export, "export a generated demo account from a built-in local server")
    loudness = export.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    loudness.add_argument(
        "--verbose", "-v", action="count", default=0, help="log retries (-vv: every request)"
    )

    quota = commands.add_parser(
        "quota",
        help="show the API quota left and estimate how long an export would take",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="One request (GET /me/quota): what is left of each hourly quota, when it "
        "resets, and what an export can read at that rate.",
        epilog=_exit_codes_text(QUOTA_EXIT_CODES),
    )
    quota.add_argument(
        "--entries",
        type=_positive_int,
        help="estimate the export time for this many time entries",
    )
    _add_connection(quota)
    _add_sandbox(quota, "ask a built-in local server with a Premium-sized quota")

    sandbox = commands.add_parser(
        "sandbox",
        help="run the local sandbox server (a fake Toggl with a generated account)",
        description="Serve Track v9, Reports v3 and Focus on localhost with a generated "
        "account; point clients at it with the printed URLs and token.",
    )
    sandbox.add_argument("--port", type=int, default=8080, help="default %(default)s")
    sandbox.add_argument("--host", default="127.0.0.1", help="default %(default)s")
    sandbox.add_argument("--seed", type=int, default=1, help="account seed (default %(default)s)")
    sandbox.add_argument(
        "--size",
        default="demo",
        choices=("tiny", "small", "demo", "large", "huge"),
        help="account size (default %(default)s)",
    )
    sandbox.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds added to every response (default %(default)s)",
    )
    sandbox.add_argument(
        "--plan",
        default="unlimited",
        choices=("free", "starter", "premium", "unlimited"),
        help="hourly API quota: Toggl's Free 30, Starter 240, Premium 600 requests per "
        "organization, 30 for /me (default %(default)s)",
    )
    _cli_webhooks.add_commands(commands)  # webhooks ..., mirror: see _cli_webhooks.py
    from ._cli_fleet import add_export_many  # export-many lives in its own module

    add_export_many(commands)
    return parser


# -- running coroutines with clean interrupts ----------------------------------------------------


class _Interrupted(Exception):
    pass


def _run(make: Callable[[], Awaitable[int]]) -> int:
    """Run a coroutine; Ctrl-C and SIGTERM cancel it (it saves its progress) -> exit 130."""

    async def runner() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        terminated = False

        def on_term() -> None:
            nonlocal terminated
            terminated = True
            if task is not None:
                task.cancel()

        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, on_term)
        try:
            return await make()
        except asyncio.CancelledError:
            if terminated:
                raise _Interrupted from None
            raise

    try:
        return asyncio.run(runner())
    except (KeyboardInterrupt, _Interrupted):
        print(
            "toggl-async: interrupted; progress is saved, run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _error(message: str, code: int) -> int:
    print(f"toggl-async: {message}", file=sys.stderr)
    return code


def _token() -> str | None:
    token = os.environ.get("TOGGL_API_TOKEN", "").strip()
    if token:
        return token
    if sys.stdin.isatty() and sys.stderr.isatty():
        with contextlib.suppress(EOFError):
            token = getpass.getpass("Toggl API token (from https://track.toggl.com/profile): ")
        return token.strip() or None
    return None


_NO_TOKEN = (
    "no API token: set TOGGL_API_TOKEN (your token is at the bottom of "
    "https://track.toggl.com/profile), or try --sandbox"
)


# -- export --------------------------------------------------------------------------------------


def _configure_logging(verbose: int, quiet: bool, display: Display | None) -> None:
    """Retries and quota waits go to stderr; through the live display when there is one."""
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    console = getattr(display, "console", None)
    if console is not None:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=console, show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("toggl_async")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _recorded_source(out_dir: Path) -> dict[str, Any] | None:
    """The ``source`` of the unfinished export in ``out_dir``, if any (read only)."""
    try:
        state = ExportState.load(out_dir / WORK_DIR / "checkpoint.json")
    except (OSError, ExportStateError):
        return None  # the export itself reports what is wrong with it
    if state is None or state.phase == "done":
        return None
    return state.source


def _sandbox_choice(args: argparse.Namespace) -> dict[str, Any] | None:
    """``{"sandbox": size, "seed": n}`` when this run uses the sandbox, else None.

    ``--resume`` after a ``--sandbox`` run reuses that sandbox (as it reuses every option):
    sizes and seeds not given come from the unfinished export in OUT_DIR.
    """
    out_dir = getattr(args, "out_dir", None)
    recorded = _recorded_source(out_dir) if out_dir is not None else None
    recorded = recorded if recorded is not None and "sandbox" in recorded else None
    if not args.sandbox and not (getattr(args, "resume", False) and recorded is not None):
        return None
    recorded = recorded or {}
    return {
        "sandbox": args.sandbox_size or recorded.get("sandbox") or "demo",
        "seed": args.seed if args.seed is not None else recorded.get("seed", 1),
    }


def _export(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        return _error(f"--since {args.since} is after --until {args.until}", EXIT_USAGE)
    sandbox = _sandbox_choice(args)
    token = None
    if sandbox is None:
        token = _token()
        if not token:
            hint = ""
            recorded = _recorded_source(args.out_dir)
            if recorded is not None and "sandbox" in recorded:
                hint = f"; {args.out_dir} holds an unfinished --sandbox export: add --resume"
            return _error(_NO_TOKEN + hint, EXIT_AUTH)

    async def go() -> int:
        if sandbox is not None:
            return await _export_sandbox(args, sandbox)
        return await _export_with(args, token or "", args.track_base_url, args.reports_base_url)

    return _run(go)


def _sandbox_account(choice: dict[str, Any]) -> Any:
    from .testing import Account

    # The account is pinned to today's midnight (UTC), so re-running the same day sees the
    # same data: an interrupted --sandbox export resumes like a real one.
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return Account.preset(str(choice["sandbox"]), seed=int(choice["seed"]), now=midnight)


def _live_counts(account: Any) -> dict[str, int]:
    """What an export of the sandbox account holds: deleted objects are not exported."""
    from .testing.data import is_deleted

    return {
        "time entries": len(account.time_entries),
        "projects": sum(not is_deleted(p) for p in account.projects),
        "clients": sum(not is_deleted(c) for c in account.clients),
        "tags": sum(not is_deleted(t) for t in account.tags),
        "tasks": sum(not is_deleted(t) for t in account.tasks),
        "workspaces": len(account.workspaces),
    }


async def _export_sandbox(args: argparse.Namespace, choice: dict[str, Any]) -> int:
    from .testing import Faults, Sandbox

    account = _sandbox_account(choice)
    faults = Faults(
        random_rate=0.005,
        random_kinds=("500", "503", "reset", "truncate"),
        plan=args.sandbox_plan or "unlimited",  # the plan shapes pacing, not the output
    )
    async with Sandbox(account, latency=0.02, jitter=0.03, faults=faults) as sandbox:
        if not args.quiet:
            counts = ", ".join(f"{n:,} {name}" for name, n in _live_counts(account).items())
            print(
                f"toggl-async: exporting a generated account ({counts}; size "
                f"{choice['sandbox']}, seed {choice['seed']}) from a sandbox at "
                f"{sandbox.base_url}",
                file=sys.stderr,
            )
        return await _export_with(
            args, sandbox.api_token, sandbox.track_base_url, sandbox.reports_base_url, choice
        )


async def _export_with(
    args: argparse.Namespace,
    token: str,
    track_url: str,
    reports_url: str,
    source: dict[str, Any] | None = None,
) -> int:
    retry = (
        RetryPolicy(max_attempts=10, max_elapsed=3600.0, wait_for_quota=False)
        if args.no_wait
        else RetryPolicy.for_export()
    )
    try:
        client = TogglClient(
            api_token=token,
            track_base_url=track_url,
            reports_base_url=reports_url,
            max_concurrency=args.concurrency,
            rate_limit=args.rate_limit,
            retry=retry,
        )
    except ConfigurationError as exc:
        return _error(str(exc), EXIT_USAGE)
    display: Display | None = None if args.quiet else make_display()
    _configure_logging(args.verbose, args.quiet, display)
    try:
        async with client:
            summary = await export_account(
                client,
                args.out_dir,
                since=args.since,
                until=args.until,
                workspaces=args.workspaces,
                format=args.format,
                concurrency=args.concurrency,
                page_size=args.page_size,
                resume=True if args.resume else None,
                overwrite=args.overwrite,
                on_progress=display.update if display is not None else None,
                source=source,
                update=args.update,
                recheck_days=args.recheck_days,
                paths=args.paths,
            )
    except (ExportOptionsError, TypeError) as exc:
        return _error(str(exc), EXIT_USAGE)
    except ExportDataError as exc:
        return _error(str(exc), EXIT_DATA)
    except ExportLockedError as exc:
        return _error(str(exc), EXIT_LOCKED)
    except (ExportDirectoryError, ExportStateError) as exc:
        return _error(str(exc), EXIT_DIRECTORY)
    except AuthenticationError as exc:
        return _error(
            f"Toggl refused the API token ({exc.status}); check TOGGL_API_TOKEN", EXIT_AUTH
        )
    except QuotaExceededError as exc:
        resets = f" in {clock(exc.resets_in)}" if exc.resets_in is not None else ""
        return _error(
            f"the hourly API quota is spent; it resets{resets}. Progress is saved: run the "
            "same command again then to continue",
            EXIT_QUOTA,
        )
    except TogglError as exc:
        return _error(f"{exc}\nProgress is saved: run the same command again to continue", 1)
    except OSError as exc:
        return _error(f"cannot write the export: {exc}", EXIT_DIRECTORY)
    finally:
        if display is not None:
            display.close()
    if not args.quiet:
        print(summary_text(summary))
    if not summary.complete:
        what = "; ".join(
            f"workspace {m['workspace_id']} {m['object']}" for m in summary.missing[:5]
        )
        more = " ..." if len(summary.missing) > 5 else ""
        return _error(
            f"partial export: Toggl refused {len(summary.missing)} listing(s) ({what}{more}); "
            f"{summary.manifest_path} lists them. Check the token's access, then run again "
            "with --overwrite",
            EXIT_PARTIAL,
        )
    return EXIT_OK


# -- quota ---------------------------------------------------------------------------------------


def _quota(args: argparse.Namespace) -> int:
    sandbox = _sandbox_choice(args)
    token = None
    if sandbox is None:
        token = _token()
        if not token:
            return _error(_NO_TOKEN, EXIT_AUTH)

    async def ask(token: str, track_url: str, reports_url: str) -> int:
        try:
            async with TogglClient(
                api_token=token,
                track_base_url=track_url,
                reports_base_url=reports_url,
                retry=RetryPolicy(wait_for_quota=False),
            ) as client:
                buckets = await client.me.quota()
                seen = client.quotas
        except ConfigurationError as exc:
            return _error(str(exc), EXIT_USAGE)
        except AuthenticationError as exc:
            return _error(f"Toggl refused the API token ({exc.status})", EXIT_AUTH)
        except QuotaExceededError as exc:
            resets = clock(exc.resets_in) if exc.resets_in is not None else "?"
            print(f"your own (/me) quota is spent; it resets in {resets}")
            return EXIT_QUOTA
        except TogglError as exc:
            return _error(str(exc), EXIT_ERROR)
        print(_quota_text(buckets, seen, args.entries))
        return EXIT_OK

    async def go() -> int:
        if sandbox is None:
            return await ask(token or "", args.track_base_url, args.reports_base_url)
        from .testing import Faults, Sandbox

        # A Premium-sized hourly quota (600 requests), as a real organization would have.
        faults = Faults(quota=(600, 3600.0))
        async with Sandbox(_sandbox_account(sandbox), faults=faults) as server:
            return await ask(server.api_token, server.track_base_url, server.reports_base_url)

    return _run(go)


def _quota_text(buckets: Sequence[Any], seen: dict[str, Any], entries: int | None) -> str:
    lines = ["hourly API quota (GET /me/quota):"]
    lines.append(f"  {'bucket':<26}{'left':>12}{'of':>12}   resets in")
    for bucket in buckets:
        name = (
            "you (/me requests)"
            if bucket.organization_id is None
            else f"organization {bucket.organization_id}"
        )
        total = "?" if bucket.total is None else f"{bucket.total:,}"
        left = "?" if bucket.remaining is None else f"{bucket.remaining:,}"
        lines.append(f"  {name:<26}{left:>12}{total:>12}   {clock(bucket.resets_in_secs)}")
    for name, quota in seen.items():
        lines.append(
            f"  response headers ({name}): {quota.remaining:,} left, "
            f"resets in {clock(quota.seconds_to_reset())}"
        )
    orgs = [b for b in buckets if b.organization_id is not None and b.total]
    model = estimate(100_000)
    best, worst = model.per_1000(model.best), model.per_1000(model.worst)
    lines.append(
        f"an export spends about {best:.0f} requests per 1000 time entries when descriptions "
        f"repeat ({GROUPED_ENTRIES_PER_ROW:g} entries per grouped Reports row of "
        f"{REPORTS_PAGE_SIZE}) and up to {worst:.0f} when none do, plus about "
        f"{SETUP_PER_WORKSPACE} per workspace"
    )
    for bucket in orgs:
        hourly = bucket.total / best * 1000
        line = f"  organization {bucket.organization_id}: about {hourly:,.0f} entries per hour"
        if entries is not None:
            need = estimate(entries)
            room = max(0, bucket.remaining or 0)
            line += f"; {entries:,} entries: " + " to ".join(
                _time_for(needed, room, bucket) for needed in (need.best, need.worst)
            )
        lines.append(line)
    return "\n".join(lines)


def _time_for(needed: int, room: int, bucket: Any) -> str:
    """How long ``needed`` requests take with ``room`` left now and ``bucket.total`` an hour."""
    if needed <= room:
        return f"{needed:,} requests (fit in what is left now)"
    hours = (needed - room) / bucket.total
    wait = (bucket.resets_in_secs or 0) + max(0.0, math.ceil(hours) - 1) * 3600
    return f"{needed:,} requests (about {clock(wait)}, quota waits included)"


# -- sandbox -------------------------------------------------------------------------------------


def _sandbox(args: argparse.Namespace) -> int:
    from .testing import serve

    try:
        serve(
            args.host,
            args.port,
            seed=args.seed,
            size=args.size,
            latency=args.latency,
            plan=args.plan,
        )
    except OSError as exc:
        return _error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", 1)
    return EXIT_OK


def _export_many(args: argparse.Namespace) -> int:
    from ._cli_fleet import run_export_many

    return run_export_many(args)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``toggl-async`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "export": _export,
        "quota": _quota,
        "sandbox": _sandbox,
        **_cli_webhooks.HANDLERS,
        "export-many": _export_many,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
