"""export_accounts and the accounts file: many accounts at once, against local sandboxes.

Each account is its own sandbox server (own token, organizations and quota). The global cap
is observed through a counting proxy the test serves in front of them.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import toggl_async_sync
from toggl_async import RetryPolicy, TogglClient
from toggl_async.export import export_account
from toggl_async.fleet import (
    AccountsFileError,
    AccountSpec,
    FleetProgress,
    SandboxFleet,
    TokenRef,
    TokenUnavailableError,
    export_accounts,
    export_options,
    load_accounts,
    parse_accounts,
)
from toggl_async.fleet import accounts as accounts_module
from toggl_async.fleet import runner as runner_module

FAST = RetryPolicy(max_attempts=2, backoff_base=0.01, max_elapsed=5.0, wait_for_quota=True)
TOKEN_LIKE = "0123456789abcdef0123456789abcdef"


async def _fleet(*args: Any, **kwargs: Any) -> Any:
    """export_accounts with a deadline: no test waits for ever."""
    return await asyncio.wait_for(export_accounts(*args, **kwargs), 60)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- the accounts file -------------------------------------------------------------------------


def test_accounts_file_defaults_dates_and_token_references(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    path = tmp_path / "accounts.toml"
    path.write_text(
        """
# nightly export of our clients' accounts
[defaults]
format = "csv"
since = 2024-01-01

[accounts.acme]
token_env = "ACME_TOGGL_TOKEN"

[accounts.globex]
token_file = "secrets/globex"
format = "sqlite"
workspaces = [123, 456]
no_wait = true
"""
    )
    acme, globex = load_accounts(path)
    assert acme.name == "acme"
    assert acme.token == TokenRef(env="ACME_TOGGL_TOKEN")
    assert acme.options["format"] == "csv"
    assert str(acme.options["since"]) == "2024-01-01"
    assert globex.token.file == tmp_path / "secrets" / "globex"
    assert globex.export_kwargs["format"] == "sqlite"
    assert globex.export_kwargs["workspaces"] == [123, 456]
    assert globex.client_options == {"no_wait": True}
    assert "no_wait" not in globex.export_kwargs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'[accounts.a]\ntoken_env = "{TOKEN_LIKE}"\n', "looks like an API token"),
        (f'# old token: {TOKEN_LIKE}\n[accounts.a]\ntoken_env = "A"\n', "line 1"),
        ('[accounts.a]\ntoken = "hunter2"\n', "tokens never go in this file"),
        ('[accounts.a]\napi_token = "hunter2"\ntoken_env = "A"\n', "tokens never go"),
        ('[accounts.a]\ntoken_env = "A"\ntoken_file = "f"\n', "exactly one of"),
        ("[accounts.a]\nformat = 'csv'\n", "exactly one of"),
        ('[accounts.a]\ntoken_env = "not a name"\n', "environment variable name"),
        ('[accounts."../up"]\ntoken_env = "A"\n', "names the account's directory"),
        ('[accounts.a]\ntoken_env = "A"\nfrobnicate = 1\n', "unknown option(s) frobnicate"),
        ('[accounts.a]\ntoken_env = "A"\nno_wait = "yes"\n', "no_wait must be true or false"),
        ('[accounts.Acme]\ntoken_env = "A"\n[accounts.acme]\ntoken_env = "B"\n', "differ only"),
        ('[defaults]\ntoken_env = "A"\n[accounts.a]\ntoken_env = "A"\n', "belongs to each"),
        ("[defaults]\nformat = 'csv'\n", "no accounts"),
        ("[accounts.a\n", "not valid TOML"),
        ('[account.a]\ntoken_env = "A"\n', "unknown top-level key(s) account"),
    ],
)
def test_bad_accounts_files_are_refused_with_the_reason(text: str, expected: str) -> None:
    with pytest.raises(AccountsFileError) as caught:
        parse_accounts(text)
    assert expected in str(caught.value)
    assert TOKEN_LIKE not in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_unreadable_accounts_file(tmp_path: Path) -> None:
    with pytest.raises(AccountsFileError, match="cannot read the accounts file"):
        load_accounts(tmp_path / "missing.toml")


def test_token_references_resolve_without_leaking(tmp_path: Path) -> None:
    secret = tmp_path / "tok"
    secret.write_text("s3cret-value\n")
    assert TokenRef(file=secret).resolve() == "s3cret-value"
    assert TokenRef(env="MY_TOKEN").resolve({"MY_TOKEN": " s3cret-value "}) == "s3cret-value"
    with pytest.raises(TokenUnavailableError, match="MY_TOKEN is not set"):
        TokenRef(env="MY_TOKEN").resolve({})
    with pytest.raises(TokenUnavailableError, match="cannot read the token file"):
        TokenRef(file=tmp_path / "nope").resolve()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(TokenUnavailableError, match="is empty"):
        TokenRef(file=tmp_path / "empty").resolve()


def test_export_options_follow_export_accounts_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyword added to export_account is accepted and passed on, with no change here."""
    expected = {
        name
        for name, p in inspect.signature(export_account).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "on_progress"
    }
    assert export_options() == expected
    assert {"since", "format", "concurrency", "resume", "overwrite"} <= expected

    async def newer_export_account(
        client: Any, out_dir: Any, *, update: bool = False, on_progress: Any = None
    ) -> Any:
        raise AssertionError("not called")

    monkeypatch.setattr(accounts_module, "export_account", newer_export_account)
    spec = AccountSpec(name="a", token=TokenRef(env="A"), options={"update": True})
    assert spec.export_kwargs == {"update": True}
    with pytest.raises(AccountsFileError, match="unknown option"):
        AccountSpec(name="a", token=TokenRef(env="A"), options={"format": "csv"})


