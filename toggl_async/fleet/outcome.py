"""What happened to each account: its state, the ``toggl-async export`` exit code, counts.

The exit codes are the export command's own (see ``toggl_async.cli.EXIT_CODES``), so a
script that handles one export's codes handles each account of a fleet the same way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from ..errors import AuthenticationError, QuotaExceededError, TogglError
from ..export import (
    ExportDataError,
    ExportDirectoryError,
    ExportLockedError,
    ExportOptionsError,
    ExportStateError,
    ExportSummary,
)
from ..export._fs import atomic_write
from .accounts import AccountsFileError, TokenUnavailableError

__all__ = [
    "FLEET_EXIT_OK",
    "FLEET_EXIT_SOME_FAILED",
    "AccountOutcome",
    "FleetSummary",
    "exit_code_of",
]

# The export command's codes (toggl_async.cli keeps the table; the values are its interface).
OK, ERROR, USAGE, AUTH, QUOTA, LOCKED, DIRECTORY, PARTIAL, DATA, INTERRUPTED = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 130,
)  # fmt: skip
#: Every account finished with 0.
FLEET_EXIT_OK = 0
#: At least one account did not: ``fleet.json`` gives each account's own exit code.
FLEET_EXIT_SOME_FAILED = 9


def exit_code_of(exc: BaseException) -> int:
    """The ``toggl-async export`` exit code for an exception that ended an account's export."""
    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, AccountsFileError | ExportOptionsError | TypeError):
        return USAGE
    if isinstance(exc, ExportDataError):
        return DATA
    if isinstance(exc, ExportLockedError):
        return LOCKED
    if isinstance(exc, ExportDirectoryError | ExportStateError):
        return DIRECTORY
    if isinstance(exc, AuthenticationError | TokenUnavailableError):
        return AUTH
    if isinstance(exc, QuotaExceededError):
        return QUOTA
    if isinstance(exc, TogglError):
        return ERROR
    if isinstance(exc, OSError):
        return DIRECTORY
    return ERROR


def _message(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
        return "interrupted; progress is saved, run again to resume"
    if isinstance(exc, AuthenticationError):
        return f"Toggl refused the API token ({exc.status})"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and not isinstance(exc, TogglError):
        text = f"cannot write the export: {text}"
    return text


@attrs.frozen(kw_only=True)
class AccountOutcome:
    """One account's result: never an exception, always a state and an exit code."""

    name: str
    out_dir: Path
    exit_code: int
    """The code ``toggl-async export`` would have returned for this account."""
    state: str
    """``"done"``, ``"partial"`` or ``"failed"`` (``"interrupted"`` after Ctrl-C)."""
    message: str
    entries: int = 0
    counts: Mapping[str, int] = attrs.field(factory=dict)
    requests: int = 0
    """Requests this run spent for the account (retries included)."""
    requests_total: int = 0
    """Requests the whole export spent, earlier interrupted runs included."""
    quota_waits: int = 0
    quota_wait_seconds: float = 0.0
    runs: int = 0
    elapsed: float = 0.0
    summary: ExportSummary | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def ok(self) -> bool:
        return self.exit_code == OK

    @classmethod
    def from_summary(cls, name: str, summary: ExportSummary, elapsed: float) -> AccountOutcome:
        partial = not summary.complete
        message = (
            f"partial export: Toggl refused {len(summary.missing)} listing(s); "
            "manifest.json lists them"
            if partial
            else ("already complete" if summary.already_complete else "done")
        )
        return cls(
            name=name,
            out_dir=summary.out_dir,
            exit_code=PARTIAL if partial else OK,
            state="partial" if partial else "done",
            message=message,
            entries=summary.entries,
            counts=dict(summary.counts),
            requests=summary.requests_this_run,
            requests_total=summary.requests,
            quota_waits=summary.quota_waits,
            quota_wait_seconds=summary.quota_wait_seconds,
            runs=summary.runs,
            elapsed=elapsed,
            summary=summary,
        )

    @classmethod
    def from_error(
        cls,
        name: str,
        out_dir: Path,
        exc: BaseException,
        *,
        requests: int = 0,
        entries: int = 0,
        elapsed: float = 0.0,
    ) -> AccountOutcome:
        code = exit_code_of(exc)
        return cls(
            name=name,
            out_dir=out_dir,
            exit_code=code,
            state="interrupted" if code == INTERRUPTED else "failed",
            message=_message(exc),
            entries=entries,
            requests=requests,
            elapsed=elapsed,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "out_dir": str(self.out_dir),
            "state": self.state,
            "exit_code": self.exit_code,
            "message": self.message,
            "entries": self.entries,
            "counts": dict(self.counts),
            "requests": self.requests,
            "requests_total": self.requests_total,
            "quota_waits": self.quota_waits,
            "quota_wait_seconds": round(self.quota_wait_seconds, 3),
            "runs": self.runs,
            "elapsed": round(self.elapsed, 3),
        }


@attrs.frozen(kw_only=True)
class FleetSummary:
    """The result of :func:`~toggl_async.fleet.export_accounts` (also ``fleet.json``)."""

    out_root: Path
    accounts: tuple[AccountOutcome, ...]
    started_at: datetime
    finished_at: datetime
    elapsed: float
    max_in_flight: int

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.accounts)

    @property
    def exit_code(self) -> int:
        """0 when every account finished with 0, else 9 (``fleet.json`` says which failed)."""
        return FLEET_EXIT_OK if self.ok else FLEET_EXIT_SOME_FAILED

    @property
    def failed(self) -> tuple[AccountOutcome, ...]:
        return tuple(a for a in self.accounts if not a.ok)

    @property
    def entries(self) -> int:
        return sum(a.entries for a in self.accounts)

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.accounts)

    def __getitem__(self, name: str) -> AccountOutcome:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        by_code: dict[str, int] = {}
        for account in self.accounts:
            by_code[str(account.exit_code)] = by_code.get(str(account.exit_code), 0) + 1
        return {
            "exit_code": self.exit_code,
            "ok": self.ok,
            "accounts_total": len(self.accounts),
            "accounts_by_exit_code": by_code,
            "entries": self.entries,
            "requests": self.requests,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "elapsed": round(self.elapsed, 3),
            "max_in_flight": self.max_in_flight,
            "accounts": [a.to_json() for a in self.accounts],
        }

    def write(self, path: Path) -> None:
        """Write ``fleet.json`` atomically (private, like every export file)."""
        atomic_write(
            path, json.dumps(self.to_json(), indent=2, ensure_ascii=False).encode() + b"\n"
        )


def now() -> datetime:
    return datetime.now(UTC)
