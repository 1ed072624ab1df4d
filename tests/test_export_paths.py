"""Issue 13, fewer requests: the grouped Reports path gives exactly the rows of the
all-Reports path, at most 8 requests per 1000 entries on the default sandbox account, and
reads untrusted grouped rows again so that no amount is ever a guess."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.test_export import _cancel_after, assert_matches, export_from, read_export
from toggl_async.export import ExportOptionsError, ExportStateError
from toggl_async.export.amounts import HalfCents, bound, derived
from toggl_async.export.cost import estimate
from toggl_async.export.engine import Exporter
from toggl_async.testing import Account, Faults, Sandbox

# The default ``toggl-async export DIR --sandbox`` account: the demo preset, seed 1, as of
# today's midnight (what cli._sandbox_account builds).
_MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    out = {row["id"]: row for row in rows}
    assert len(out) == len(rows), "an id is written twice"
    return out


def reports_searches(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The bodies of the Reports detailed searches the sandbox served."""
    return [
        json.loads(r.body or b"{}")
        for r in sandbox.requests
        if r.method == "POST" and r.path.endswith("/search/time_entries")
    ]


def assert_same_rows(a: Path, b: Path, fmt: str) -> None:
    left, right = read_export(a, fmt), read_export(b, fmt)
    for kind in left:
        assert by_id(left[kind]) == by_id(right[kind]), f"{fmt} {kind} differ by path"


