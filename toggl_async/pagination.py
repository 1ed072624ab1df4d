"""Every paginated endpoint is a :class:`Paginator`: an async iterator of records.

A paginator walks pages through a :class:`PageSource`, which knows one endpoint's paging
scheme (a :class:`Strategy`: keyset, offset, numbered pages, or a header cursor) and how to
turn a response into records. The paginator adds what every endpoint shares: records one by
one or page by page, ``limit=``, a resumable ``cursor``, one page prefetched while the caller
works, and cancelling that prefetch when the caller stops early.

The prefetch overlaps for real: a page arrives *raw* (:class:`RawPage`: where the next page
is, read from the body or headers, with the records not yet built), the next page's request
is started and given a few turns of the event loop to go on the wire, and only then is the
current page decoded and handed out. So the server works on page n+1 while the caller's
code (even synchronous code) works on page n. A page that does not advance (the server
ignored the position) is refused with :class:`PaginationError` instead of looping.

A cursor is a small JSON-serialisable dict. It names the scheme and the query it belongs to,
the page to fetch (``at``) and how many of that page's records were already yielded
(``skip``), so resuming continues right after the last record handed out, mid-page included.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from .errors import DecodeError, InvalidCursorError
from .records.converter import structure
from .transport import Response

__all__ = [
    "Cursor",
    "HeaderCursor",
    "Keyset",
    "NumberedPages",
    "Offset",
    "Page",
    "PageSource",
    "PaginationError",
    "Paginator",
    "RawPage",
    "RequestSource",
    "Strategy",
]

T = TypeVar("T")
Json = dict[str, Any]
Cursor = dict[str, Any]
CURSOR_VERSION = 1
_SEND_TURNS = 3
"""Loop turns a prefetch gets to put its request on the wire before the current page is
decoded: aiohttp writes a GET to a pooled connection in one, a POST's body in the second
(both pinned by tests/test_prefetch_trace.py); one spare. A new connection only starts
connecting in that time (waiting for a handshake would stall the caller for a round trip)."""


class PaginationError(DecodeError):
    """The server sent a page that does not move the listing on (it ignored the position).

    Following it would loop for ever and burn the API quota, so the walk stops. ``position``
    is the position asked for. A :class:`DecodeError`, as is any page the client cannot read.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        body: bytes = b"",
        position: Json | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, body=body)
        self.position = position


@attrs.frozen
class Page(Generic[T]):
    """One fetched page: its records and where the next page is (None: this was the last)."""

    items: Sequence[T]
    next: Json | None


@attrs.frozen
class RawPage(Generic[T]):
    """A page as it arrived, before its records are built (which is the costly part).

    ``next`` and ``size`` (how many records ``decode()`` gives) are read from the raw body
    and headers, so the next request can be on the wire while this page is decoded.
    ``ids`` (None: unknown) lets the paginator refuse a page that repeats the previous one;
    ``method``/``url`` name the request in errors.
    """

    next: Json | None
    size: int
    decode: Callable[[], Sequence[T]]
    ids: frozenset[Any] | None = None
    method: str = ""
    url: str = ""


class Strategy:
    """How one endpoint pages: the parameters for a position, and where the next page is."""

    kind: ClassVar[str] = "abstract"

    def first(self) -> Json:
        raise NotImplementedError

    def params(self, at: Json) -> dict[str, Any]:
        raise NotImplementedError

    def unwrap(self, payload: Any) -> list[Any]:
        """The list of raw items in a response body (some endpoints wrap it)."""
        if not isinstance(payload, list):
            raise TypeError(f"expected a JSON array, got {type(payload).__name__}")
        return payload

    def next(self, at: Json, raw: list[Any], response: Response) -> Json | None:
        raise NotImplementedError

    def resume(self, at: Json, items: Sequence[Any], consumed: int) -> tuple[Json, int]:
        """The position right after ``consumed`` items of the page fetched at ``at``."""
        return at, consumed


