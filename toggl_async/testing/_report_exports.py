"""Sandbox Reports beyond the seed searches: the weekly report, and the detailed, summary
and weekly reports as CSV (and a small PDF), streamed as files like Toggl sends them.

The rows come from the same matching as the searches (:class:`ReportRoutes`), so an export
holds exactly what the detailed search pages through. XLSX is not served (400).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from aiohttp import web

from ._http import ApiError, body_object, ok
from ._reports import ReportRoutes
from ._util import JSONDict

__all__ = ["ReportExportRoutes"]

_CSV = "text/csv"
_PDF = "application/pdf"


class ReportExportRoutes(ReportRoutes):
    """Handlers for ``…/weekly/time_entries`` and the ``.csv``/``.pdf`` exports."""

    def routes(self, prefix: str) -> list[web.RouteDef]:
        ws = prefix + r"/workspace/{wid:\d+}"
        return [
            web.post(ws + "/weekly/time_entries", self.weekly),
            web.post(ws + r"/weekly/time_entries.{ext:[a-z]+}", self.weekly_file),
            web.post(ws + r"/search/time_entries.{ext:[a-z]+}", self.detailed_file),
            web.post(ws + r"/summary/time_entries.{ext:[a-z]+}", self.summary_file),
        ]

    # -- weekly -----------------------------------------------------------------------------

    def _weekly_rows(self, request: web.Request) -> tuple[list[JSONDict], list[str]]:
        ws = self._workspace(request)
        query = self._query(ws, body_object(request))
        days = (query.last - query.first).days + 1
        if days > 7:
            raise ApiError(400, "The weekly report spans at most 7 days")
        index, zone = self.ctx.account.index(), self.ctx.zone()
        rows: dict[tuple[int, int | None], JSONDict] = {}
        for ref in self._refs(query):
            r = self.store.row(ref)
            day = (datetime.fromtimestamp(r.start, zone).date() - query.first).days
            user = index.users.get(r.user_id, {})
            project = index.projects.get(r.project_id or 0, {})
            client = index.clients.get(project.get("client_id") or 0, {})
            row = rows.setdefault(
                (r.user_id, r.project_id),
                {
                    "user_id": r.user_id,
                    "user_name": user.get("fullname"),
                    "project_id": r.project_id,
                    "project_name": project.get("name"),
                    "project_color": project.get("color"),
                    "project_hex_color": project.get("color"),
                    "client_name": client.get("name"),
                    "planned_task_id": None,
                    "seconds": [0] * days,
                    "billable_seconds": [0] * days,
                    "hourly_rate_in_cents": None,
                    "currency": ws.get("default_currency"),
                },
            )
            row["seconds"][day] += r.duration
            if r.billable:
                row["billable_seconds"][day] += r.duration
        labels = [(query.first + timedelta(days=i)).isoformat() for i in range(days)]
        ordered = sorted(rows.values(), key=lambda x: (x["user_id"], x["project_id"] or 0))
        return ordered, labels

    async def weekly(self, request: web.Request) -> web.Response:
        rows, _ = self._weekly_rows(request)
        return ok(rows)

    async def weekly_file(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request, ("csv", "pdf"))
        rows, labels = self._weekly_rows(request)
        table: list[list[object]] = [["User", "Project", *labels, "Total"]]
        for row in rows:
            total = sum(row["seconds"])
            table.append(
                [row["user_name"], row["project_name"] or "(no project)", *row["seconds"], total]
            )
        return await self._send(request, kind, "weekly", table)

    # -- detailed and summary ---------------------------------------------------------------

    async def detailed_file(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request, ("csv", "pdf"))
        ws = self._workspace(request)
        query = self._query(ws, body_object(request))
        index, zone = self.ctx.account.index(), self.ctx.zone()
        table: list[list[object]] = [
            ["User", "Email", "Project", "Description", "Start", "Stop", "Duration", "Tags"]
        ]
        for ref in self._refs(query):
            r = self.store.row(ref)
            user = index.users.get(r.user_id, {})
            project = index.projects.get(r.project_id or 0, {})
            stop = r.stop if r.stop is not None else r.start
            table.append(
                [
                    user.get("fullname"),
                    user.get("email"),
                    project.get("name"),
                    r.description or "",
                    datetime.fromtimestamp(r.start, zone).isoformat(),
                    datetime.fromtimestamp(stop, zone).isoformat(),
                    r.duration,
                    ", ".join(index.tag_names.get(t, "") for t in r.tag_ids or ()),
                ]
            )
        return await self._send(request, kind, "detailed", table)

    async def summary_file(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request, ("csv", "pdf"))
        ws = self._workspace(request)
        query = self._query(ws, body_object(request))
        index = self.ctx.account.index()
        totals: dict[int | None, int] = {}
        for ref in self._refs(query):
            r = self.store.row(ref)
            totals[r.project_id] = totals.get(r.project_id, 0) + r.duration
        table: list[list[object]] = [["Project", "Duration"]]
        for project_id in sorted(totals, key=lambda p: (p is None, p or 0)):
            name = index.projects.get(project_id or 0, {}).get("name") or "(no project)"
            table.append([name, totals[project_id]])
        return await self._send(request, kind, "summary", table)

    # -- files ------------------------------------------------------------------------------

    @staticmethod
    def _kind(request: web.Request, allowed: tuple[str, ...]) -> str:
        kind = request.match_info["ext"]
        if kind not in allowed:
            raise ApiError(400, f"Invalid 'extension' value, allowed values are: {allowed}")
        return kind

    @staticmethod
    async def _send(
        request: web.Request, kind: str, name: str, table: list[list[object]]
    ) -> web.StreamResponse:
        text = io.StringIO()
        csv.writer(text).writerows(table)
        data = text.getvalue().encode()
        if kind == "pdf":
            data = _pdf(data.decode())
        response = web.StreamResponse(
            headers={
                "Content-Type": _CSV if kind == "csv" else _PDF,
                "Content-Disposition": f'attachment; filename="{name}.{kind}"',
            }
        )
        response.content_length = len(data)
        await response.prepare(request)
        for start in range(0, len(data), 32 * 1024):  # in pieces, as a real download arrives
            await response.write(data[start : start + 32 * 1024])
        await response.write_eof()
        return response


def _pdf(text: str) -> bytes:
    """A one-page PDF holding ``text`` (enough to be a real file a viewer opens)."""
    lines = text.splitlines()[:60]
    escaped = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
    stream = "BT /F1 8 Tf 36 800 Td 10 TL " + " ".join(f"({ln}) '" for ln in escaped) + " ET"
    body = stream.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