async def test_new_export_options_reach_export_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []

    async def newer_export_account(
        client: TogglClient, out_dir: Any, *, update: bool = False, on_progress: Any = None
    ) -> Any:
        seen.append({"update": update, "out_dir": out_dir})
        raise RuntimeError("stop here")

    monkeypatch.setattr(accounts_module, "export_account", newer_export_account)
    monkeypatch.setattr(runner_module, "export_account", newer_export_account)
    spec = AccountSpec(name="a", token=TokenRef(env="A"), options={"update": True})
    summary = await _fleet([spec], tmp_path, environ={"A": "tok"})
    assert seen == [{"update": True, "out_dir": tmp_path / "a"}]
    assert summary["a"].exit_code == 1
    assert "stop here" in summary["a"].message


async def test_bad_arguments_raise_before_anything_runs(tmp_path: Path) -> None:
    spec = AccountSpec(name="a", token=TokenRef(env="A"))
    with pytest.raises(ValueError, match="max_in_flight"):
        await _fleet([spec], tmp_path, max_in_flight=0)
    with pytest.raises(ValueError, match="max_accounts"):
        await _fleet([spec], tmp_path, max_accounts=0)
    with pytest.raises(TypeError, match="AccountSpec"):
        await _fleet(["a"], tmp_path)
    twin = AccountSpec(name="A", token=TokenRef(env="A"))
    with pytest.raises(AccountsFileError, match="unique"):
        await _fleet([spec, twin], tmp_path)
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 (a test, nothing else runs)


# -- running a fleet ---------------------------------------------------------------------------


@pytest.fixture
async def fleet3() -> AsyncIterator[SandboxFleet]:
    async with SandboxFleet(3, latency=0.0) as fleet:
        yield fleet


async def test_every_account_is_exported_as_a_single_export_would(
    fleet3: SandboxFleet, tmp_path: Path
) -> None:
    progress: list[FleetProgress] = []
    summary = await _fleet(
        fleet3.specs(), tmp_path / "out", environ=fleet3.environ, on_progress=progress.append
    )
    assert summary.exit_code == 0
    assert summary.ok
    assert [a.name for a in summary.accounts] == ["sandbox-0001", "sandbox-0002", "sandbox-0003"]
    for outcome, server in zip(summary.accounts, fleet3.servers, strict=True):
        assert outcome.exit_code == 0
        assert outcome.state == "done"
        assert outcome.entries == len(server.account.time_entries) == 200
        # each account was read from its own server, and only from it
        assert outcome.requests == server.request_count > 0
        entries = _lines(outcome.out_dir / "time_entries.jsonl")
        assert sorted(e["id"] for e in entries) == sorted(server.account.time_entries.ids())
    served = sum(s.request_count for s in fleet3.servers)
    # byte for byte what export_account writes for the same account alone
    server = fleet3.servers[1]
    alone = tmp_path / "alone"
    async with TogglClient(
        api_token=fleet3.environ["TOGGL_SANDBOX_TOKEN_2"],
        track_base_url=server.track_base_url,
        reports_base_url=server.reports_base_url,
    ) as client:
        await export_account(client, alone, source={"sandbox": "tiny", "seed": 2})
    for name in ("time_entries.jsonl", "projects.jsonl", "workspaces.jsonl", "tasks.jsonl"):
        assert (alone / name).read_bytes() == (tmp_path / "out/sandbox-0002" / name).read_bytes()
    fleet_json = json.loads((tmp_path / "out/fleet.json").read_text())
    assert fleet_json["exit_code"] == 0
    assert fleet_json["accounts_by_exit_code"] == {"0": 3}
    assert fleet_json["entries"] == 600
    assert [a["state"] for a in fleet_json["accounts"]] == ["done"] * 3
    assert fleet_json["requests"] == served
    assert progress[-1].count("done") == 3
    assert all(a.entries == 200 for a in progress[-1].accounts)


