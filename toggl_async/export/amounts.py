"""Per-entry amounts from grouped Reports rows, checked against the row's total.

With ``grouped=true`` Reports puts entries alike on one day (user, project, task,
description, billable, tags) in one row, and the row carries only the row's
``billable_amount_in_cents`` and its ``hourly_rate_in_cents``. The export writes one row per
entry with the entry's own amount, exactly as the ungrouped search gives it, so:

* a row of one entry keeps Reports' own amount (it *is* the entry's amount);
* in a row of ``n > 1`` entries each entry gets ``round(seconds * rate / 3600)``, the
  rounding Reports gives a single entry (on an exact half cent, where rounding rules
  differ, the rule is learnt from Reports' own single-entry amounts, see
  :class:`HalfCents`; until then the row is read again), and the row is **checked**: each
  derived amount is within half a cent of its exact value and so is Reports' row total, so
  the sum of the derived amounts may differ from the total by at most ``(n + 1) / 2``
  cents, i.e. :func:`bound` ``= (n + 1) // 2`` as integers (reached: three entries of 1.5
  cents round to 2 + 2 + 2 = 6 against a total of round(4.5) = 4). A row that misses that
  bound, lacks a field needed (rate, seconds, row number), or has a rate but no total (or
  the reverse) is *not trusted*: its entries are read again ungrouped (by id) and written as
  Reports sends them there. Rows never differ by the path that fetched them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import ReportTimeEntry

__all__ = ["HalfCents", "Split", "bound", "split_amounts"]


def bound(n: int) -> int:
    """Cents the sum of ``n`` per-entry roundings may differ from the rounded row total."""
    return 0 if n <= 1 else (n + 1) // 2


class HalfCents:
    """How Reports rounds an entry's exact half cent (``seconds * rate`` a half of 3600):
    ``up`` (half away from zero, as Go's and SQL's ``round``) or ``even`` (half to even, as
    Python's). Toggl does not say, so it is learnt from Reports' own amounts of single
    entries (rows of one entry, entries read again ungrouped), never assumed; until one of
    the two rules is left, an entry on a half cent is not derived (its row is read again)."""

    __slots__ = ("rules",)

    def __init__(self) -> None:
        self.rules = {"up", "even"}

    def learn(self, seconds: int | None, rate: int | None, amount: int | None) -> None:
        """Drop the rules that Reports' ``amount`` for one entry contradicts."""
        if seconds is None or rate is None or amount is None or seconds < 0:
            return
        whole, rest = divmod(seconds * rate, 3600)
        if rest != 1800:
            return
        if amount != whole + 1:
            self.rules.discard("up")
        if amount != whole + whole % 2:
            self.rules.discard("even")

    def round(self, whole: int) -> int | None:
        """``whole`` and a half, rounded by the rule learnt (None while unknown)."""
        if self.rules == {"up"}:
            return whole + 1
        if self.rules == {"even"}:
            return whole + whole % 2
        return None


def derived(seconds: int, rate: int, halves: HalfCents) -> int | None:
    """An entry's amount in cents as Reports rounds a single entry's (exact integer
    arithmetic); None on a half cent while the rounding rule is not known."""
    whole, rest = divmod(seconds * rate, 3600)
    if rest == 1800:
        return halves.round(whole)
    return whole + (1 if rest > 1800 else 0)


class Split:
    """A grouped page resolved: amounts for entries of multi-entry rows, and the entries
    whose rows failed the check (to be read again ungrouped)."""

    __slots__ = ("amounts", "untrusted")

    def __init__(self) -> None:
        self.amounts: dict[int, int | None] = {}
        """Entry id -> its derived ``billable_amount_in_cents`` (None where no rate)."""
        self.untrusted: list[ReportTimeEntry] = []


def _rows(entries: Sequence[ReportTimeEntry]) -> list[list[ReportTimeEntry]]:
    """Consecutive entries of one row (same ``row_number``) together; an entry without a
    row number is a row of its own that cannot be checked."""
    rows: list[list[ReportTimeEntry]] = []
    for entry in entries:
        number = entry.row_number
        if rows and number is not None and rows[-1][0].row_number == number:
            rows[-1].append(entry)
        else:
            rows.append([entry])
    return rows


def split_amounts(entries: Sequence[ReportTimeEntry], halves: HalfCents) -> Split:
    """Check every row of a grouped page and derive its entries' amounts (see the module);
    rows of one entry teach ``halves`` how Reports rounds."""
    out = Split()
    for row in _rows(entries):
        head = row[0]
        if head.row_number is None:
            out.untrusted.extend(row)
            continue
        if len(row) == 1:  # Reports' own amount for that one entry
            halves.learn(head.seconds, head.hourly_rate_in_cents, head.billable_amount_in_cents)
            continue
        rate, total = head.hourly_rate_in_cents, head.billable_amount_in_cents
        if rate is None and total is None:
            for entry in row:
                out.amounts[entry.id] = None
            continue
        if (
            rate is None
            or total is None
            or isinstance(rate, bool)
            or not isinstance(rate, int)
            or any(e.seconds is None or e.seconds < 0 for e in row)
        ):
            out.untrusted.extend(row)
            continue
        amounts = [derived(e.seconds, rate, halves) for e in row]
        known = [a for a in amounts if a is not None]
        if len(known) < len(amounts) or abs(sum(known) - total) > bound(len(row)):
            out.untrusted.extend(row)
            continue
        for entry, amount in zip(row, known, strict=True):
            out.amounts[entry.id] = amount
    return out
