"""The export's written-id set and its durable log: what keeps a record from being written
twice across pages, crashes and resumes. Fast, direct tests (the export tests reach this code
too, but slowly), each written against a change mutation testing showed they let through."""

from __future__ import annotations

import os
import signal
from array import array
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from toggl_async.export import ExportStateError
from toggl_async.export.ids import INT64_MAX, IdSet, SeenIds


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """A probe that never ends (an empty slot not recognised) fails the test in 5 s."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the id set did not answer within 5 s (an endless probe?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _colliding(count: int, slots: int = 1024) -> list[int]:
    """Ids below 2**17 that all start probing at slot 1 of a table of ``slots`` slots."""
    return [1 + i * slots for i in range(count)]


def test_add_says_whether_the_id_is_new_and_counts_it() -> None:
    ids = IdSet()
    assert len(ids) == 0
    assert ids.add(5) is True
    assert ids.add(5) is False
    assert ids.add(6) is True
    assert len(ids) == 2
    assert 5 in ids and 6 in ids and 7 not in ids


def test_ids_sharing_a_start_slot_are_all_kept_and_found() -> None:
    """Open addressing: a colliding id goes to the next free slot and is found there."""
    ids = IdSet()
    colliding = _colliding(5)
    assert all(ids.add(value) for value in colliding)
    assert all(value in ids for value in colliding)
    assert not any(ids.add(value) for value in colliding)
    assert len(ids) == 5
    assert 1 + 5 * 1024 not in ids  # probes past the run of colliding ids, to an empty slot
    assert 2 not in ids  # its start slot holds a colliding id: probing goes on, then stops


def test_ids_that_differ_only_above_the_low_bits_are_all_found() -> None:
    """Ids sharing their low bits (the start slot mixes in higher bits) are each found."""
    values = [(i << 20) + 7 for i in range(1, 200)] + [(i << 40) + 7 for i in range(1, 50)]
    ids = IdSet(values)
    assert len(ids) == len(values)
    assert all(value in ids for value in values)
    assert not any(ids.add(value) for value in values)
    assert (200 << 20) + 7 not in ids


def test_the_table_doubles_before_it_is_half_full_and_keeps_every_id() -> None:
    ids = IdSet()
    for value in range(1, 512):
        ids.add(value)
    assert ids.nbytes() == 1024 * 8  # 511 of 1024 slots: not more than half full yet
    ids.add(512)
    assert ids.nbytes() == 2048 * 8  # 512 would be half full: doubled
    colliding = _colliding(40, 2048)
    for value in colliding:
        ids.add(value)
    for value in range(2000, 2700):
        ids.add(value)
    assert ids.nbytes() == 4096 * 8
    expected = set(range(1, 513)) | set(colliding) | set(range(2000, 2700))
    assert len(ids) == len(expected)
    assert all(value in ids for value in expected)
    assert not ids.add(1) and not ids.add(2699) and not ids.add(colliding[-1])
    assert 3000 not in ids


def test_a_resized_table_reprobes_colliding_ids() -> None:
    """Ids colliding in the bigger table after a resize must each get a free slot."""
    big = 1 << 40
    values = [big + i * 4096 for i in range(600)]  # collide in 1024, 2048 and 4096 slots
    ids = IdSet(values)
    assert len(ids) == 600
    assert all(value in ids for value in values)
    assert big + 600 * 4096 not in ids


@pytest.mark.parametrize("value", [0, -1, INT64_MAX + 1, 2**70])
def test_an_id_outside_positive_64_bits_is_refused(value: int) -> None:
    ids = IdSet()
    with pytest.raises(ValueError, match=f"an id must be a positive 64-bit integer, got {value}"):
        ids.add(value)
    assert len(ids) == 0


def test_the_extreme_ids_are_accepted() -> None:
    ids = IdSet([1, INT64_MAX])
    assert 1 in ids and INT64_MAX in ids and len(ids) == 2


# -- the durable log -------------------------------------------------------------------------------


def test_synced_ids_are_reloaded_and_unsynced_ones_are_not(tmp_path: Path) -> None:
    seen = SeenIds(tmp_path, ["tags", "clients"], {})
    assert seen.add("tags", 3) and seen.add("tags", 4) and seen.add("clients", 3)
    assert not seen.add("tags", 3)
    assert ("tags", 3) in seen and ("clients", 4) not in seen
    sizes = seen.sync()
    assert sizes == {"tags": 16, "clients": 8}
    assert seen.sync() == sizes  # nothing new: nothing written
    seen.add("tags", 5)  # never synced: a crash now loses it, and the checkpoint too
    seen.close()
    assert (tmp_path / "seen" / "tags").read_bytes() == array("q", [3, 4]).tobytes()
    again = SeenIds(tmp_path, ["tags", "clients"], sizes)
    assert ("tags", 3) in again and ("tags", 4) in again and ("clients", 3) in again
    assert ("tags", 5) not in again
    assert again.add("tags", 5)  # then written after the reloaded ones
    assert again.sync() == {"tags": 24, "clients": 8}
    assert again.nbytes() == 2 * 1024 * 8


def test_a_log_longer_than_the_checkpoint_is_cut_back_to_it(tmp_path: Path) -> None:
    """Ids synced after the last checkpoint belong to rows the resume drops: forget them."""
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 1)
    sizes = seen.sync()
    seen.add("tags", 2)
    seen.sync()
    again = SeenIds(tmp_path, ["tags"], sizes)
    assert ("tags", 2) not in again and ("tags", 1) in again
    assert (tmp_path / "seen" / "tags").stat().st_size == 8


def test_a_log_the_checkpoint_never_recorded_is_emptied(tmp_path: Path) -> None:
    """A crash after a sync but before the checkpoint named the kind: its ids belong to
    rows the resume drops, so the log starts again from nothing."""
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 4)
    seen.sync()
    again = SeenIds(tmp_path, ["tags"], {})
    assert ("tags", 4) not in again
    assert (tmp_path / "seen" / "tags").stat().st_size == 0


def test_a_new_kind_starts_empty(tmp_path: Path) -> None:
    seen = SeenIds(tmp_path, ["tags"], {"tags": 0})
    assert ("tags", 1) not in seen
    assert seen.sync() == {"tags": 0}
    assert not (tmp_path / "seen" / "tags").exists()


def test_a_missing_log_the_checkpoint_counts_on_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportStateError, match="tags is missing; start again with --overwrite"):
        SeenIds(tmp_path, ["tags"], {"tags": 8})


@pytest.mark.parametrize("size", [16, 12])
def test_a_log_shorter_than_recorded_or_torn_is_refused(tmp_path: Path, size: int) -> None:
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 1)
    seen.add("tags", 2)
    seen.sync()
    log = tmp_path / "seen" / "tags"
    os.truncate(log, 12)
    with pytest.raises(ExportStateError) as info:
        SeenIds(tmp_path, ["tags"], {"tags": size})
    assert str(info.value) == (
        f"{log} is shorter than the checkpoint says: the export directory was modified; "
        "start again with --overwrite"
    )


def test_a_log_of_exactly_the_recorded_length_is_accepted(tmp_path: Path) -> None:
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 9)
    sizes = seen.sync()
    assert ("tags", 9) in SeenIds(tmp_path, ["tags"], sizes)


@pytest.mark.parametrize("bad", [0, -5])
def test_a_log_holding_an_invalid_id_is_refused(tmp_path: Path, bad: int) -> None:
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "tags").write_bytes(array("q", [1, bad]).tobytes())
    with pytest.raises(ExportStateError, match="holds an invalid id; start again"):
        SeenIds(tmp_path, ["tags"], {"tags": 16})


def test_the_extreme_ids_survive_a_reload(tmp_path: Path) -> None:
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 1)
    seen.add("tags", INT64_MAX)
    again = SeenIds(tmp_path, ["tags"], seen.sync())
    assert ("tags", INT64_MAX) in again and ("tags", 1) in again


def test_a_long_log_is_read_in_full(tmp_path: Path) -> None:
    """More than one read's worth (1 MiB) of ids: every chunk is loaded."""
    values = array("q", range(1, 200_001))
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "tags").write_bytes(values.tobytes())
    seen = SeenIds(tmp_path, ["tags"], {"tags": len(values) * 8})
    assert ("tags", 1) in seen and ("tags", 131_072) in seen and ("tags", 200_000) in seen
    assert ("tags", 200_001) not in seen


def test_a_short_write_is_continued_until_every_id_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.pwrite

    def short(fd: int, data: bytes, offset: int) -> int:
        return real(fd, bytes(data)[:8], offset)  # one id per call

    monkeypatch.setattr(os, "pwrite", short)
    seen = SeenIds(tmp_path, ["tags"], {})
    for value in (1, 2, 3):
        seen.add("tags", value)
    assert seen.sync() == {"tags": 24}
    assert (tmp_path / "seen" / "tags").read_bytes() == array("q", [1, 2, 3]).tobytes()


def test_the_log_directory_and_files_are_private(tmp_path: Path) -> None:
    seen = SeenIds(tmp_path, ["tags"], {})
    seen.add("tags", 1)
    seen.sync()
    assert (tmp_path / "seen").stat().st_mode & 0o077 == 0
    assert (tmp_path / "seen" / "tags").stat().st_mode & 0o077 == 0
