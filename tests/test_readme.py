"""Every code block in README.md runs as written (issue 10 item 20).

Each fenced ```python and ```bash block is run in a subprocess, in an empty directory,
against a sandbox this test starts: ``TOGGL_API_TOKEN`` is the sandbox's token and the
``TOGGL_*_BASE_URL`` variables point at it. A block that names a pytest file on its first
line (``# test_....py``) is written to that file and run with pytest. A block preceded by
``<!-- readme-test: skip (REASON) -->`` is skipped; the reason is required.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import sys
from pathlib import Path

import attrs
import pytest

from toggl_async.testing import Sandbox

README = Path(__file__).resolve().parent.parent / "README.md"
DEADLINE = 120.0
"""Seconds one block may take (the sandbox export of the default account takes a few)."""

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)\s*$")
_MARKER = re.compile(r"<!--\s*readme-test:(?P<rest>.*?)-->")
_SKIP = re.compile(r"^\s*skip\s*\((?P<reason>[^()]*\S[^()]*)\)\s*$")
_PYTEST_FILE = re.compile(r"^#\s*(?P<name>test_\w+\.py)\b")


@attrs.frozen
class Block:
    line: int
    """1-based line of the opening fence."""
    lang: str
    code: str
    marker: str | None
    """The text after ``readme-test:`` on the line before the fence, if any."""

    @property
    def skip_reason(self) -> str | None:
        if self.marker is None:
            return None
        match = _SKIP.match(self.marker)
        return match.group("reason").strip() if match else None


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with the marker line before each."""
    lines = text.splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening or not opening.group("lang"):
            index += 1
            continue
        indent = opening.group("indent")
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            line = lines[end]
            body.append(line[len(indent) :] if line.startswith(indent) else line)
            end += 1
        if end == len(lines):
            raise AssertionError(f"README.md:{index + 1}: code block never closed")
        previous = next((lines[j] for j in range(index - 1, -1, -1) if lines[j].strip()), "")
        marker = _MARKER.search(previous)
        found.append(
            Block(
                line=index + 1,
                lang=opening.group("lang"),
                code="\n".join(body) + "\n",
                marker=marker.group("rest") if marker else None,
            )
        )
        index = end + 1
    return found


BLOCKS = [block for block in blocks(README.read_text()) if block.lang in ("python", "bash")]


def test_the_readme_has_runnable_blocks_and_every_skip_says_why() -> None:
    assert sum(block.skip_reason is None for block in BLOCKS) >= 5
    for block in BLOCKS:
        if block.marker is not None:
            assert block.skip_reason, (
                f"README.md:{block.line}: a readme-test marker must read "
                f"'<!-- readme-test: skip (REASON) -->', got {block.marker!r}"
            )


def test_markers_are_checked() -> None:
    """The parser itself: a marker without a reason is caught, fences in lists are found."""
    text = (
        "<!-- readme-test: skip () -->\n```python\nx = 1\n```\n\n"
        "- item\n\n  <!-- readme-test: skip (a fragment) -->\n  ```bash\n  echo hi\n  ```\n"
        "```python\nprint(2)\n```\n"
    )
    first, second, third = blocks(text)
    assert (first.line, first.marker, first.skip_reason) == (2, " skip () ", None)
    assert (second.lang, second.code, second.skip_reason) == ("bash", "echo hi\n", "a fragment")
    assert (third.marker, third.code) == (None, "print(2)\n")


def _environment(sandbox: Sandbox) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TOGGL_") and key not in ("HTTP_PROXY", "HTTPS_PROXY")
    }
    env.update(
        TOGGL_API_TOKEN=sandbox.api_token,
        TOGGL_FOCUS_API_KEY=sandbox.credentials.focus_api_key or "",
        TOGGL_TRACK_BASE_URL=sandbox.track_base_url,
        TOGGL_REPORTS_BASE_URL=sandbox.reports_base_url,
        TOGGL_FOCUS_BASE_URL=sandbox.focus_base_url,
        PYTHONPATH=os.pathsep.join(
            [str(README.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        PYTHONUNBUFFERED="1",
    )
    # Put this interpreter first, so `python`, `pytest` and `toggl-async` are ours.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _command(block: Block, workdir: Path) -> list[str]:
    if block.lang == "bash":
        # `toggl-async` as installed, or this checkout's module when not installed.
        prelude = (
            "command -v toggl-async >/dev/null || "
            f'toggl-async() {{ {shlex.quote(sys.executable)} -m toggl_async.cli "$@"; }}\n'
        )
        return ["bash", "-euo", "pipefail", "-c", prelude + block.code]
    pytest_file = _PYTEST_FILE.match(block.code)
    if pytest_file:
        path = workdir / pytest_file.group("name")
        path.write_text(block.code)
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path.name]
    script = workdir / "snippet.py"
    script.write_text(block.code)
    return [sys.executable, "-W", "always", str(script)]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.lang}-line{b.line}" for b in BLOCKS])
async def test_readme_block_runs(block: Block, toggl_sandbox: Sandbox, tmp_path: Path) -> None:
    if block.marker is not None:
        reason = block.skip_reason
        assert reason, f"README.md:{block.line}: a skip marker needs a reason: skip (REASON)"
        pytest.skip(f"README.md:{block.line}: {reason}")
    process = await asyncio.create_subprocess_exec(
        *_command(block, tmp_path),
        cwd=tmp_path,
        env=_environment(toggl_sandbox),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group: a deadline ends every child too
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), DEADLINE)
    except TimeoutError:
        # Killing only the shell would leave a child holding the pipe (and a port) open.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        pytest.fail(f"README.md:{block.line}: still running after {DEADLINE} s")
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"README.md:{block.line} failed:\n{block.code}\n{text}"
    if _PYTEST_FILE.match(block.code):
        assert " passed" in text and "failed" not in text, text
        return
    # A coroutine never awaited or a client never closed exits 0 but did not do the job.
    for sign in ("Traceback", "Warning:", "never awaited"):
        assert sign not in text, f"README.md:{block.line} printed {sign!r}:\n{text}"
