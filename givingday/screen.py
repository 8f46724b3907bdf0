"""The big screen's data: one snapshot of every figure a refresh needs, from the rollups.

A snapshot is built by `take_snapshot` (seven small queries) and shared by every open screen through the
board's cache, keyed by a two-second time bucket and the site, so 200 screens cost what one costs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from givingday import clock
from givingday.config import Event
from givingday.store import Store

TOP_N = 8
TICKER_N = 12
TICKER_WINDOW = dt.timedelta(minutes=30)
CHART_WINDOW = dt.timedelta(hours=1)
LARGE_GIFT_FEN = 100_000  # ¥1,000 and up is highlighted in the ticker


@dataclass
class Snapshot:
    now: dt.datetime  # the board's now (demo clock during a demo), UTC
    taken_at: dt.datetime  # real time the data was read, UTC
    event: Event
    is_demo: bool
    totals: dict[str, Any]
    projects: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    latest: list[dict[str, Any]]
    minutes: list[dict[str, Any]]
    site: dict[str, Any] | None = None
    site_teams: list[dict[str, Any]] = field(default_factory=list)

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(self.event.tz)

    @property
    def day_index(self) -> int | None:
        """0-based day of the event, or None outside it."""
        i = (self.local_now.date() - self.event.first_day).days
        return i if 0 <= i < self.event.days else None

    @property
    def is_stale(self) -> bool:
        last = self.totals.get("last_gift_at")
        if last is None:
            return True
        return (self.now - last).total_seconds() > self.event.stale_after_seconds

    def milestone_passed(self) -> int | None:
        """The highest configured milestone the total has reached, in fen."""
        passed = [m for m in self.event.milestones_fen if self.totals["total_fen"] >= m]
        return max(passed) if passed else None


def day_bounds(event: Event, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    local = moment.astimezone(event.tz).date()
    start = dt.datetime.combine(local, dt.time(0), event.tz)
    return start, start + dt.timedelta(days=1)


def take_snapshot(store: Store, now: dt.datetime | None = None, site_id: str | None = None) -> Snapshot:
    event = clock.effective_event(store.event, store.location)
    is_demo = clock.read_clock(store.location) is not None
    now = now or clock.now(store.location)
    day_start, day_end = day_bounds(event, now)
    minute = now.replace(second=0, microsecond=0)
    calls = {
        "totals": ("screen_totals", {"day_start": day_start, "day_end": day_end}),
        "projects": ("screen_top_projects", {"limit_n": TOP_N}),
        "teams": ("screen_top_teams", {"limit_n": TOP_N, "site_id": site_id}),
        "sites": ("screen_top_sites", {"limit_n": 200}),
        "latest": (
            "screen_latest_gifts",
            {"since": now - TICKER_WINDOW, "until": now, "limit_n": TICKER_N, "site_id": site_id},
        ),
        "minutes": ("screen_minutes", {"since": minute - CHART_WINDOW, "until": minute + dt.timedelta(minutes=1)}),
    }
    if site_id:
        calls["site"] = ("screen_site", {"site_id": site_id})
    rows = store.query_many(calls)
    snap = Snapshot(
        now=now,
        taken_at=dt.datetime.now(dt.UTC),
        event=event,
        is_demo=is_demo,
        totals=rows["totals"][0],
        projects=rows["projects"],
        teams=rows["teams"],
        sites=rows["sites"],
        latest=rows["latest"],
        minutes=rows["minutes"],
    )
    if site_id:
        snap.site = rows["site"][0] if rows["site"] else None
    return snap
