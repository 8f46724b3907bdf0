"""The console's rows from the rollup cells, exact to the fen against the ledger, whatever the range and filters.

The cells hold money by project, team, site and channel at three grains: `rollup_cells_day`, `rollup_cells_hour` and
`rollup_cells` (the minute), kept by `store/rollups.add_events` in the transaction that writes the events. A range
is split into its whole days, then whole hours, then whole minutes (`split`), and the partial minutes at its edges
are read from the ledger, summed as cells are; one statement reads every piece a question needs
(`Store.query_ranges`: a `union all` branch a range of cells, one for all the partial minutes). The newest gifts are
read from the gifts themselves from the minute the cells say holds the last of them. Each reader gives the rows the
ledger's query of the same name gives (`console_windows`, `console_breakdown`, `console_minutes`,
`console_latest_gifts`), so `console.figures` shows the same figures from either: `LEDGER` is the baseline the
benchmark and the tests compare with."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from itertools import accumulate
from typing import Any

from givingday.store.database import Store

GRAINS = ("day", "hour", "minute")  # coarsest first; a piece of kind "ledger" is a partial minute
_WINDOW_SPANS = {  # each window of console_windows: where it starts and ends, by its parameters' names
    "m5": ("since_m5", "until"),
    "m15": ("since_m15", "until"),
    "m30": ("since_m30", "until"),
    "m60": ("since_m60", "until"),
    "m180": ("since_m180", "until"),
    "day": ("since_day", "until"),
    "event": ("from_at", "until"),
    "day_full": ("since_day", "to_at"),
}
Piece = tuple[str, dt.datetime, dt.datetime]  # (a grain or "ledger", from, to): a half-open range
# Where the newest gifts lie inside a day, its minutes are read from the hour this long before its newest gift.
_NEAR = dt.timedelta(hours=1)


def floor_to(at: dt.datetime, grain: str, tz: dt.tzinfo) -> dt.datetime:
    """The start of the day, hour or minute of the zone `tz` that `at` falls in (`date_trunc` in the session)."""
    local = at.astimezone(tz)
    if grain == "day":
        return dt.datetime.combine(local.date(), dt.time(0), tz)
    return local.replace(minute=0 if grain == "hour" else local.minute, second=0, microsecond=0)


def ceil_to(at: dt.datetime, grain: str, tz: dt.tzinfo) -> dt.datetime:
    down = floor_to(at, grain, tz)
    if down == at:
        return down
    if grain == "day":
        return dt.datetime.combine(down.date() + dt.timedelta(days=1), dt.time(0), tz)
    return down + (dt.timedelta(hours=1) if grain == "hour" else dt.timedelta(minutes=1))


def split(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo, grains: tuple[str, ...] = GRAINS) -> list[Piece]:
    """[start, end) as its whole days, whole hours and whole minutes (each the coarsest of `grains` that fits),
    in time order, and the partial minutes at its edges, for the ledger."""
    if start >= end:
        return []
    if not grains:
        return [("ledger", start, end)]
    grain, finer = grains[0], grains[1:]
    inner_from, inner_to = ceil_to(start, grain, tz), floor_to(end, grain, tz)
    if inner_from >= inner_to:
        return split(start, end, tz, finer)
    return [*split(start, inner_from, tz, finer), (grain, inner_from, inner_to), *split(inner_to, end, tz, finer)]


def read_pieces(store: Store, name: str, pieces: list[Piece], **params: Any) -> list[dict]:
    """`queries/<name>.sql` over `pieces` in one statement (none: no rows)."""
    return store.query_ranges(name, pieces, **params) if pieces else []


# How far apart two pieces of a grain may lie and still be read as one range: a scan reads whole row groups, so
# reading the minutes between two windows' starts costs less than a statement branch of its own.
_CLUSTER_GAP = {
    "minute": dt.timedelta(hours=1),
    "hour": dt.timedelta(hours=12),
    "day": dt.timedelta(days=366),
}


def clustered(pieces: set[Piece]) -> list[Piece]:
    """The ranges to read for `pieces`: the pieces of one grain less than its gap apart merged into one, their rows
    told apart by their times; the ledger's partial minutes each as they are (each is summed on its own; merged,
    the ledger would be read for the whole minutes between them too)."""
    out: list[Piece] = []
    for grain, a, b in sorted(pieces):
        last = out[-1] if out else None
        if last and last[0] == grain != "ledger" and a - last[2] <= _CLUSTER_GAP[grain]:
            out[-1] = (grain, last[1], max(last[2], b))
        else:
            out.append((grain, a, b))
    return out


class LedgerRows:
    """The console's rows from the ledger itself (the way before the cells): the benchmark's baseline, the tests'
    reference, and the shape every reader gives."""

    def windows(self, store: Store, anchors: dict[str, dict[str, Any]]) -> dict[str, list[dict]]:
        return store.query_many({label: ("console_windows", p) for label, p in anchors.items()})

    def breakdown(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, **filters: Any) -> list[dict]:
        return store.query("console_breakdown", from_at=from_at, to_at=to_at, **filters)

    def minutes(
        self, store: Store, from_at: dt.datetime, to_at: dt.datetime, unit: str, tz: dt.tzinfo, **filters: Any
    ) -> list[dict]:
        return store.query("console_minutes", from_at=from_at, to_at=to_at, unit=unit, **filters)

    def latest(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, limit_n: int, **filters: Any) -> list:
        return store.query("console_latest_gifts", from_at=from_at, to_at=to_at, limit_n=limit_n, **filters)


class RollupRows(LedgerRows):
    """The console's rows from the rollup cells and the ledger's partial minutes: one statement a question."""

    FILTERS = ("category", "project_id", "team_id", "site_id", "street", "channel")

    def windows(self, store: Store, anchors: dict[str, dict[str, Any]]) -> dict[str, list[dict]]:
        """console_windows for each set of parameters ({"now": params, "before": params}, the same filters): every
        window a sum of pieces, read at once, nearby pieces of a grain as one range (`clustered`). With no filter,
        from the minutes' rollup: a row a minute, not a cell each project, team, site and channel."""
        tz = store.event.tz
        filters = {k: next(iter(anchors.values()))[k] for k in self.FILTERS}
        unfiltered = not any(filters.values())
        grains = ("minute",) if unfiltered else GRAINS
        parts = {
            (label, name): split(max(p[since], p["from_at"]), min(p[upto], p["to_at"]), tz, grains)
            for label, p in anchors.items()
            for name, (since, upto) in _WINDOW_SPANS.items()
        }
        reads = clustered({piece for ps in parts.values() for piece in ps})
        if unfiltered:
            rows = read_pieces(store, "console_all_by_range", reads)
        else:
            rows = read_pieces(store, "console_cells_by_range", reads, **filters)
        partial: dict[Piece, tuple[int, int]] = {}  # a partial minute's (total, 人次): read as it is, not merged
        cells: dict[str, list[tuple[int, int, int]]] = {}  # a grain's (start in epoch seconds, total, 人次)
        for r in rows:
            piece = reads[r["piece"]]
            if piece[0] == "ledger":
                partial[piece] = (r["total_fen"], r["donations"])
            else:
                cells.setdefault(piece[0], []).append((r["minute_epoch"], r["total_fen"], r["donations"]))
        starts: dict[str, list[int]] = {}  # each grain's cell starts in order
        running: dict[str, list[tuple[int, int]]] = {}  # and the sums (total, 人次) before each
        for grain, found in cells.items():
            found.sort()
            starts[grain] = [start for start, _, _ in found]
            running[grain] = [
                (0, 0),
                *accumulate(((t, d) for _, t, d in found), lambda s, x: (s[0] + x[0], s[1] + x[1])),
            ]

        def total(pieces: list[Piece], column: int) -> int:
            out = 0
            for piece in pieces:
                grain, a, b = piece
                if grain == "ledger":
                    out += partial.get(piece, (0, 0))[column]
                elif grain in starts:
                    i, j = (bisect_left(starts[grain], int(t.timestamp())) for t in (a, b))
                    out += running[grain][j][column] - running[grain][i][column]
            return out

        return {
            label: [
                {"window": name, "total_fen": total(parts[label, name], 0), "donations": total(parts[label, name], 1)}
                for name in _WINDOW_SPANS
            ]
            for label in anchors
        }

    def breakdown(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, **filters: Any) -> list[dict]:
        """console_breakdown: money per (dim, key) in [from_at, to_at)."""
        return read_pieces(store, "console_cells_breakdown", split(from_at, to_at, store.event.tz), **filters)

    def minutes(
        self, store: Store, from_at: dt.datetime, to_at: dt.datetime, unit: str, tz: dt.tzinfo, **filters: Any
    ) -> list[dict]:
        """console_minutes: money and 人次 per bar of `unit` in [from_at, to_at), bars in the zone `tz` (the
        session's): no piece coarser than a bar; with no filter, from the minutes' rollup (a row a minute)."""
        if not any(filters.values()):
            return read_pieces(store, "console_all_minutes", split(from_at, to_at, tz, ("minute",)), unit=unit)
        pieces = split(from_at, to_at, tz, GRAINS[GRAINS.index(unit) :])
        return read_pieces(store, "console_cells_minutes", pieces, unit=unit, **filters)

    def latest(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, limit_n: int, **filters: Any) -> list:
        """console_latest_gifts. On DuckDB with no street chosen, the statement alone: its scan keeps the newest
        `limit_n` and skips every row group older than the ones kept (at 11.7 M gifts 6-28 ms, where the walk back
        through the cells and then the gifts took 16-51 ms). Elsewhere, from the minute that holds the newest of them
        (`latest_walked`): PostgreSQL's index on time would walk back through every gift of other filters, and DuckDB's
        join to the sites for a street hides the time order from its scan (75-220 ms)."""
        if store.is_duckdb and filters.get("street") is None:
            return super().latest(store, from_at, to_at, limit_n, **filters)
        return self.latest_walked(store, from_at, to_at, limit_n, **filters)

    def latest_walked(
        self, store: Store, from_at: dt.datetime, to_at: dt.datetime, limit_n: int, **filters: Any
    ) -> list:
        """console_latest_gifts, reading the gifts only from the minute that holds the newest `limit_n` of them."""
        cutoff = self._cutoff(store, split(from_at, to_at, store.event.tz), limit_n, filters)
        start = max(from_at, cutoff) if cutoff else from_at
        return store.query("console_latest_gifts", from_at=start, to_at=to_at, limit_n=limit_n, **filters)

    def _cutoff(self, store: Store, pieces: list[Piece], limit_n: int, filters: dict[str, Any]) -> dt.datetime | None:
        """The latest minute at or after which the newest `limit_n` gifts of `pieces` lie (None: fewer). Walked
        back from the newest cell time; where the count is reached in an hour, its minutes are read; in a day, its
        hours, except the hour before its newest gift and after, read by the minute in the same statement (at a
        busy time they hold the count: no third read)."""
        tz = store.event.tz
        seen = 0
        rows = read_pieces(store, "console_cells_received", pieces, **filters)
        for r in sorted(rows, key=lambda r: r["minute_at"], reverse=True):
            if seen + r["received"] < limit_n:
                seen += r["received"]
                continue
            grain = pieces[r["piece"]][0]
            if grain in ("minute", "ledger"):
                return floor_to(r["minute_at"], "minute", tz)
            start = r["minute_at"]
            end = ceil_to(start + dt.timedelta(minutes=1), grain, tz)
            if grain == "day":
                newest = min(r["last_gift_at"] or end, end)
                near = max(start, floor_to(newest - _NEAR, "hour", tz))
                finer = [*split(start, near, tz, ("hour",)), *split(near, end, tz, ("minute",))]
            else:
                finer = split(start, end, tz, GRAINS[GRAINS.index(grain) + 1 :])
            return self._cutoff(store, finer, limit_n - seen, filters)
        return None


ROLLUPS = RollupRows()
LEDGER = LedgerRows()
