"""Durable file operations: atomic replace, directory fsync, and the export's lock file.

A crash or power cut at any instant must leave either the old or the new version of a file,
never a torn one: everything the export records about its progress goes through
:func:`atomic_write`, and the data files are fsynced before that record names their length.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .errors import ExportDirectoryError, ExportLockedError

__all__ = ["DirectoryLock", "atomic_write", "fsync_dir"]


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
    with open(tmp, "wb") as handle:
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
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


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
