"""Showing a running fleet: one line per account, live (rich) on a terminal, log lines otherwise."""

from __future__ import annotations

import shutil
import sys
import time
from typing import IO, Any, Protocol

from ..export.display import clock
from .outcome import FleetSummary
from .runner import AccountStatus, FleetProgress

__all__ = ["FleetDisplay", "make_fleet_display", "fleet_summary_text", "status_line"]

_ORDER = {"waiting": 0, "running": 1, "failed": 2, "interrupted": 2, "partial": 3}
_STYLE = {"done": "green", "failed": "red", "partial": "yellow", "waiting": "yellow"}
_FINAL = frozenset({"done", "partial", "failed", "interrupted"})


def status_line(a: AccountStatus) -> str:
    """``name state  entries  requests  quota wait`` as one plain line."""
    line = f"{a.name}: {a.state}, {a.entries:,} entries, {a.requests:,} requests"
    if a.quota_wait is not None:
        line += f", quota spent: resets in {clock(a.quota_wait)}"
    if a.exit_code is not None and a.exit_code != 0:
        line += f" (exit {a.exit_code}: {a.message})"
    return line


def _totals(p: FleetProgress) -> str:
    states = ("running", "waiting", "queued", "done", "partial", "failed", "interrupted")
    parts = [f"{p.count(s)} {s}" for s in states if p.count(s)]
    entries = sum(a.entries for a in p.accounts)
    requests = sum(a.requests for a in p.accounts)
    return (
        f"[{clock(p.elapsed)}] {len(p.accounts)} accounts: {', '.join(parts)} · "
        f"{entries:,} entries · {requests:,} requests"
    )


class FleetDisplay(Protocol):
    def update(self, progress: FleetProgress) -> None: ...

    def close(self) -> None: ...


class PlainFleetDisplay:
    """A line when an account starts or ends, and a totals line every ``every`` seconds."""

    def __init__(self, stream: IO[str], every: float = 5.0) -> None:
        self.stream = stream
        self.every = every
        self._last = 0.0
        self._states: dict[str, str] = {}

    def update(self, progress: FleetProgress) -> None:
        for a in progress.accounts:
            before = self._states.get(a.name)
            self._states[a.name] = a.state
            if a.state != before and (a.state in _FINAL or a.state == "waiting"):
                print(status_line(a), file=self.stream, flush=True)
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            print(_totals(progress), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichFleetDisplay:
    """A live table: one row per account (busiest first, as many as the terminal holds)."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.live = Live(console=self.console, auto_refresh=False, transient=False)
        self.live.start()

    def update(self, progress: FleetProgress) -> None:
        self.live.update(self._render(progress), refresh=True)

    def _render(self, p: FleetProgress) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        rows = max(3, shutil.get_terminal_size((100, 30)).lines - 5)
        ranked = sorted(p.accounts, key=lambda a: _ORDER.get(a.state, 9))
        grid = Table(box=None, pad_edge=False, header_style="bold")
        for title, justify in (
            ("account", "left"),
            ("state", "left"),
            ("read", "right"),
            ("entries", "right"),
            ("requests", "right"),
            ("quota wait", "right"),
            ("exit", "right"),
        ):
            grid.add_column(title, justify=justify)  # type: ignore[arg-type]
        for a in ranked[:rows]:
            grid.add_row(
                a.name,
                Text(a.state, style=_STYLE.get(a.state, "")),
                f"{a.fraction:.0%}",
                f"{a.entries:,}",
                f"{a.requests:,}",
                clock(a.quota_wait) if a.quota_wait is not None else "",
                "" if a.exit_code is None else str(a.exit_code),
            )
        parts: list[Any] = [Text(_totals(p), style="bold"), grid]
        if len(ranked) > rows:
            parts.append(Text(f"... and {len(ranked) - rows} more", style="dim"))
        return Group(*parts)

    def close(self) -> None:
        self.live.stop()


def make_fleet_display(stream: IO[str] | None = None, *, live: bool | None = None) -> FleetDisplay:
    """rich on a terminal when installed; plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    if live is None:
        live = stream.isatty()
    if live:
        try:
            return RichFleetDisplay(stream)
        except ImportError:
            pass
    return PlainFleetDisplay(stream)


def fleet_summary_text(summary: FleetSummary) -> str:
    """The closing lines: totals, then each account that did not finish with 0."""
    done = sum(a.ok for a in summary.accounts)
    lines = [
        f"{done} of {len(summary.accounts)} accounts exported into {summary.out_root} in "
        f"{clock(summary.elapsed)}: {summary.entries:,} time entries, "
        f"{summary.requests:,} requests ({summary.out_root / 'fleet.json'})"
    ]
    for a in summary.failed:
        lines.append(f"  {a.name}: exit {a.exit_code} ({a.state}): {a.message}")
    return "\n".join(lines)
