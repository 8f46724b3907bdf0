"""The console's rows from the rollup cells, exact to the fen against the ledger, whatever the range and filters.

`rollup_cells` holds money per minute by project, team, site and channel (`store/rollups.add_events` keeps it in
the transaction that writes the events). A range is summed from the cells of its whole minutes, plus the ledger's
events in the partial minutes at its edges (`console_breakdown` on each, read narrowly); the newest gifts are read
from the ledger from the minute the cells say holds the last of them. Each reader gives the rows the ledger's query of the
same name gives (`console_windows`, `console_breakdown`, `console_minutes`, `console_latest_gifts`), so
`console.figures` shows the same figures from either: `LEDGER` is the baseline the benchmark and the tests
compare with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from givingday.store.database import Store

MINUTE = dt.timedelta(minutes=1)
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
Range = tuple[dt.datetime, dt.datetime]


def floor_minute(at: dt.datetime) -> dt.datetime:
    return at.replace(second=0, microsecond=0)


def ceil_minute(at: dt.datetime) -> dt.datetime:
    down = floor_minute(at)
    return down if down == at else down + MINUTE


def whole_minutes(start: dt.datetime, end: dt.datetime) -> Range:
    """The whole minutes of [start, end), which the cells answer (empty when start and end share a minute)."""
    return ceil_minute(start), max(ceil_minute(start), floor_minute(end))


def edges(start: dt.datetime, end: dt.datetime) -> list[Range]:
    """The partial minutes of [start, end) that the cells cannot answer: at most two, each within one minute."""
    inner_from, inner_to = whole_minutes(start, end)
    out = [(start, min(inner_from, end)), (max(inner_to, start), end)]
    return [(a, b) for a, b in out if a < b]


def _edge_rows(store: Store, ranges: list[Range], filters: dict[str, Any]) -> dict[Range, list[dict]]:
    """The ledger's `console_breakdown` in each range (each within a minute): {range: its rows by dim and key}. One
    query a range, on one connection: a range given as a constant is what lets the scan skip to its row group."""
    ranges = sorted(set(ranges))
    calls = {i: ("console_breakdown", {"from_at": a, "to_at": b, **filters}) for i, (a, b) in enumerate(ranges)}
    found = store.query_many(calls) if calls else {}
    return {r: found[i] for i, r in enumerate(ranges)}


def _edge_total(rows: list[dict]) -> dict[str, int]:
    """An edge's whole money: every event has a project, so its project rows add up to it."""
    projects = [r for r in rows if r["dim"] == "project"]
    return {
        "total_fen": sum(r["amount_fen"] + r["matched_fen"] for r in projects),
        "amount_fen": sum(r["amount_fen"] for r in projects),
        "matched_fen": sum(r["matched_fen"] for r in projects),
        "donations": sum(r["donations"] for r in projects),
        "gifts": sum(r["gifts"] for r in projects),
    }


_SUMMED = ("amount_fen", "matched_fen", "donations")


