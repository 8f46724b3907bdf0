"""What needs an organizer's eye: quiet sites, idle teams, data that stopped flowing, look-alike gifts.

The thresholds are the event's `[console]` settings (data/event.toml). Times are the board's (the demo's
clock during a demo), so a demo giving day raises the same alerts a real one would.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from givingday import clock
from givingday.config import Event
from givingday.store.database import Store

RECENT_IMPORTS = 30
FAILED_FILES = 50


def in_active_hours(event: Event, now: dt.datetime) -> bool:
    t = now.astimezone(event.tz).time()
    return event.console.active_from <= t < event.console.active_until


def quiet_minutes_asked(asked: str, event: Event) -> int:
    """The quiet-site threshold a page's URL asks for (`?quiet=45`), held to 1–600; the event's own otherwise."""
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 6:  # '²' and '٣' are digits to str.isdigit
        return event.console.quiet_site_minutes
    return max(1, min(600, int(asked)))


def day_range(event: Event, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(now.astimezone(event.tz).date(), dt.time(0), event.tz)
    return start, start + dt.timedelta(days=1)


def quiet_sites(sites_today: list[dict[str, Any]], event: Event, now: dt.datetime, minutes: int) -> list[dict]:
    """Sites whose newest gift today is older than `minutes` (or that have none today), quietest first."""
    out = []
    for s in sites_today:
        last = s["last_gift_at"]
        quiet_for = None if last is None else (now - last).total_seconds() / 60
        if quiet_for is None or quiet_for > minutes:
            out.append({**s, "quiet_minutes": None if quiet_for is None else int(quiet_for)})
    return sorted(out, key=lambda s: (s["quiet_minutes"] is not None, -(s["quiet_minutes"] or 0), s["key"]))


def idle_teams(teams_today: list[dict[str, Any]]) -> list[dict]:
    return [t for t in teams_today if t["donations"] <= 0 and t["key"] != ""]


@dataclass
class DataFlow:
    last_file_at: dt.datetime | None  # when the newest file was imported, on the board's clock
    minutes_since_last_file: float | None
    imports: list[dict[str, Any]]  # recent imports with the lag of their newest gift, in minutes
    failed_files: list[dict[str, Any]]

    @property
    def median_lag_minutes(self) -> float | None:
        """The middle lag of the newest ten imports (the upper one of an even count); None before any import."""
        lags = sorted(i["lag_minutes"] for i in self.imports[:10])
        return lags[len(lags) // 2] if lags else None

    def is_stalled(self, event: Event) -> bool:
        """No new file for longer than the event lets data be stale."""
        since = self.minutes_since_last_file
        return since is not None and since > event.stale_after_seconds / 60


def data_flow(store: Store, now_real: dt.datetime | None = None) -> DataFlow:
    """Recent imports and how late they brought their gifts; files that could not be imported.

    A gift's time is on the board's clock and an import's (or a failed file's) on the real one; during a demo
    those are moved onto the demo's clock, to be compared and shown on one clock."""
    now_real = now_real or dt.datetime.now(dt.UTC)
    demo = clock.read_clock(store.location)

    def board_time(real: dt.datetime) -> dt.datetime:
        return real if demo is None else demo.on_board(real)

    imports = []
    for r in store.query("alerts_import_lag", limit_n=RECENT_IMPORTS):
        started = board_time(r["started_at"])
        lag = (started - r["newest_gift_at"]).total_seconds() / 60
        imports.append({**r, "started_at": started, "lag_minutes": round(lag, 1)})
    recent = store.query("imports_recent", limit_n=1)
    last = recent[0]["started_at"] if recent else None
    return DataFlow(
        last_file_at=None if last is None else board_time(last),
        minutes_since_last_file=None if last is None else (now_real - last).total_seconds() / 60,
        imports=imports,
        failed_files=[
            {**f, "failed_at": board_time(f["failed_at"])} for f in failed_files(store.inbox.parent / "failed")
        ],
    )


def failed_files(folder: Path, limit: int = FAILED_FILES) -> list[dict[str, Any]]:
    """The inbox's failed files, newest first, with the reason from each one's report."""
    if not folder.exists():
        return []
    reports = sorted(folder.glob("*.report.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    out = []
    for p in reports:
        try:
            report = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}
        out.append(
            {
                "file_name": p.name.removesuffix(".report.json"),
                "failed_at": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC),
                "outcome": report.get("outcome", "?"),
                "message": report.get("message") or "",
            }
        )
    return out


def possible_duplicates(store: Store, event: Event, now: dt.datetime, limit: int = 200) -> list[dict[str, Any]]:
    start, end = day_range(event, now)
    return store.query(
        "alerts_possible_duplicates",
        from_at=start,
        to_at=end,
        within_seconds=event.console.duplicate_within_seconds,
        limit_n=limit,
    )


def large_gifts(store: Store, event: Event, now: dt.datetime, limit: int = 100) -> list[dict[str, Any]]:
    start, end = day_range(event, now)
    return store.query(
        "alerts_large_gifts", from_at=start, to_at=end, min_fen=event.console.large_gift_fen, limit_n=limit
    )


def figures(store: Store, event: Event, now: dt.datetime) -> dict[str, Any]:
    """Everything the alerts page shows, read once and shared by every open alerts page (screens and pages cost
    the database once, not once per viewer):
    today's site and team tables (one breakdown query), the data flow, look-alike and large gifts."""
    from givingday.console import figures as console

    today = console.breakdown(store, console.Filters(day=now.astimezone(event.tz).date()), event, store.roster())
    sites = today["site"]
    return {
        "sites_today": sites[sites["key"] != ""].to_dict("records"),
        "teams_today": today["team"].to_dict("records"),
        "flow": data_flow(store),
        "duplicates": possible_duplicates(store, event, now),
        "large": large_gifts(store, event, now),
    }