async def test_one_failing_account_never_stops_the_others(tmp_path: Path) -> None:
    async with SandboxFleet(5, latency=0.0) as fleet:
        specs = fleet.specs()
        environ = dict(fleet.environ)
        environ["TOGGL_SANDBOX_TOKEN_1"] = "a-wrong-token"  # refused by its server
        del environ["TOGGL_SANDBOX_TOKEN_2"]  # not set at all
        fleet.servers[2].faults.random_rate = 1.0  # a 5xx storm
        fleet.servers[2].faults.random_kinds = ("503",)
        fleet.servers[3].faults.quota_per_organization = False  # one counter for the account
        fleet.servers[3].faults.quota = (12, 3600.0)  # spent mid-way, and it may not wait
        specs[3] = AccountSpec(
            name=specs[3].name, token=specs[3].token, options={**specs[3].options, "no_wait": True}
        )
        summary = await _fleet(specs, tmp_path, environ=environ, retry=FAST)
        codes = {a.name: a.exit_code for a in summary.accounts}
        assert codes == {
            "sandbox-0001": 3,
            "sandbox-0002": 3,
            "sandbox-0003": 1,
            "sandbox-0004": 4,
            "sandbox-0005": 0,
        }
        assert summary.exit_code == 9
        assert "TOGGL_SANDBOX_TOKEN_2 is not set" in summary["sandbox-0002"].message
        assert "refused the API token" in summary["sandbox-0001"].message
        assert summary["sandbox-0003"].requests >= 2
        assert summary["sandbox-0005"].entries == 200
        fleet_json = json.loads((tmp_path / "fleet.json").read_text())
        assert fleet_json["exit_code"] == 9
        assert fleet_json["accounts_by_exit_code"] == {"3": 2, "1": 1, "4": 1, "0": 1}
        assert [a["state"] for a in fleet_json["accounts"]] == ["failed"] * 4 + ["done"]
        text = (tmp_path / "fleet.json").read_text() + repr(summary)
        for token in fleet.environ.values():
            assert token not in text
        # the quota-stopped account resumes once its quota allows
        fleet.servers[3].faults.quota = None
        again = await _fleet(specs[3:4], tmp_path, environ=environ, retry=FAST)
        assert again["sandbox-0004"].exit_code == 0
        assert again["sandbox-0004"].runs == 2
        assert again["sandbox-0004"].entries == 200