@attrs.frozen
class Keyset(Strategy):
    """Keyset on ascending ids: ``start_id`` is inclusive, the next page starts at last id + 1.

    Toggl sends no cursor, so a page shorter than ``per_page`` is the last one. Resuming
    needs no skip: the position is simply "ids from last yielded + 1".
    """

    kind: ClassVar[str] = "keyset"
    per_page: int
    start_param: str = "start_project_id"
    start: int | None = None

    def first(self) -> Json:
        return {"start": self.start}

    def params(self, at: Json) -> dict[str, Any]:
        return {self.start_param: at["start"], "per_page": self.per_page}

    def next(self, at: Json, raw: list[Any], response: Response) -> Json | None:
        if len(raw) < self.per_page:
            return None
        start = _id_of(raw[-1]) + 1
        current = at.get("start")
        if isinstance(current, int) and start <= current:
            raise PaginationError(
                f"{response.method} {response.url} at {self.start_param}={current} returned "
                f"a page ending at id {start - 1}, which does not move past it (the server "
                "ignored the position); refusing to loop",
                method=response.method,
                url=response.url,
                body=response.body,
                position=dict(at),
            )
        return {"start": start}

    def resume(self, at: Json, items: Sequence[Any], consumed: int) -> tuple[Json, int]:
        if consumed == 0:
            return at, 0
        return {"start": items[consumed - 1].id + 1}, 0


@attrs.frozen
class Offset(Strategy):
    """Row offset + page size: the next page starts where this one ended."""

    kind: ClassVar[str] = "offset"
    per_page: int
    offset: int = 0

    def first(self) -> Json:
        return {"offset": self.offset}

    def params(self, at: Json) -> dict[str, Any]:
        return {"offset": at["offset"], "per_page": self.per_page}

    def next(self, at: Json, raw: list[Any], response: Response) -> Json | None:
        if len(raw) < self.per_page:
            return None
        return {"offset": at["offset"] + len(raw)}

    def resume(self, at: Json, items: Sequence[Any], consumed: int) -> tuple[Json, int]:
        return {"offset": at["offset"] + consumed}, 0


@attrs.frozen
class NumberedPages(Strategy):
    """1-based ``page`` + ``per_page``; stops on a short page, or at ``total_count`` if wrapped.

    ``envelope`` names the key holding the items when the body is an object
    (``/workspaces/{id}/tasks`` sends ``{"data": [...], "total_count": N}``).
    """

    kind: ClassVar[str] = "page"
    per_page: int
    envelope: str | None = None

    def first(self) -> Json:
        return {"page": 1}

    def params(self, at: Json) -> dict[str, Any]:
        return {"page": at["page"], "per_page": self.per_page}

    def unwrap(self, payload: Any) -> list[Any]:
        if self.envelope is None:
            return super().unwrap(payload)
        if not isinstance(payload, dict) or not isinstance(payload.get(self.envelope), list):
            raise TypeError(f"expected an object with a {self.envelope!r} array")
        items: list[Any] = payload[self.envelope]
        total = payload.get("total_count")
        if isinstance(total, int):
            # Remember how far the whole listing goes, for next().
            items = _Counted(items, total)
        return items

    def next(self, at: Json, raw: list[Any], response: Response) -> Json | None:
        if len(raw) < self.per_page:
            return None
        if isinstance(raw, _Counted) and at["page"] * self.per_page >= raw.total:
            return None
        return {"page": at["page"] + 1}


@attrs.frozen
class HeaderCursor(Strategy):
    """The next page's start row comes in a response header; no header: the last page.

    ``header`` (e.g. Reports' ``X-Next-Row-Number``) is sent back as ``param``
    (``first_row_number``). ``keep`` maps more headers to cursor keys that are recorded but
    never sent (sending Reports' ``first_id`` along can make it return no rows).

    Pages hold *rows*, and a row may expand to several items (Reports groups entries).
    ``row_of`` gives an item's row number: a cursor taken mid-page then points at the row of
    the next item, plus how many of that row's items were already yielded, so resuming
    repeats no item and skips none even if the rest of the page has changed.
    """

    kind: ClassVar[str] = "header"
    header: str
    param: str
    keep: tuple[tuple[str, str], ...] = ()
    row_of: Callable[[Any], int | None] | None = None

    def first(self) -> Json:
        return {"row": None}

    def params(self, at: Json) -> dict[str, Any]:
        return {self.param: at.get("row")}

    def next(self, at: Json, raw: list[Any], response: Response) -> Json | None:
        value = response.headers.get(self.header)
        if value is None or not value.strip():
            return None
        row = _header_int(value)
        current = at.get("row")
        start = current if isinstance(current, int) else 1  # the first page starts at row 1
        if row is None or row <= start:
            raise PaginationError(
                f"{response.method} {response.url} sent {self.header}: {value!r}, which does "
                f"not move past row {start}; refusing to loop",
                method=response.method,
                url=response.url,
                body=response.body,
                position=dict(at),
            )
        position: Json = {"row": row}
        for header, key in self.keep:
            kept = response.headers.get(header)
            if kept is not None:
                position[key] = kept
        return position

    def resume(self, at: Json, items: Sequence[Any], consumed: int) -> tuple[Json, int]:
        row_of = self.row_of
        row = None if row_of is None or consumed >= len(items) else row_of(items[consumed])
        if row is None or row == at.get("row"):
            return at, consumed
        done = sum(1 for item in items[:consumed] if row_of(item) == row)  # type: ignore[misc]
        return {"row": row}, done