def bar_of(at: dt.datetime, unit: str, tz: dt.tzinfo) -> dt.datetime:
    """The bar (`date_trunc(unit, …)` in the session's zone) that the moment `at` falls in."""
    local = at.astimezone(tz)
    if unit == "day":
        return dt.datetime.combine(local.date(), dt.time(0), tz)
    return local.replace(minute=0 if unit == "hour" else local.minute, second=0, microsecond=0)


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
    """The console's rows from the rollup cells and the ledger's partial minutes."""

    FILTERS = ("category", "project_id", "team_id", "site_id", "street", "channel")

    def _filters(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: params[k] for k in self.FILTERS}

    def windows(self, store: Store, anchors: dict[str, dict[str, Any]]) -> dict[str, list[dict]]:
        """console_windows for each set of parameters ({"now": params, "before": params})."""
        out = {}
        for label, p in anchors.items():
            spans = {
                name: (max(p[since], p["from_at"]), min(p[upto], p["to_at"]))
                for name, (since, upto) in _WINDOW_SPANS.items()
            }
            aligned = {k: ceil_minute(p[k]) for k in ("since_m5", "since_m15", "since_m30", "since_m60", "since_m180")}
            aligned |= {
                "since_day": ceil_minute(p["since_day"]),
                "from_at": ceil_minute(p["from_at"]),
                "to_at": floor_minute(p["to_at"]),
                "until": floor_minute(min(p["until"], p["to_at"])),
            }
            cells = {r["window"]: r for r in store.query("console_cells_windows", **aligned, **self._filters(p))}
            window_edges = {name: edges(*span) for name, span in spans.items()}
            found = _edge_rows(store, sorted({e for es in window_edges.values() for e in es}), self._filters(p))
            totals = {r: _edge_total(rows) for r, rows in found.items()}
            out[label] = [
                {
                    "window": name,
                    "total_fen": cells[name]["total_fen"] + sum(totals[e]["total_fen"] for e in window_edges[name]),
                    "donations": cells[name]["donations"] + sum(totals[e]["donations"] for e in window_edges[name]),
                }
                for name in _WINDOW_SPANS
            ]
        return out

    def breakdown(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, **filters: Any) -> list[dict]:
        """console_breakdown: money per (dim, key) in [from_at, to_at)."""
        inner_from, inner_to = whole_minutes(from_at, to_at)
        rows = store.query("console_cells_breakdown", from_at=inner_from, to_at=inner_to, **filters)
        merged = {(r["dim"], r["key"]): r for r in rows}
        for edge_rows in _edge_rows(store, edges(from_at, to_at), filters).values():
            for e in edge_rows:
                key = (e["dim"], e["key"])
                r = merged.setdefault(key, {"dim": e["dim"], "key": e["key"], **dict.fromkeys(_SUMMED, 0)})
                r.update({k: r[k] + e[k] for k in _SUMMED})
                r["last_gift_at"] = max((t for t in (r.get("last_gift_at"), e["last_gift_at"]) if t), default=None)
        return [merged[k] for k in sorted(merged)]

    def minutes(
        self, store: Store, from_at: dt.datetime, to_at: dt.datetime, unit: str, tz: dt.tzinfo, **filters: Any
    ) -> list[dict]:
        """console_minutes: money and 人次 per bar of `unit` in [from_at, to_at), bars in the zone `tz`."""
        inner_from, inner_to = whole_minutes(from_at, to_at)
        rows = store.query("console_cells_minutes", from_at=inner_from, to_at=inner_to, unit=unit, **filters)
        bars = {r["bar_at"]: r for r in rows}
        for (edge_from, _), edge_rows in _edge_rows(store, edges(from_at, to_at), filters).items():
            if not edge_rows:
                continue
            total = _edge_total(edge_rows)
            at = bar_of(edge_from, unit, tz)
            bar = bars.setdefault(at, {"bar_at": at, "amount_fen": 0, "matched_fen": 0, "donations": 0})
            bar["amount_fen"] += total["amount_fen"]
            bar["matched_fen"] += total["matched_fen"]
            bar["donations"] += total["gifts"]
        return [bars[k] for k in sorted(bars)]

    def latest(self, store: Store, from_at: dt.datetime, to_at: dt.datetime, limit_n: int, **filters: Any) -> list:
        """console_latest_gifts, reading the ledger only from the minute that holds the newest `limit_n` gifts."""
        inner_from, inner_to = whole_minutes(from_at, to_at)
        cutoff = store.query(
            "console_cells_latest_cutoff", from_at=inner_from, to_at=inner_to, limit_n=limit_n, **filters
        )[0]["cutoff_at"]
        start = max(from_at, cutoff) if cutoff else from_at
        return store.query("console_latest_gifts", from_at=start, to_at=to_at, limit_n=limit_n, **filters)


ROLLUPS = RollupRows()
LEDGER = LedgerRows()
