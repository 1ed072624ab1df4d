"""Showing a running export: a live table on a terminal (rich), log lines otherwise.

rich rather than tqdm: the export has many things moving at once (objects per workspace,
requests, the quota and its countdown) and rich renders that as one table that redraws in
place, while tqdm is one bar per line. rich is an optional extra (``toggl-async[cli]``);
without it, or when stderr is not a terminal, the same facts go out as plain lines.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Protocol

from .summary import ExportProgress, ExportSummary

__all__ = ["Display", "PlainDisplay", "make_display", "summary_text"]

_OBJECTS = ("projects", "clients", "tags", "tasks", "time_entries")


def clock(seconds: float | None) -> str:
    """``1:02:03`` / ``2:03`` for a duration; ``—`` when unknown."""
    if seconds is None:
        return "—"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate(p: ExportProgress) -> str:
    """Entries per second of this run, ``—`` until known."""
    return "—" if p.entries_per_second is None else f"{p.entries_per_second:,.0f}"


def _status(p: ExportProgress) -> str:
    parts = [f"requests {p.requests:,}"]
    if p.requests_per_1000 is not None:
        parts.append(f"{p.requests_per_1000:.1f}/1000 entries")
    if p.quota_remaining is not None:
        parts.append(f"quota {p.quota_remaining:,} left")
    if p.quota_wait is not None:
        parts.append(f"quota spent: waiting {clock(p.quota_wait)} for the reset")
    elif p.phase == "fetching":
        parts.append(f"ETA {clock(p.eta)}")
    return " · ".join(parts)


class Display(Protocol):
    def update(self, progress: ExportProgress) -> None: ...

    def close(self) -> None: ...


class PlainDisplay:
    """A log line every ``every`` seconds (and at each phase change), for logs and pipes."""

    def __init__(self, stream: IO[str], every: float = 5.0) -> None:
        self.stream = stream
        self.every = every
        self._last = 0.0
        self._phase = ""

    def update(self, progress: ExportProgress) -> None:
        now = time.monotonic()
        if progress.phase == self._phase and now - self._last < self.every:
            return
        self._last, self._phase = now, progress.phase
        counts = " ".join(f"{k}={progress.counts.get(k, 0):,}" for k in _OBJECTS)
        line = (
            f"[{clock(progress.elapsed)}] {progress.phase} {progress.fraction:.0%} {counts} "
            f"({rate(progress)} entries/s) {_status(progress)}"
        )
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichDisplay:
    """A live table: one row per workspace, a footer with requests, quota and ETA."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.live = Live(console=self.console, auto_refresh=False, transient=False)
        self.live.start()

    def update(self, progress: ExportProgress) -> None:
        self.live.update(self._render(progress), refresh=True)

    def _render(self, p: ExportProgress) -> Any:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        grid = Table(box=None, pad_edge=False, header_style="bold")
        grid.add_column("workspace", overflow="ellipsis", max_width=28)
        for name in _OBJECTS:
            grid.add_column(name.replace("_", " "), justify="right")
        grid.add_column("time entries read", min_width=24)
        for ws in p.workspaces:
            bar = ProgressBar(total=1.0, completed=ws.fraction, width=16)
            done = Text(" done", style="green") if ws.done else Text(f" {ws.fraction:4.0%}")
            grid.add_row(
                ws.name,
                *(f"{ws.counts.get(k, 0):,}" for k in _OBJECTS),
                _bar_row(bar, done),
            )
        head = Text.assemble(
            (f"{p.phase} ", "bold"),
            f"{clock(p.elapsed)} elapsed · {p.counts.get('time_entries', 0):,} time entries "
            f"({rate(p)}/s)",
        )
        style = "yellow" if p.quota_wait is not None else "dim"
        return Group(head, grid, Text(_status(p), style=style))

    def close(self) -> None:
        self.live.stop()


def _bar_row(bar: Any, label: Any) -> Any:
    from rich.table import Table

    row = Table.grid()
    row.add_column()
    row.add_column()
    row.add_row(bar, label)
    return row


def make_display(stream: IO[str] | None = None, *, live: bool | None = None) -> Display:
    """rich on a terminal when installed; plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    if live is None:
        live = stream.isatty()
    if live:
        try:
            return RichDisplay(stream)
        except ImportError:
            pass
    return PlainDisplay(stream)


def summary_text(summary: ExportSummary) -> str:
    """The closing lines of an export, for people (scripts read manifest.json)."""
    counts = summary.counts
    missing = [
        f"  missing: workspace {m['workspace_id']} {m['object']}"
        + (f" from {m['start']}" if m.get("start") else "")
        + f" ({m['reason']})"
        for m in summary.missing
    ]
    partial = (
        [f"PARTIAL export: {len(missing)} listing(s) could not be read (see manifest.json)"]
        if missing
        else []
    )
    if summary.already_complete:
        text = (
            f"{summary.out_dir} already holds a finished export "
            f"({counts.get('time_entries', 0):,} time entries, finished "
            f"{summary.finished_at:%Y-%m-%d %H:%M} UTC); nothing to do. "
            "Pass --overwrite to export again."
        )
        return "\n".join([text, *partial, *missing])
    objects = ", ".join(f"{counts.get(k, 0):,} {k.replace('_', ' ')}" for k in counts)
    per_1000 = summary.requests_per_1000_entries
    lines = [
        f"Exported {objects}",
        f"  time entries {_covered(summary)} (asked for {summary.since} to {summary.until}) "
        f"in {len(summary.workspaces)} workspace(s), as {summary.format}, into {summary.out_dir}",
        f"  {clock(summary.elapsed)} this run"
        + (f" ({summary.runs} runs in all)" if summary.runs > 1 else "")
        + f"; {summary.requests:,} requests"
        + (f" ({per_1000:.1f} per 1000 entries)" if per_1000 is not None else "")
        + (
            f"; waited {clock(summary.quota_wait_seconds)} for the quota "
            f"({summary.quota_waits} time(s))"
            if summary.quota_waits
            else ""
        ),
        f"  manifest: {summary.manifest_path}",
    ]
    lines += [f"  warning: {w}" for w in summary.warnings]
    return "\n".join([*partial, *lines, *missing])


def _covered(summary: ExportSummary) -> str:
    if summary.first_entry is None or summary.last_entry is None:
        return "none found"
    return f"from {summary.first_entry} to {summary.last_entry}"
