"""``mypy --strict`` passes on the shim and on typed code that uses it, and the types are real.

The example below is what a user writes. Its last lines are mistakes that must be reported:
each carries a ``type: ignore[code]``, and ``--strict`` (``warn_unused_ignores``) fails if
an ignore is unused, that is, if the shim's methods were typed ``Any`` or wrongly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[1]

EXAMPLE = """\
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import toggl_async
from toggl_async.pagination import Cursor
from toggl_async.records import Me, Project, ReportTimeEntry, TimeEntry
from toggl_async_sync import SyncPaginator, TogglClient


def report(toggl: TogglClient, workspace_id: int) -> list[ReportTimeEntry]:
    rows = toggl.reports.iter_time_entries(
        workspace_id, start_date=date(2024, 1, 1), end_date=date(2024, 2, 1)
    )
    return rows.collect()


def main() -> None:
    with TogglClient(api_token="t", timeout=5.0, max_concurrency=4) as toggl:
        me: Me = toggl.me.get(with_related_data=True)
        current: TimeEntry | None = toggl.time_entries.current()
        projects: SyncPaginator[Project] = toggl.me.iter_projects(per_page=50, limit=10)
        for project in projects:
            name: str | None = project.name
            del name
        for page in toggl.me.iter_projects().pages():
            first: Project = page[0]
            del first
        cursor: Cursor = projects.cursor
        finished: bool = projects.done
        with ThreadPoolExecutor(8) as pool:
            entries: list[TimeEntry] = list(pool.map(toggl.time_entries.get, [1, 2]))
        sent: int = toggl.requests_sent
        quota: toggl_async.Quota | None = toggl.quota
        del me, current, cursor, finished, entries, sent, quota
    toggl.close()

    # Mistakes the types must catch:
    wrong: int = toggl.me.get()  # type: ignore[assignment]
    toggl.me.get(with_related_data="yes")  # type: ignore[arg-type]
    toggl.time_entries.get("12")  # type: ignore[arg-type]
    toggl.me.no_such_method()  # type: ignore[attr-defined]
    toggl.no_such_namespace  # type: ignore[attr-defined]
    TogglClient(api_tokn="t")  # type: ignore[call-arg]
    TogglClient(timeout="5")  # type: ignore[arg-type]
    p: SyncPaginator[TimeEntry] = toggl.me.iter_projects()  # type: ignore[assignment]
    del wrong, p
"""


def test_mypy_strict_passes_on_the_shim_and_a_typed_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = tmp_path / "blocking_example.py"
    example.write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = mypy_api.run(
        [
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-error-summary",
            "--show-error-codes",
            "toggl_async_sync",
            str(example),
        ]
    )
    assert status == 0, stdout + stderr
