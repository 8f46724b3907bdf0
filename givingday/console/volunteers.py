"""Sites and volunteers: money and 人次 per volunteer-hour by site and clock hour, the sites short of hands, the
staffed sites that stay quiet, and the sites that raised most per volunteer-hour (the leadership report's list).

A shift counts for the minutes it lies inside the window asked, split over the clock hours it covers; its
volunteers times those minutes are its volunteer-minutes. A gift counts toward "per volunteer-hour" when its site
had someone on shift at some moment of the gift's clock hour (the hour's cell has volunteer-minutes); a gift at a
site and hour with nobody on shift is counted apart, as money given 无人值守 (unstaffed), never divided by zero.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from givingday.config import Event
from givingday.console import exports
from givingday.console.figures import EARLIEST, Filters
from givingday.money import format_yuan
from givingday.store.database import Store

# "Far above the rest": money per volunteer-hour at least this many times the median of the staffed sites.
SHORT_OF_HANDS_TIMES = 3
# "Quiet": 人次 per volunteer-hour below this share of the staffed sites' median.
QUIET_SHARE = 0.25
# A site needs this many volunteer-hours in the window to be judged at all (a half-hour shift proves nothing).
MIN_VOLUNTEER_HOURS = 2
TOP_N = 10
RULE_WORDS = (
    f"人手紧张：每志愿者小时善款达到有人值守点位中位数的 {SHORT_OF_HANDS_TIMES} 倍及以上；"
    f"有人值守但冷清：每志愿者小时人次不到中位数的 {QUIET_SHARE:.0%}。"
    f"只评有至少 {MIN_VOLUNTEER_HOURS} 志愿者小时的点位；某小时无人值守时的捐款另计，不参与每志愿者小时。"
    f" Short of hands: money per volunteer-hour at least {SHORT_OF_HANDS_TIMES}× the median of staffed sites; "
    f"quiet: 人次 per volunteer-hour below {QUIET_SHARE:.0%} of the median. Only sites with at least "
    f"{MIN_VOLUNTEER_HOURS} volunteer-hours are judged; gifts in an hour with nobody on shift are counted apart."
)


def per_hour_fen(fen: int, volunteer_minutes: int) -> int | None:
    """Fen per volunteer-hour, rounded half up to a whole fen; None with nobody on shift."""
    if volunteer_minutes <= 0:
        return None
    return (fen * 120 + volunteer_minutes) // (2 * volunteer_minutes)


def volunteer_minutes(
    shifts: list[dict], event: Event, since: dt.datetime, until: dt.datetime
) -> dict[tuple[str, dt.date, int], int]:
    """Volunteer-minutes per (site, day, clock hour) of the shifts' parts inside [since, until)."""
    out: dict[tuple[str, dt.date, int], int] = {}
    days = event.day_list
    for s in shifts:
        if s["day_number"] > len(days):
            continue
        midnight = dt.datetime.combine(days[s["day_number"] - 1], dt.time(0), event.tz)
        start = max(midnight + dt.timedelta(minutes=s["start_minute"]), since)
        end = min(midnight + dt.timedelta(minutes=s["end_minute"]), until)
        minute = round((start - midnight).total_seconds() / 60)
        last = round((end - midnight).total_seconds() / 60)
        while minute < last:
            hour_end = min(last, (minute // 60 + 1) * 60)
            key = (s["site_id"], midnight.date(), minute // 60)
            out[key] = out.get(key, 0) + (hour_end - minute) * s["volunteers"]
            minute = hour_end
    return out


def site_hours(store: Store, event: Event, since: dt.datetime | None, until: dt.datetime) -> pd.DataFrame:
    """One row per site, day and clock hour with money or volunteers in [since, until) (since None: from the
    start): total_fen (gifts and 配捐), donations (人次), volunteer_minutes, and per volunteer-hour (None with
    nobody on shift)."""
    got = store.query_many(
        {"gifts": ("sites_by_hour", {"since": since, "until": until}), "shifts": ("roster_shifts", {})}
    )
    cells: dict[tuple[str, dt.date, int], dict] = {}
    for r in got["gifts"]:
        key = (r["site_id"], r["day"], int(r["hour"]))
        cells[key] = {"total_fen": int(r["amount_fen"] + r["matched_fen"]), "donations": int(r["donations"])}
    for key, minutes in volunteer_minutes(got["shifts"], event, since or EARLIEST, until).items():
        cells.setdefault(key, {"total_fen": 0, "donations": 0})["volunteer_minutes"] = minutes
    names = {s["site_id"]: s["name"] for s in store.roster()["sites"]}
    rows = []
    for (site_id, day, hour), c in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        vm = c.get("volunteer_minutes", 0)
        rows.append(
            {
                "site_id": site_id,
                "name": names.get(site_id, site_id),
                "day": day,
                "hour": hour,
                "total_fen": c["total_fen"],
                "donations": c["donations"],
                "volunteer_minutes": vm,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["site_id", "name", "day", "hour", "total_fen", "donations", "volunteer_minutes"]
    )
    per = [per_hour_fen(fen, vm) for fen, vm in zip(frame["total_fen"], frame["volunteer_minutes"], strict=True)]
    frame["fen_per_volunteer_hour"] = pd.Series(per, index=frame.index, dtype=object)  # None, not NaN, when unstaffed
    return frame


@dataclass(frozen=True)
class SiteRow:
    site_id: str
    name: str
    total_fen: int  # given while someone was on shift (in a staffed clock hour)
    donations: int
    volunteer_minutes: int
    unstaffed_fen: int  # given at the site in hours with nobody on shift
    unstaffed_donations: int

    @property
    def volunteer_hours(self) -> float:
        return self.volunteer_minutes / 60

    @property
    def fen_per_volunteer_hour(self) -> int | None:
        return per_hour_fen(self.total_fen, self.volunteer_minutes)

    @property
    def donations_per_volunteer_hour(self) -> float | None:
        return self.donations * 60 / self.volunteer_minutes if self.volunteer_minutes else None


def sites(cells: pd.DataFrame) -> list[SiteRow]:
    """Each site's sums over the window, most money per volunteer-hour first, unstaffed sites last."""
    out = []
    for site_id, g in cells.groupby("site_id", sort=True):
        staffed = g["volunteer_minutes"] > 0
        out.append(
            SiteRow(
                site_id=str(site_id),
                name=str(g["name"].iloc[0]),
                total_fen=int(g.loc[staffed, "total_fen"].sum()),
                donations=int(g.loc[staffed, "donations"].sum()),
                volunteer_minutes=int(g["volunteer_minutes"].sum()),
                unstaffed_fen=int(g.loc[~staffed, "total_fen"].sum()),
                unstaffed_donations=int(g.loc[~staffed, "donations"].sum()),
            )
        )
    return sorted(out, key=lambda r: (r.fen_per_volunteer_hour is None, -(r.fen_per_volunteer_hour or 0), r.site_id))


@dataclass(frozen=True)
class Judged:
    short_of_hands: list[SiteRow]
    quiet: list[SiteRow]
    median_fen_per_volunteer_hour: int | None
    median_donations_per_volunteer_hour: float | None


def judge(rows: list[SiteRow]) -> Judged:
    """The sites far above the rest (short of hands) and the staffed sites that stay quiet, by the rule in
    RULE_WORDS."""
    judged = [r for r in rows if r.volunteer_minutes >= MIN_VOLUNTEER_HOURS * 60]
    if not judged:
        return Judged([], [], None, None)
    median_fen = statistics.median(r.fen_per_volunteer_hour for r in judged)
    median_gifts = statistics.median(r.donations_per_volunteer_hour for r in judged)
    short = [r for r in judged if r.total_fen and r.fen_per_volunteer_hour >= SHORT_OF_HANDS_TIMES * median_fen]
    quiet = [r for r in judged if r.donations_per_volunteer_hour < QUIET_SHARE * median_gifts]
    quiet.sort(key=lambda r: (r.donations_per_volunteer_hour, -r.volunteer_minutes, r.site_id))
    return Judged(short, quiet, round(median_fen), median_gifts)


def top_sites(rows: list[SiteRow], n: int = TOP_N) -> list[SiteRow]:
    """The sites that raised most per volunteer-hour (the leadership report's list)."""
    return [r for r in rows if r.total_fen > 0 and r.fen_per_volunteer_hour is not None][:n]


SITE_LABELS = {
    "name": "点位",
    "per_hour_fen": "每志愿者小时(元)",
    "donations_per_hour": "每志愿者小时人次",
    "total_fen": "值守时段善款(元)",
    "donations": "值守时段人次",
    "volunteer_hours": "志愿者小时",
    "unstaffed_fen": "无人值守时段善款(元)",
}


def site_table(rows: list[SiteRow]) -> pd.DataFrame:
    """Sites as the console lists them, labelled for the screen and a download alike."""
    return exports.table(
        [
            {
                "name": r.name,
                "per_hour_fen": r.fen_per_volunteer_hour,
                # a number with two places, shown and written as yuan are (a count's format would show 0.36 as 0)
                "donations_per_hour": Decimal(f"{r.donations_per_volunteer_hour or 0:.2f}"),
                "total_fen": r.total_fen,
                "donations": r.donations,
                "volunteer_hours": round(r.volunteer_hours, 1),
                "unstaffed_fen": r.unstaffed_fen,
            }
            for r in rows
        ],
        SITE_LABELS,
    )


@dataclass(frozen=True)
class ConsoleView:
    cells: pd.DataFrame
    sites: list[SiteRow]
    judged: Judged

    @property
    def has_shifts(self) -> bool:
        return bool(len(self.cells)) and int(self.cells["volunteer_minutes"].sum()) > 0


def console_view(store: Store, filters: Filters, event: Event, now: dt.datetime) -> ConsoleView:
    """The console's volunteers section within its day (and time range), up to the board's now; the other
    filters do not apply (a shift serves every project at its site)."""
    since, until = filters.time_range(event)
    cells = site_hours(store, event, since, min(until, now))
    rows = sites(cells)
    return ConsoleView(cells, rows, judge(rows))


HEATMAP_SITES = 30  # the heat map's rows: the sites with most volunteer-hours in the window


def heatmap(cells: pd.DataFrame) -> go.Figure:
    """Money per volunteer-hour by site (rows) and clock hour (columns, summed over the window's days); a blank
    cell had nobody on shift."""
    by = cells.groupby(["site_id", "name", "hour"], as_index=False)[["total_fen", "donations", "volunteer_minutes"]]
    grid = by.sum()
    hours = list(range(int(grid["hour"].min()), int(grid["hour"].max()) + 1)) if len(grid) else []
    busiest = grid.groupby(["site_id", "name"])["volunteer_minutes"].sum().nlargest(HEATMAP_SITES)
    names = [name for _, name in busiest.index][::-1]  # plotly draws the first row at the bottom
    at = {(r.name, r.hour): r for r in grid.itertuples(index=False)}
    z, text = [], []
    for name in names:
        z_row, text_row = [], []
        for hour in hours:
            r = at.get((name, hour))
            vm = int(r.volunteer_minutes) if r else 0
            fen, gifts = (int(r.total_fen), int(r.donations)) if r else (0, 0)
            per = per_hour_fen(fen, vm)
            z_row.append(None if per is None else per / 100)
            text_row.append(
                f"{name} {hour:02d}:00<br>"
                + (
                    f"每志愿者小时 {format_yuan(per)} · {gifts * 60 / vm:.1f} 人次<br>"
                    f"{vm / 60:.1f} 志愿者小时 · {format_yuan(fen)} · {gifts:,} 人次"
                    if per is not None
                    else f"无人值守 unstaffed · {format_yuan(fen)} · {gifts:,} 人次"
                )
            )
        z.append(z_row)
        text.append(text_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{h:02d}:00" for h in hours],
            y=names,
            text=text,
            hoverinfo="text",
            colorscale="YlOrRd",
            colorbar=dict(title="元/志愿者小时<br>yuan per<br>volunteer-hour"),
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        height=120 + 20 * len(names),
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(title="时段 Hour", type="category", side="top"),
        yaxis=dict(type="category", automargin=True),
    )
    return fig