def _header_int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


class _Counted(list[Any]):
    """A page's raw items plus the listing's ``total_count``."""

    def __init__(self, items: list[Any], total: int) -> None:
        super().__init__(items)
        self.total = total


def _id_of(raw: Any) -> int:
    try:
        value = raw["id"]
    except (TypeError, KeyError):
        raise TypeError("keyset pagination needs an 'id' on every item") from None
    if not isinstance(value, int):
        raise TypeError(f"keyset pagination needs integer ids, got {value!r}")
    return value


def _raw_ids(raw: list[Any]) -> frozenset[Any] | None:
    """The ``id`` of every raw item, or None if any has none (then nothing is compared)."""
    ids = set()
    for item in raw:
        value = item.get("id") if isinstance(item, dict) else None
        if value is None or not isinstance(value, int | str):
            return None
        ids.add(value)
    return frozenset(ids)


class PageSource(Generic[T]):
    """Fetches one page of records at a position. Subclass, or use :class:`RequestSource`."""

    kind: str = "abstract"
    query: Mapping[str, Any] = {}

    def first(self) -> Json:
        raise NotImplementedError

    async def fetch(self, at: Json) -> Page[T]:
        raise NotImplementedError

    async def load(self, at: Json) -> RawPage[T]:
        """The page at ``at``, records not built yet. Override to defer decoding (the
        default fetches a decoded page, so its next request cannot overlap the decoding)."""
        page = await self.fetch(at)
        items = page.items
        ids = frozenset(getattr(item, "id", None) for item in items)
        return RawPage(page.next, len(items), lambda: items, ids=None if None in ids else ids)

    def resume(self, at: Json, items: Sequence[T], consumed: int) -> tuple[Json, int]:
        return at, consumed


class RequestSource(PageSource[T]):
    """A page source over one HTTP endpoint: strategy params in, records out.

    ``send`` performs the request for a page's parameters (as query or body, the caller's
    choice); ``query`` is the rest of the request, recorded in cursors so that a cursor is
    never replayed against a different query.
    """

    def __init__(
        self,
        *,
        strategy: Strategy,
        into: type[T],
        send: Callable[[dict[str, Any]], Awaitable[Response]],
        query: Mapping[str, Any],
    ) -> None:
        self.strategy = strategy
        self.kind = strategy.kind
        self.query = dict(query)
        self._into = into
        self._send = send

    def first(self) -> Json:
        return self.strategy.first()

    async def fetch(self, at: Json) -> Page[T]:
        raw = await self.load(at)
        return Page(raw.decode(), raw.next)

    async def load(self, at: Json) -> RawPage[T]:
        response = await self._send(self.strategy.params(at))
        payload = response.json()
        try:
            raw = self.strategy.unwrap(payload)
            nxt = self.strategy.next(at, raw, response)
        except TypeError as exc:
            raise DecodeError(
                f"{response.method} {response.url} returned a page of an unexpected shape: {exc}",
                method=response.method,
                url=response.url,
                body=response.body,
            ) from None
        into = list[self._into]  # type: ignore[name-defined]

        def decode() -> Sequence[T]:
            items: Sequence[T] = structure(raw, into, method=response.method, url=response.url)
            return items

        return RawPage(
            nxt,
            len(raw),
            decode,
            ids=_raw_ids(raw),
            method=response.method,
            url=response.url,
        )

    def resume(self, at: Json, items: Sequence[T], consumed: int) -> tuple[Json, int]:
        return self.strategy.resume(at, items, consumed)


