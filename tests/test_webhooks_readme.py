"""The README's Webhooks section: every python block runs as written (except the framework
wirings marked ``readme-test: skip``, which need FastAPI, Django or Flask)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"
SKIP = "<!-- readme-test: skip"


def section_blocks(title: str) -> list[tuple[bool, str]]:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else None]
    blocks = []
    for match in re.finditer(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)\n```", section, re.S):
        blocks.append((match.group("before").startswith(SKIP), match.group("code")))
    return blocks


BLOCKS = section_blocks("Webhooks")


def test_the_section_has_runnable_and_skipped_blocks() -> None:
    assert sum(skip for skip, _ in BLOCKS) == 3  # FastAPI, Django, Flask
    assert sum(not skip for skip, _ in BLOCKS) >= 3


@pytest.mark.parametrize(
    "code", [code for skip, code in BLOCKS if not skip], ids=lambda c: c.split("\n")[0][:30]
)
def test_block_runs(code: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    if "time_entries.start" in code:
        assert "validated: True" in done.stdout
        assert "time_entry created Writing docs" in done.stdout
    if "Mirror(" in code:
        assert "('from-the-mirror',)" in done.stdout
    if "verify_signature" in code:
        assert done.stdout.splitlines()[0] == "True 6"
        assert "does not match" in done.stdout
