"""``toggl-async export-many ACCOUNTS OUT_ROOT``: export a fleet of accounts at once.

Registered by ``cli.py`` with two lines; everything else about the command lives here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .export import ExportDirectoryError
from .export.sinks import FORMATS
from .fleet import (
    FLEET_EXIT_SOME_FAILED,
    AccountsFileError,
    AccountSpec,
    SandboxFleet,
    export_accounts,
    load_accounts,
)
from .fleet.display import fleet_summary_text, make_fleet_display

__all__ = ["EXPORT_MANY_EXIT_CODES", "add_export_many", "run_export_many"]

EXPORT_MANY_EXIT_CODES = {
    0: "every account exported (each finished with 0)",
    2: "bad arguments, or the accounts file is not usable (nothing was exported)",
    6: "OUT_ROOT cannot be used (not a writable directory)",
    FLEET_EXIT_SOME_FAILED: "some accounts did not finish with 0: the summary and "
    "OUT_ROOT/fleet.json give each one's own `toggl-async export` exit code; run again to "
    "resume them",
    130: "interrupted by Ctrl-C or SIGTERM (run again to resume every account)",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def add_export_many(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export-many`` subcommand to the ``toggl-async`` parser."""
    codes = "\n".join(f"  {c:<4} {m}" for c, m in EXPORT_MANY_EXIT_CODES.items())
    parser = commands.add_parser(
        "export-many",
        help="export many accounts at once (an accounts file, or --sandbox N)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Export every account listed in ACCOUNTS (a TOML file) into OUT_ROOT/NAME/,\n"
            "exactly as `toggl-async export` would, all at once: each account paced by its\n"
            "own hourly quota, a global cap on requests in flight. One account failing never\n"
            "stops the others. OUT_ROOT/fleet.json records each account's outcome.\n"
            "The file names where each token is (token_env or token_file), never the token."
        ),
        epilog="exit codes:\n" + codes,
    )
    parser.add_argument(
        "accounts", nargs="?", type=Path, metavar="ACCOUNTS", help="the accounts file (TOML)"
    )
    parser.add_argument("out_root", type=Path, metavar="OUT_ROOT", help="one directory per account")
    parser.add_argument(
        "--max-in-flight",
        type=_positive_int,
        default=50,
        metavar="N",
        help="requests in flight across all accounts (default %(default)s)",
    )
    parser.add_argument(
        "--max-accounts",
        type=_positive_int,
        metavar="N",
        help="accounts exporting at once (default: all)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format for every account (overrides the file)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="bring every account's finished export up to date (as `export --update`)",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="an account whose quota is spent stops (exit 4 in fleet.json) instead of waiting",
    )
    parser.add_argument(
        "--sandbox",
        type=_positive_int,
        metavar="N",
        help="export N generated accounts from built-in local servers, each with its own "
        "organizations and hourly quota (no ACCOUNTS file, no tokens)",
    )
    parser.add_argument(
        "--sandbox-size",
        choices=("tiny", "small", "demo"),
        default="tiny",
        help="size of each --sandbox account (default %(default)s)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print errors only")


def _error(message: str, code: int) -> int:
    print(f"toggl-async export-many: {message}", file=sys.stderr)
    return code


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {}
    if args.format:
        out["format"] = args.format
    if args.no_wait:
        out["no_wait"] = True
    if args.update:
        out["update"] = True
    return out


def _with(specs: Sequence[AccountSpec], extra: dict[str, object]) -> list[AccountSpec]:
    return [AccountSpec(name=s.name, token=s.token, options={**s.options, **extra}) for s in specs]


def run_export_many(args: argparse.Namespace) -> int:
    """The command; returns its exit code (see ``EXPORT_MANY_EXIT_CODES``)."""
    accounts_file: Path | None = args.accounts
    out_root: Path = args.out_root
    if args.sandbox is not None and accounts_file is not None:
        return _error("with --sandbox give only OUT_ROOT (no ACCOUNTS file)", 2)
    if args.sandbox is None and accounts_file is None:
        return _error("give ACCOUNTS (a TOML file) and OUT_ROOT, or --sandbox N OUT_ROOT", 2)
    specs: list[AccountSpec] = []
    try:
        if accounts_file is not None:
            specs = _with(load_accounts(accounts_file), _overrides(args))
    except AccountsFileError as exc:
        return _error(str(exc), 2)

    async def go() -> int:
        display = None if args.quiet else make_fleet_display()
        try:
            if args.sandbox is None:
                summary = await export_accounts(
                    specs,
                    out_root,
                    max_in_flight=args.max_in_flight,
                    max_accounts=args.max_accounts,
                    on_progress=display.update if display is not None else None,
                )
            else:
                if not args.quiet:
                    print(
                        f"toggl-async: starting {args.sandbox} sandbox accounts "
                        f"(size {args.sandbox_size}, each its own server, organizations and "
                        "hourly quota)",
                        file=sys.stderr,
                    )
                async with SandboxFleet(args.sandbox, size=args.sandbox_size) as fleet:
                    summary = await export_accounts(
                        _with(fleet.specs(), _overrides(args)),
                        out_root,
                        max_in_flight=args.max_in_flight,
                        max_accounts=args.max_accounts,
                        environ=fleet.environ,
                        on_progress=display.update if display is not None else None,
                    )
        except AccountsFileError as exc:
            return _error(str(exc), 2)
        except ExportDirectoryError as exc:
            return _error(str(exc), 6)
        finally:
            if display is not None:
                display.close()
        text = fleet_summary_text(summary)
        if not args.quiet:
            print(text)
        elif not summary.ok:
            print(text, file=sys.stderr)
        return summary.exit_code

    from .cli import _run  # Ctrl-C / SIGTERM: each account saves its progress -> 130

    return _run(go)