class Paginator(Generic[T]):
    """An async iterator of records over all pages of one listing.

    ``async for record in paginator``; ``async for page in paginator.pages()``;
    ``await paginator.collect()``. ``limit`` stops after that many records. ``cursor``
    (read it any time) resumes right after the last record yielded when passed as
    ``cursor=`` to the same method with the same arguments. One page is fetched ahead while
    you work on the current one; leaving a loop early cancels that request.
    """

    def __init__(
        self,
        source: PageSource[T],
        *,
        cursor: Cursor | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> None:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be an int or None, got {limit!r}")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        self._source = source
        self._limit = limit
        self._prefetch = prefetch
        self._yielded = 0
        self._started = False
        self._pending: asyncio.Future[RawPage[T]] | None = None
        self._active: weakref.ref[AsyncGenerator[Any, None]] | None = None
        self._mid: tuple[Json, Page[T], int] | None = None
        """(page position, page, records of it handed out): where record-by-record iteration
        stands, turned into ``_at``/``_skip`` only when someone asks (see ``_settle``)."""
        if cursor is None:
            self._at: Json | None = source.first()
            self._skip = 0
        else:
            self._at, self._skip = _check_cursor(cursor, source)

    # -- public surface -------------------------------------------------------------------

    @property
    def cursor(self) -> Cursor:
        """Where this listing stands: JSON-serialisable; ``{"done": true, ...}`` at the end."""
        self._settle()
        position: Cursor = {
            "v": CURSOR_VERSION,
            "kind": self._source.kind,
            "query": dict(self._source.query),
        }
        if self._at is None:
            position["done"] = True
        else:
            position["at"] = dict(self._at)
            position["skip"] = self._skip
        return position

    @property
    def done(self) -> bool:
        """True once the last page has been consumed."""
        self._settle()
        return self._at is None

    def __aiter__(self) -> AsyncIterator[T]:
        return self._track(self._records())

    def pages(self) -> AsyncIterator[list[T]]:
        """Page-at-a-time iteration; ``cursor`` points past each page as it is handed out."""
        return self._track(self._pages())

    def _track(self, walk: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
        # A weak reference: the generator's frame refers back to us, and a strong one would
        # make a cycle that keeps a broken-off iteration (and its prefetch) alive until the
        # cyclic GC runs, instead of closing it as soon as the caller drops it.
        self._active = weakref.ref(walk)
        return walk

    async def collect(self) -> list[T]:
        """Every (remaining) record as a list. Mind memory on large listings."""
        return [record async for record in self]

    async def aclose(self) -> None:
        """Stop iterating now: cancel the prefetched request. Safe to call twice."""
        active = self._active() if self._active is not None else None
        self._active = None
        if active is not None:
            await active.aclose()
        pending, self._pending = self._pending, None
        if pending is not None:
            await _discard(pending)

    async def __aenter__(self) -> Paginator[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<Paginator {self._source.kind} yielded={self._yielded} cursor={self.cursor}>"

    # -- walking --------------------------------------------------------------------------

    def _room(self) -> int | None:
        return None if self._limit is None else self._limit - self._yielded

    def _finish(self, page: Page[T]) -> None:
        """Every record of ``page`` is out: the position is the next page, or the end."""
        self._mid = None
        self._at, self._skip = page.next, 0

    def _settle(self) -> None:
        """Turn the record-by-record position into ``_at``/``_skip`` (cursor, done)."""
        mid, self._mid = self._mid, None
        if mid is None:
            return
        at, page, consumed = mid
        if consumed >= len(page.items):
            self._at, self._skip = page.next, 0
        else:
            self._at, self._skip = self._source.resume(at, page.items, consumed)

    async def _records(self) -> AsyncGenerator[T, None]:
        # The hot loop of every listing: per record it only notes how far it got; the
        # position is computed from that note when the cursor is read (``_settle``).
        limit = self._limit
        async with contextlib.aclosing(self._walk()) as walk:
            async for at, page, start in walk:
                items = page.items
                for index in range(start, len(items)):
                    if limit is not None and self._yielded >= limit:
                        return
                    self._mid = (at, page, index + 1)
                    self._yielded += 1
                    yield items[index]
                self._finish(page)
                if limit is not None and self._yielded >= limit:
                    return

    async def _pages(self) -> AsyncGenerator[list[T], None]:
        async with contextlib.aclosing(self._walk()) as walk:
            async for at, page, start in walk:
                room = self._room()
                size = len(page.items)
                end = size if room is None else min(size, start + room)
                chunk = list(page.items[start:end])
                if end == size:
                    self._finish(page)
                else:
                    self._at, self._skip = self._source.resume(at, page.items, end)
                self._yielded += len(chunk)
                if chunk:
                    yield chunk
                if self._room() == 0:
                    return

    async def _walk(self) -> AsyncGenerator[tuple[Json, Page[T], int], None]:
        """Pages in order with the index to start at; keeps one request ahead.

        Each page arrives raw; the next request is started and given a few turns of the
        loop (``_SEND_TURNS``) to be written before this page is decoded and handed out, so
        the server works on it while the caller works on this page.
        """
        if self._started:
            raise RuntimeError(
                "this Paginator is already being iterated; create a new one "
                "(pass cursor=paginator.cursor to continue where it stands)"
            )
        self._started = True
        if self._at is None or self._room() == 0:
            return
        at, skip = self._at, self._skip
        source = self._source
        self._pending = asyncio.ensure_future(source.load(at))
        previous: frozenset[Any] | None = None
        try:
            while self._pending is not None:
                raw = await self._pending
                self._pending = None
                _check_advances(raw, at, previous, source.kind)
                previous = raw.ids
                nxt = raw.next
                room = self._room()
                wanted = room is None or room > raw.size - skip
                if nxt is not None and self._prefetch and wanted:
                    ahead = self._pending = asyncio.ensure_future(source.load(nxt))
                    for _ in range(_SEND_TURNS):  # its request goes out before we decode
                        if ahead.done():
                            break
                        await asyncio.sleep(0)
                yield at, Page(raw.decode(), nxt), skip
                if nxt is None:
                    return
                at, skip = nxt, 0
                if self._pending is None:
                    self._pending = asyncio.ensure_future(source.load(at))
        finally:
            pending, self._pending = self._pending, None
            if pending is not None:
                await _discard(pending)


def _check_advances(
    raw: RawPage[Any], at: Json, previous: frozenset[Any] | None, kind: str
) -> None:
    """Refuse a page whose ids were all on the previous page: the position was ignored."""
    ids = raw.ids
    if not ids or previous is None or not ids <= previous:
        return
    where = f"{raw.method} {raw.url}".strip() or f"the {kind} listing"
    position = ", ".join(f"{key}={value}" for key, value in at.items())
    raise PaginationError(
        f"{where} at {position} returned only records of the previous page (the server "
        "ignored the position); refusing to loop",
        method=raw.method,
        url=raw.url,
        position=dict(at),
    )


async def _discard(pending: asyncio.Future[Any]) -> None:
    """Cancel a prefetch nobody will read, and swallow its outcome."""
    if not pending.done():
        pending.cancel()
        await asyncio.wait([pending])
    if not pending.cancelled():
        pending.exception()


def _check_cursor(cursor: Cursor, source: PageSource[Any]) -> tuple[Json | None, int]:
    if not isinstance(cursor, Mapping):
        raise InvalidCursorError(f"cursor must be the dict from Paginator.cursor, got {cursor!r}")
    if cursor.get("v") != CURSOR_VERSION or cursor.get("kind") != source.kind:
        raise InvalidCursorError(
            f"this cursor is for a {cursor.get('kind')!r} listing (version {cursor.get('v')}), "
            f"not this {source.kind!r} one; pass the cursor of the same method"
        )
    if dict(cursor.get("query") or {}) != dict(source.query):
        raise InvalidCursorError(
            f"this cursor was made with other arguments ({cursor.get('query')}) than this call "
            f"({dict(source.query)}); call the method with the same arguments to resume"
        )
    if cursor.get("done"):
        return None, 0
    at, skip = cursor.get("at"), cursor.get("skip", 0)
    if not isinstance(at, Mapping) or isinstance(skip, bool) or not isinstance(skip, int):
        raise InvalidCursorError(f"malformed cursor: {cursor!r}")
    if skip < 0:
        raise InvalidCursorError(f"malformed cursor (negative skip): {cursor!r}")
    return dict(at), skip
