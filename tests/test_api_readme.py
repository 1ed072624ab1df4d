"""The README's "whole API" examples run as written, against the sandbox.

Only the connection changes: ``TogglClient()`` gets the sandbox's token and URLs, the way
``TOGGL_API_TOKEN`` gives a real one. Each block runs in its own thread (it calls
``asyncio.run``) while the sandbox serves from another.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

import toggl_async
from toggl_async.testing import Account, Sandbox

README = Path(__file__).resolve().parent.parent / "README.md"


def whole_api_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## The whole API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture
def sandbox(toggl_account: Account) -> Iterator[tuple[BlockingPortal, Sandbox]]:
    with start_blocking_portal() as portal:
        sb = Sandbox(toggl_account)
        portal.call(sb.start)
        try:
            yield portal, sb
        finally:
            portal.call(sb.stop)


def test_there_are_examples() -> None:
    assert len(whole_api_blocks()) == 2


@pytest.mark.parametrize("index", [0, 1])
def test_readme_example_runs(
    index: int,
    sandbox: tuple[BlockingPortal, Sandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, sb = sandbox
    real = toggl_async.TogglClient

    class SandboxClient(real):  # type: ignore[misc, valid-type]
        def __init__(self, **options: Any) -> None:
            options.setdefault("api_token", sb.api_token)
            options.setdefault("track_base_url", sb.track_base_url)
            options.setdefault("reports_base_url", sb.reports_base_url)
            super().__init__(**options)

    monkeypatch.setattr(toggl_async, "TogglClient", SandboxClient)
    monkeypatch.chdir(tmp_path)
    code = whole_api_blocks()[index]
    failure: list[BaseException] = []

    def run() -> None:
        try:
            exec(compile(code, f"README block {index}", "exec"), {"__name__": "__main__"})
        except BaseException as exc:  # reported in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the README example did not finish within 60 s"
    if failure:
        raise failure[0]
    if index == 0:
        assert (tmp_path / "detailed.csv").exists() and (tmp_path / "detailed.pdf").exists()
