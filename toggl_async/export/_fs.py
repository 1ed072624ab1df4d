"""Durable file operations: atomic replace, directory fsync, and the export's lock file.

A crash or power cut at any instant must leave either the old or the new version of a file,
never a torn one: everything the export records about its progress goes through
:func:`atomic_write`, and the data files are fsynced before that record names their length.

Time data is private: every file the export creates is 0600 and every directory 0700
(:data:`FILE_MODE`, :data:`DIR_MODE`; a umask can only make them stricter).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from .errors import ExportDirectoryError, ExportLockedError

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "DirectoryLock",
    "atomic_write",
    "fsync_dir",
    "make_dir",
    "open_private",
]

FILE_MODE = 0o600
DIR_MODE = 0o700


def open_private(path: Path, mode: str) -> IO[bytes]:
    """``open(path, mode)`` for ``"wb"``/``"ab"``, creating the file 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "ab" else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    return os.fdopen(fd, mode)


def make_dir(path: Path) -> list[Path]:
    """Create ``path`` and missing parents 0700; return the directories it created
    (outermost first), so that a refused run can remove exactly those."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    created: list[Path] = []
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        created.append(directory)
    return created


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (some filesystems refuse; that is ok)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open_private(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class DirectoryLock:
    """An exclusive ``flock`` on a file: one export per output directory at a time.

    The lock belongs to the open file description, so the kernel releases it when the
    process dies however it dies (``kill -9`` included): a stale lock never blocks a resume.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise ExportDirectoryError(
                f"cannot create the lock file {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            _lock(fd)
        except (BlockingIOError, PermissionError):
            os.close(fd)
            raise ExportLockedError(
                f"another export is running into {self.path.parent.parent} "
                "(its lock is held); wait for it to finish or use another directory"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise ExportDirectoryError(
                f"cannot lock {self.path} ({exc.strerror or exc}); the filesystem may not "
                "support locks: export into a local directory"
            ) from None
        if not _same_file(fd, self.path):
            # A refused run removed the lock file between our open and our lock: the lock
            # we hold is on a file nobody else will ever open. Another run owns the directory.
            os.close(fd)
            raise ExportLockedError(
                f"another export is starting in {self.path.parent.parent}; try again"
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self, *, remove: bool = False) -> None:
        """Unlock; ``remove`` deletes the lock file first (a run that leaves no trace)."""
        fd, self._fd = self._fd, None
        if fd is not None and remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        if fd is not None:
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        """Exclusive, non-blocking; raises ``BlockingIOError`` when another process holds it."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