class _CountingProxy:
    """Forwards ``/PORT/...`` to ``127.0.0.1:PORT/...`` and records the peak in flight."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.served = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        app = web.Application()
        app.router.add_route("*", "/{port:\\d+}/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.served += 1
        try:
            url = f"http://127.0.0.1:{request.match_info['port']}/{request.match_info['tail']}"
            async with self._session.request(
                request.method,
                url,
                params=request.query,
                data=await request.read(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            ) as upstream:
                body = await upstream.read()
                headers = {
                    k: v
                    for k, v in upstream.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
                }
                return web.Response(status=upstream.status, body=body, headers=headers)
        finally:
            self.in_flight -= 1


async def test_the_global_cap_bounds_requests_in_flight_across_accounts(tmp_path: Path) -> None:
    proxy = _CountingProxy()
    await proxy.start()
    try:
        async with SandboxFleet(4, latency=0.03) as fleet:
            specs = []
            for spec, server in zip(fleet.specs(), fleet.servers, strict=True):
                via = f"{proxy.base}/{server.port}"
                options = {
                    **spec.options,
                    "concurrency": 4,
                    "track_base_url": via + "/api/v9",
                    "reports_base_url": via + "/reports/api/v3",
                }
                specs.append(AccountSpec(name=spec.name, token=spec.token, options=options))
            summary = await asyncio.wait_for(
                export_accounts(specs, tmp_path, environ=fleet.environ, max_in_flight=3), 60
            )
    finally:
        await proxy.stop()
    assert summary.exit_code == 0
    assert proxy.served == summary.requests > 40
    assert proxy.peak == 3  # the cap, reached (16 would be possible without it)


async def test_max_accounts_runs_accounts_a_few_at_a_time(
    fleet3: SandboxFleet, tmp_path: Path
) -> None:
    running: list[int] = []

    def watch(p: FleetProgress) -> None:
        running.append(p.count("running", "waiting"))

    summary = await _fleet(
        fleet3.specs(),
        tmp_path,
        environ=fleet3.environ,
        max_accounts=1,
        on_progress=watch,
        progress_interval=0.001,
    )
    assert summary.exit_code == 0
    assert max(running) == 1


async def test_a_cancelled_fleet_records_it_and_resumes_every_account(tmp_path: Path) -> None:
    async with SandboxFleet(2, latency=0.01, size="small") as fleet:
        specs = fleet.specs({"concurrency": 2})
        started = asyncio.Event()

        def watch(p: FleetProgress) -> None:
            if all(a.entries > 0 for a in p.accounts):
                started.set()

        run = asyncio.create_task(
            export_accounts(
                specs, tmp_path, environ=fleet.environ, on_progress=watch, progress_interval=0.01
            )
        )
        await asyncio.wait_for(started.wait(), 60)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(run, 30)
        first = json.loads((tmp_path / "fleet.json").read_text())
        assert [a["state"] for a in first["accounts"]] == ["interrupted"] * 2
        assert [a["exit_code"] for a in first["accounts"]] == [130, 130]
        spent = [s.request_count for s in fleet.servers]
        summary = await asyncio.wait_for(
            export_accounts(specs, tmp_path, environ=fleet.environ), 60
        )
        assert summary.exit_code == 0
        for outcome, server, before in zip(summary.accounts, fleet.servers, spent, strict=True):
            assert outcome.runs == 2
            assert outcome.requests == server.request_count - before
            assert outcome.requests_total >= outcome.requests
            entries = _lines(outcome.out_dir / "time_entries.jsonl")
            assert sorted(e["id"] for e in entries) == sorted(server.account.time_entries.ids())


async def test_the_blocking_shim_runs_a_fleet(fleet3: SandboxFleet, tmp_path: Path) -> None:
    summary = await asyncio.wait_for(
        asyncio.to_thread(
            toggl_async_sync.export_accounts, fleet3.specs(), tmp_path, environ=fleet3.environ
        ),
        60,
    )
    assert summary.exit_code == 0
    assert summary.entries == 600


def test_the_live_display_has_a_line_per_account() -> None:
    import io

    pytest.importorskip("rich")  # the [cli] extra: runs in `nox -s "tests(extras)"`

    from toggl_async.fleet import AccountStatus
    from toggl_async.fleet.display import make_fleet_display

    stream = io.StringIO()
    display = make_fleet_display(stream, live=True)
    display.update(
        FleetProgress(
            accounts=(
                AccountStatus(
                    name="acme", state="running", entries=1234, requests=56, fraction=0.5
                ),
                AccountStatus(name="globex", state="waiting", entries=7, requests=9, quota_wait=65),
                AccountStatus(
                    name="initech", state="failed", exit_code=3, message="Toggl refused the token"
                ),
            ),
            elapsed=3.0,
        )
    )
    display.close()
    text = stream.getvalue()
    assert "3 accounts: 1 running, 1 waiting, 1 failed" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "running" in lines["acme"] and "1,234" in lines["acme"] and "56" in lines["acme"]
    assert "waiting" in lines["globex"] and "1:05" in lines["globex"]
    assert "failed" in lines["initech"] and lines["initech"].rstrip().endswith("3")


async def test_each_account_is_paced_by_its_own_quota(tmp_path: Path) -> None:
    """One account's spent quota makes it wait; the others go on at full speed."""
    async with SandboxFleet(3, latency=0.0) as fleet:
        tight = fleet.servers[0].faults
        tight.quota_per_organization = False
        tight.quota = (8, 2.0)  # 8 requests per 2-second window: it must wait
        seen: dict[str, set[str]] = {}

        def watch(p: FleetProgress) -> None:
            for a in p.accounts:
                seen.setdefault(a.name, set()).add(a.state)

        summary = await _fleet(
            fleet.specs(),
            tmp_path,
            environ=fleet.environ,
            on_progress=watch,
            progress_interval=0.05,
        )
        assert summary.exit_code == 0
        slow, *others = summary.accounts
        assert slow.quota_waits >= 1
        assert slow.quota_wait_seconds >= 1.0
        assert "waiting" in seen[slow.name]
        assert slow.entries == 200
        for other in others:
            assert other.quota_waits == 0
            assert "waiting" not in seen[other.name]
            assert other.elapsed < slow.elapsed


async def test_a_bad_option_value_fails_that_account_only(
    fleet3: SandboxFleet, tmp_path: Path
) -> None:
    specs = fleet3.specs()
    specs[0] = AccountSpec(
        name=specs[0].name, token=specs[0].token, options={**specs[0].options, "format": "xml"}
    )
    summary = await _fleet(specs, tmp_path, environ=fleet3.environ)
    assert [a.exit_code for a in summary.accounts] == [2, 0, 0]
    assert "format must be one of jsonl, csv, sqlite, parquet" in summary.accounts[0].message
    assert fleet3.servers[0].request_count == 0