async def test_default_sandbox_account_costs_at_most_8_per_1000_with_the_same_rows(
    tmp_path: Path,
) -> None:
    account = Account.demo(seed=1, now=_MIDNIGHT)
    async with Sandbox(account) as sandbox:
        counts = {}
        for paths in ("reports", "auto"):
            before = sandbox.request_count
            summary = await export_from(sandbox, tmp_path / paths, paths=paths)
            counts[paths] = (sandbox.request_count - before) * 1000 / summary.entries
        assert_same_rows(tmp_path / "reports", tmp_path / "auto", "jsonl")
        assert counts["auto"] <= 8.0, counts
        assert counts["reports"] > 20.0, counts  # what it replaces, measured the same way
        assert any(body.get("grouped") is True for body in reports_searches(sandbox))
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    grouped = manifest["requests"]["paths"]["grouped"]
    assert grouped["entries"] == summary.entries - 1  # all but the running entry
    assert grouped["per_1000_entries"] <= 8.0
    # The sandbox's amounts always check out; the few entries read again are on half cents
    # met before a row of one entry showed how Reports rounds those.
    assert grouped["refetched"] < grouped["entries"] // 100
    assert {w["path"] for w in manifest["requests"]["workspaces"]} == {"grouped"}
    requests = manifest["requests"]
    assert grouped["requests"] + requests["other"] == requests["total"]
    assert sum(w["requests"] for w in requests["workspaces"]) == grouped["requests"]
    plain = json.loads((tmp_path / "reports" / "manifest.json").read_text())
    assert set(plain["requests"]["paths"]) == {"reports"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite", "parquet"])
async def test_every_format_has_the_same_rows_by_either_path(
    toggl_sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    await export_from(toggl_sandbox, tmp_path / "reports", format=fmt, paths="reports")
    await export_from(toggl_sandbox, tmp_path / "auto", format=fmt)
    assert_same_rows(tmp_path / "reports", tmp_path / "auto", fmt)
    assert_matches(toggl_sandbox.account, read_export(tmp_path / "auto", fmt))


async def test_grouped_rows_hold_several_entries_with_amounts(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The equality above means something: grouped rows of several billable entries were
    read, and their entries' amounts are each their own, not the row's total."""
    await export_from(toggl_sandbox, tmp_path)
    rows = read_export(tmp_path, "jsonl")["time_entries"]
    shared = [
        r
        for r in rows
        if r.get("hourly_rate_in_cents") is not None
        and r["billable_amount_in_cents"] == round(r["seconds"] * r["hourly_rate_in_cents"] / 3600)
    ]
    assert len(shared) == sum(1 for r in rows if r.get("hourly_rate_in_cents") is not None) > 50


async def test_untrusted_grouped_rows_are_read_again_with_reports_own_amounts(
    toggl_sandbox_factory: Any, tmp_path: Path
) -> None:
    """A variant sandbox bills each entry rounded up to 15 minutes: the amounts derived from
    seconds and the rate do not add up to the rows' totals, so those rows are read again
    ungrouped and every amount is Reports' own per-entry figure."""
    sandbox = await toggl_sandbox_factory(reports_billing_rounding_minutes=15)
    await export_from(sandbox, tmp_path / "reports", paths="reports")
    await export_from(sandbox, tmp_path / "auto")
    assert_same_rows(tmp_path / "reports", tmp_path / "auto", "jsonl")
    by_ids = [b for b in reports_searches(sandbox) if b.get("time_entry_ids")]
    assert by_ids and all("grouped" not in b for b in by_ids)
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["requests"]["paths"]["grouped"]["refetched"] > 0
    # Not every entry: rows of one entry and rows without a rate need no second read.
    assert (
        manifest["requests"]["paths"]["grouped"]["refetched"]
        < manifest["counts"]["time_entries"] // 2
    )
    # Grouping cost more than it saved in that workspace: the rest went one row per entry.
    assert manifest["requests"]["paths"]["reports"]["entries"] > 0
    assert any("kept failing their amount check" in w for w in manifest["warnings"])


async def test_second_reads_under_faults_and_interruptions_lose_nothing(
    toggl_sandbox_factory: Any, tmp_path: Path
) -> None:
    """The variant billing (rows read again by id) with 5xx, resets and truncated bodies,
    interrupted twice and resumed: the same rows as one row per entry gives."""
    faults = Faults(random_rate=0.08, random_kinds=("500", "503", "reset", "truncate"))
    sandbox = await toggl_sandbox_factory(
        faults=faults, reports_billing_rounding_minutes=15, latency=0.002
    )
    out = tmp_path / "auto"
    for stop_after in (15, 15):
        task = asyncio.ensure_future(
            export_from(sandbox, out, checkpoint_interval=0.01, concurrency=3)
        )
        await _cancel_after(sandbox, sandbox.request_count + stop_after, task)
        with pytest.raises(asyncio.CancelledError):
            await task
    summary = await export_from(sandbox, out)
    assert summary.runs == 3
    faults.random_rate = 0.0
    await export_from(sandbox, tmp_path / "reports", paths="reports")
    assert_same_rows(tmp_path / "reports", out, "jsonl")
    assert len(faults.injected) > 5
    assert any(b.get("time_entry_ids") for b in reports_searches(sandbox))


async def test_an_exact_half_cent_is_rounded_as_reports_rounds_it(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Rounding rules differ on an exact half cent (half up, half to even): an entry of a
    grouped row whose amount is one gets Reports' own rounding (learnt, or read again)."""
    account = toggl_sandbox.account
    zone = ZoneInfo(account.me["timezone"])
    ws = account.workspaces[0]
    assert ws["premium"] and ws["default_hourly_rate"] == 85.0  # 8500 cents an hour
    rated = {p["id"] for p in account.projects if p.get("rate") is not None}
    rows: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for e in account.time_entries:
        if e["workspace_id"] == ws["id"] and e["billable"] and e["stop"] is not None:
            day = datetime.fromisoformat(e["start"]).astimezone(zone).date()
            key = (day, e["user_id"], e["project_id"], e["task_id"], e["description"] or "",
                   tuple(e["tag_ids"] or ()))  # fmt: skip
            rows.setdefault(key, []).append(e)
    row = next(r for r in rows.values() if len(r) > 1 and r[0]["project_id"] not in rated)
    # 3618 s at 8500 cents an hour is 8542.5 cents.
    store = account.time_entries
    found = store.row_by_id(row[0]["id"])
    assert found is not None
    store.save(dataclasses.replace(found, duration=3618))
    account.touch()
    await export_from(toggl_sandbox, tmp_path / "auto")
    await export_from(toggl_sandbox, tmp_path / "reports", paths="reports")
    assert_same_rows(tmp_path / "reports", tmp_path / "auto", "jsonl")
    entries = read_export(tmp_path / "auto", "jsonl")["time_entries"]
    written = by_id(entries)[row[0]["id"]]
    assert written["billable_amount_in_cents"] == 8542  # the sandbox rounds half to even
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    # Learnt early: few entries are read again for it (half cents are common at whole rates).
    assert manifest["requests"]["paths"]["grouped"]["refetched"] < len(entries) // 20


def test_the_half_cent_rule_is_learnt_never_assumed() -> None:
    # 18 s at 100 cents an hour is 0.5 cents; 54 s is 1.5 cents.
    unknown = HalfCents()
    assert derived(18, 100, unknown) is None and derived(17, 100, unknown) == 0
    unknown.learn(54, 100, 2)  # 1.5 -> 2: both rules agree, nothing learnt
    assert derived(18, 100, unknown) is None
    even, up, neither = HalfCents(), HalfCents(), HalfCents()
    even.learn(18, 100, 0)
    up.learn(18, 100, 1)
    neither.learn(54, 100, 1)  # 1.5 -> 1: neither rule; halves stay underived
    assert [derived(54, 100, h) for h in (even, up, neither)] == [2, 2, None]
    assert [derived(90, 100, h) for h in (even, up, neither)] == [2, 3, None]  # 2.5


async def test_a_resume_keeps_the_path_it_started_with(
    toggl_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = await toggl_sandbox_factory(latency=0.002)
    task = asyncio.ensure_future(
        export_from(sandbox, tmp_path, paths="reports", checkpoint_interval=0.01, concurrency=2)
    )
    await _cancel_after(sandbox, sandbox.request_count + 12, task)
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ExportStateError, match="paths"):
        await export_from(sandbox, tmp_path, paths="auto")
    await export_from(sandbox, tmp_path)  # no paths given: the one recorded
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["requests"]["paths"]) == {"reports"}
    assert manifest["runs"] == 2
    assert_matches(sandbox.account, read_export(tmp_path, "jsonl"))
    assert not any(b.get("grouped") for b in reports_searches(sandbox))


async def test_an_unknown_path_is_refused_before_any_request(
    toggl_sandbox: Sandbox, tmp_path: Path
) -> None:
    with pytest.raises(ExportOptionsError, match="paths must be one of auto, reports"):
        await export_from(toggl_sandbox, tmp_path, paths="me")
    assert toggl_sandbox.request_count == 0
    with pytest.raises(ValueError, match="reports_billing_rounding_minutes"):
        Sandbox(reports_billing_rounding_minutes=-1)


def test_the_rounding_bound_is_exact() -> None:
    # n per-entry roundings (each within half a cent) against one rounded total.
    assert [bound(n) for n in range(1, 6)] == [0, 1, 2, 2, 3]
    # Reached: three entries of 1.5 cents each round to 2, their total 4.5 to 4.
    assert sum(round(1.5) for _ in range(3)) - round(4.5) == bound(3)


def test_the_estimate_uses_the_same_model_as_the_export() -> None:
    guess = estimate(30_000, workspaces=3, years=3)
    assert guess.per_1000(guess.best) <= 8.0 < 20.0 <= guess.per_1000(guess.worst)
    with pytest.raises(ValueError, match="entries_per_row"):
        estimate(10, entries_per_row=0.5)


async def test_a_window_that_switches_path_on_its_first_day_writes_each_entry_once(
    toggl_sandbox_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The switch to one row per entry, taken while the window is still on its first day:
    the window starts again on the other path, and what it wrote is not written twice."""
    dense = Account.generate(seed=2, projects_per_workspace=10, time_entries=4000, years=1)
    sandbox = await toggl_sandbox_factory(account=dense, reports_billing_rounding_minutes=15)
    account = sandbox.account
    zone = ZoneInfo(account.me["timezone"])
    wid = account.workspaces[0]["id"]
    days = Counter(
        datetime.fromisoformat(e["start"]).astimezone(zone).date()
        for e in account.time_entries
        if e["workspace_id"] == wid and e["stop"] is not None
    )
    day = max(days, key=lambda d: (days[d], d))
    options = {"since": day, "until": day, "workspaces": [wid], "page_size": 2}
    await export_from(sandbox, tmp_path / "reports", paths="reports", **options)
    # Whatever the figures, judge grouping too dear after the first page.
    monkeypatch.setattr(Exporter, "_grouping_costs_more", lambda self, ws_id: True)
    await export_from(sandbox, tmp_path / "auto", concurrency=1, **options)
    assert_same_rows(tmp_path / "reports", tmp_path / "auto", "jsonl")
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["counts"]["time_entries"] == days[day] > 10
    assert set(manifest["requests"]["paths"]) == {"reports"}  # the one window, switched


def test_the_generated_people_repeat_their_activities(toggl_account: Account) -> None:
    """The repetition model the grouped path's figures rest on (``testing.data``): per
    person, their 15 most frequent activities cover most entries, and an activity recurs
    within a day; one-offs remain (the long tail)."""
    zone = ZoneInfo(toggl_account.me["timezone"])
    by_person: dict[int, Counter[tuple[Any, ...]]] = {}
    per_day: Counter[tuple[Any, ...]] = Counter()
    for e in toggl_account.time_entries:
        activity = (
            e["workspace_id"],
            e["project_id"],
            e["task_id"],
            e["billable"],
            e["description"],
            tuple(e["tag_ids"] or ()),
        )
        by_person.setdefault(e["user_id"], Counter())[activity] += 1
        day = datetime.fromisoformat(e["start"]).astimezone(zone).date()
        per_day[(e["user_id"], day, *activity)] += 1
    me = by_person[toggl_account.user_id]
    total = sum(me.values())
    top = sum(n for _, n in me.most_common(15))
    assert 0.75 <= top / total < 1.0  # recurring, with a long tail of one-offs
    assert sum(1 for n in me.values() if n == 1) > total * 0.05
    # Several entries of one activity on one day, for a good share of the entries.
    # Several entries of one activity on one day, for a good share of the entries (this
    # account has about two entries a day; the demo account, about forty, repeats more).
    assert sum(n for n in per_day.values() if n > 1) > total * 0.25
    again = Account.preset("small", seed=1, now=toggl_account.now)
    assert [e["description"] for e in again.time_entries] == [
        e["description"] for e in toggl_account.time_entries
    ]
