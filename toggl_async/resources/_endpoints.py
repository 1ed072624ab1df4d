"""The shared mechanism of the whole API: JSON answers, downloads to files, uploads.

:class:`Endpoints` adds to :class:`Resource` the three shapes the rest of Toggl's surface
needs beside ``_fetch``/``_send``/``_paginate``: an answer with no fixed record
(:meth:`Endpoints._fetch_json`), a body streamed to a file (:meth:`Endpoints._download`)
and a multipart upload (:meth:`Endpoints._upload`). Every one goes through
``Transport.send``: there is no second request path.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import attrs

from .._params import check_ids
from ..errors import DecodeError
from ..records.converter import structure
from ..transport import Request
from ._base import Resource

__all__ = [
    "Download",
    "DownloadTarget",
    "Endpoints",
    "UploadSource",
    "id_list",
    "present",
    "segment",
]

T = TypeVar("T")

DownloadTarget = str | os.PathLike[str] | BinaryIO
"""Where a download goes: a file path (written whole or not at all) or a binary file."""

UploadSource = str | os.PathLike[str] | bytes | BinaryIO
"""What an upload sends: a file path, bytes, or a binary file opened for reading."""


@attrs.frozen(kw_only=True)
class Download:
    """What a download wrote: where (None for a file object you passed), how many bytes,
    and the content type Toggl declared (``text/csv``, ``application/pdf`` ...)."""

    path: Path | None
    bytes_written: int
    content_type: str | None


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the caller actually passed (``None`` means "leave it out")."""
    return {key: value for key, value in fields.items() if value is not None}


def id_list(name: str, values: Iterable[object]) -> str:
    """Ids for a path segment (``1,2,3``): 1 to 100 positive ints, Toggl's bulk limit."""
    return ",".join(map(str, check_ids(name, values, limit=100)))


def segment(name: str, value: object) -> str:
    """A path segment that is not an id (a token, a uuid, a date): non-empty, no slash."""
    if not isinstance(value, str) or not value or "/" in value or value in (".", ".."):
        raise ValueError(f"{name} must be a non-empty string without '/', got {value!r}")
    return value


class Endpoints(Resource):
    """A namespace on the shared mechanism (generated operations and hand-written ones)."""

    async def _fetch_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send and return the parsed JSON as is (operations with no stable shape)."""
        return (await self._send(method, path, **kwargs)).json()

    async def _fetch_unwrapped(
        self, into: type[T], envelope: str, method: str, path: str, **kwargs: Any
    ) -> T:
        """Like ``_fetch``, for answers that wrap the value: ``{"<envelope>": value, ...}``."""
        response = await self._send(method, path, **kwargs)
        payload = response.json()
        if not isinstance(payload, dict) or envelope not in payload:
            shown = type(payload).__name__
            raise DecodeError(
                f"{method} {response.url} returned a {shown}, not an object with {envelope!r}",
                method=method,
                url=response.url,
            )
        value = payload[envelope]
        return structure(value, into, method=response.method, url=response.url)

    async def _download(
        self, to: DownloadTarget, method: str, path: str, **kwargs: Any
    ) -> Download:
        """Stream a 2xx body to ``to`` in chunks, with the client's retries.

        A path is written through a temporary file beside it and renamed at the end: a
        failed download leaves no partial file behind. A binary file object receives the
        bytes at its position (a file that cannot seek goes through a temporary file, so
        a retry never leaves a torn first attempt in it).
        """
        request = self._request(method, path, **kwargs)
        if isinstance(to, str | os.PathLike):
            target = Path(to)
            if target.is_dir():  # noqa: ASYNC240 - a stat, before any I/O is awaited
                raise ValueError(f"to must be a file path, and {str(target)!r} is a directory")
            if not target.parent.is_dir():
                raise ValueError(f"to: the folder {str(target.parent)!r} does not exist")
            fd, part = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".part", dir=target.parent
            )
            try:
                with os.fdopen(fd, "w+b") as sink:
                    response = await self._transport.send(request, sink=sink)
                    written = sink.tell()
                os.replace(part, target)
            except BaseException:
                os.unlink(part)
                raise
            return Download(
                path=target, bytes_written=written, content_type=_content_type(response.headers)
            )
        if isinstance(to, io.TextIOBase) or not hasattr(to, "write"):
            raise TypeError(
                "to must be a file path or a binary file object (open it with 'wb'), "
                f"got {type(to).__name__}"
            )
        if _seekable(to):
            start = to.tell()
            response = await self._transport.send(request, sink=to)
            written = to.tell() - start
        else:
            with tempfile.TemporaryFile() as spool:
                response = await self._transport.send(request, sink=spool)
                written = spool.tell()
                spool.seek(0)
                shutil.copyfileobj(spool, to)
        return Download(
            path=None, bytes_written=written, content_type=_content_type(response.headers)
        )

    async def _upload(
        self,
        into: type[T],
        method: str,
        path: str,
        *,
        field: str,
        file: UploadSource,
        filename: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> T:
        """Send ``file`` as the multipart form field ``field`` and decode the answer.

        Uploads are small (avatars, logos, receipts): the file is read whole. Never
        retried once sent, like any POST that changes something.
        """
        data, name = _read_upload(file, filename)
        boundary = secrets.token_hex(16)
        safe = name.replace('"', "").replace("\r", "").replace("\n", "")
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="{field}"; filename="{safe}"\r\n'.encode(),
                f"Content-Type: {content_type}\r\n\r\n".encode(),
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        request = Request(
            method=method,
            api=self.api,
            path=path,
            body=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        response = await self._transport.send(request)
        return structure(response.json(), into, method=response.method, url=response.url)


def _seekable(file: BinaryIO) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _content_type(headers: Mapping[str, str]) -> str | None:
    return headers.get("Content-Type")


def _read_upload(file: UploadSource, filename: str | None) -> tuple[bytes, str]:
    if isinstance(file, bytes | bytearray):
        return bytes(file), filename or "upload"
    if isinstance(file, str | os.PathLike):
        source = Path(file)
        if not source.is_file():
            raise ValueError(f"file: {str(source)!r} is not a file")
        return source.read_bytes(), filename or source.name
    if isinstance(file, io.TextIOBase) or not hasattr(file, "read"):
        raise TypeError(
            "file must be a path, bytes or a binary file object (open it with 'rb'), "
            f"got {type(file).__name__}"
        )
    data = file.read()
    if not isinstance(data, bytes):
        raise TypeError("file must be opened in binary mode ('rb')")
    return data, filename or Path(str(getattr(file, "name", "upload"))).name
