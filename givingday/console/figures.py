"""The organizers' console: its filters, and every figure it shows, computed here so the page only draws.

The filters live in the page's URL (`?day=2020-09-07&project=P001`), so a view can be shared. Every
figure on the console obeys them: the tables, the chart, the map and the rolling windows. The windows end
at the board's now, or at the end of the chosen range when that is earlier, and each is shown beside the
same window one day before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from givingday.config import CHANNELS, Event
from givingday.console.rollup_figures import ROLLUPS, LedgerRows
from givingday.labels import CHANNEL_NAMES, NO_SITE, NO_STREET, NO_TEAM
from givingday.money import goal_share
from givingday.store.database import Store

WINDOWS = (
    ("m5", "近5分钟", 5),
    ("m15", "近15分钟", 15),
    ("m30", "近30分钟", 30),
    ("m60", "近60分钟", 60),
    ("m180", "近180分钟", 180),
    ("day", "当日", None),
    ("event", "全程", None),
)
DIMS = ("project", "team", "site", "street")
LATEST_N = 50
# "The whole event" is everything in the store, so its figures equal `givingday totals` even when a refund
# is booked after the last day.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# The chart's bars: at most five days of minutes; a longer span is drawn by the hour, then by the day.
_TIME_SHAPED = re.compile(r"\d:\d")  # a URL's time as someone may have typed it, readable or not ("25:99")
CHART_BARS = 5 * 24 * 60
CHART_UNITS = {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}
_FREQ = {"minute": "min", "hour": "h", "day": "D"}


@dataclass(frozen=True)
class Filters:
    """What the console is looking at. None means "all"; a time range applies within the chosen day."""

    day: dt.date | None = None
    from_time: dt.time | None = None
    to_time: dt.time | None = None
    category: str | None = None
    project_id: str | None = None
    team_id: str | None = None
    site_id: str | None = None
    street: str | None = None
    channel: str | None = None

    URL_KEYS = {
        "day": "day",
        "from_time": "from",
        "to_time": "to",
        "category": "category",
        "project_id": "project",
        "team_id": "team",
        "site_id": "site",
        "street": "street",
        "channel": "channel",
    }

    @classmethod
    def from_params(cls, params: Mapping[str, str], event: Event, roster: dict[str, list[dict]]) -> Filters:
        """Read the URL's filters, keeping only values that mean something here (a shared link may be old)."""

        def get(field: str) -> str | None:
            v = params.get(cls.URL_KEYS[field])
            return v.strip() if isinstance(v, str) and v.strip() else None

        def one_of(field: str, allowed: set[str]) -> str | None:
            v = get(field)
            return v if v in allowed else None

        def time_of(field: str) -> dt.time | None:
            try:
                return dt.time.fromisoformat(get(field) or "")
            except ValueError:
                return None

        day = next((d for d in event.day_list if d.isoformat() == get("day")), None)
        category = one_of("category", {p["category"] for p in roster["projects"] if p["category"]})
        in_category = {p["project_id"] for p in roster["projects"] if category in (None, p["category"])}
        return cls(
            day=day,
            from_time=time_of("from_time") if day else None,
            to_time=time_of("to_time") if day else None,
            category=category,
            project_id=one_of("project_id", in_category),
            team_id=one_of("team_id", {t["team_id"] for t in roster["teams"]}),
            site_id=one_of("site_id", {s["site_id"] for s in roster["sites"]}),
            street=one_of("street", {s["street"] for s in roster["sites"]}),
            channel=one_of("channel", set(CHANNELS)),
        )

    def dropped(self, params: Mapping[str, str]) -> dict[str, str]:
        """What the URL `params` said that these filters do not hold, {URL key: value as given}: a day outside the
        event, an unknown or ruled-out project, team, site, street or channel, an unreadable time or one without a
        day. A page names them, so the figure shown is not taken for the link's. A `from` that is no time at all is
        not a filter anyone chose: WeChat adds `from=singlemessage` (or groupmessage, timeline) to a link it shares."""
        return {
            key: v.strip()
            for field, key in self.URL_KEYS.items()
            if isinstance(v := params.get(key), str)
            and v.strip()
            and getattr(self, field) is None
            and (not field.endswith("_time") or _TIME_SHAPED.search(v))
        }

    @classmethod
    def from_choices(cls, chosen: Mapping[str, Any]) -> Filters:
        """The sidebar's choices ("" or None = all; the day as ISO text); a time range only within a day."""
        values = {field: chosen.get(field) or None for field in cls.URL_KEYS}
        if values["day"] is None:
            values["from_time"] = values["to_time"] = None
        else:
            values["day"] = dt.date.fromisoformat(values["day"])
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        out = {}
        for field, key in self.URL_KEYS.items():
            v = getattr(self, field)
            if v is not None:
                out[key] = v.strftime("%H:%M") if isinstance(v, dt.time) else str(v)
        return out

    def sql_params(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in ("category", "project_id", "team_id", "site_id", "street", "channel")}

    def time_range(self, event: Event) -> tuple[dt.datetime, dt.datetime]:
        if self.day is None:
            return EARLIEST, LATEST
        start = dt.datetime.combine(self.day, dt.time(0), event.tz)
        end = start + dt.timedelta(days=1)
        if self.from_time:
            start = dt.datetime.combine(self.day, self.from_time, event.tz)
        if self.to_time and self.to_time > (self.from_time or dt.time(0)):
            end = dt.datetime.combine(self.day, self.to_time, event.tz)
        return start, end

    def is_narrowed(self) -> bool:
        return any(v is not None for v in self.sql_params().values())


def filter_choices(event: Event, roster: dict[str, list[dict]], chosen: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """What each filter of the sidebar offers, {field: {value: label}}, given what is chosen ("" = all): a category
    narrows the projects, a project the teams, a street the sites; a choice ruled out above counts as ""."""

    def kept(field: str) -> str:
        return chosen.get(field) if chosen.get(field) in out[field] else ""

    days = [d.isoformat() for d in event.day_list]
    out = {
        "day": {d: f"{d[5:7]}月{d[8:]}日 第{i}天" for i, d in enumerate(days, start=1)},
        "category": {c: c for c in sorted({p["category"] for p in roster["projects"] if p["category"]})},
        "street": {s: s for s in sorted({s["street"] for s in roster["sites"]})},
        "channel": dict(CHANNEL_NAMES),
    }
    category, street = kept("category"), kept("street")
    out["project_id"] = {
        p["project_id"]: f"{p['project_id']} {p['name']}" for p in roster["projects"] if category in ("", p["category"])
    }
    project = kept("project_id")
    out["team_id"] = {
        t["team_id"]: f"{t['team_id']} {t['name']}" for t in roster["teams"] if project in ("", t["project_id"])
    }
    out["site_id"] = {
        s["site_id"]: f"{s['site_id']} {s['name']}" for s in roster["sites"] if street in ("", s["street"])
    }
    return out


def anchor(filters: Filters, event: Event, now: dt.datetime) -> dt.datetime:
    """Where the rolling windows end: now, or the end of the chosen range when that is earlier."""
    return min(now, filters.time_range(event)[1])


def goal_fen(filters: Filters, roster: dict[str, list[dict]], event: Event) -> int | None:
    """The goal that matches the filters: the event's, a project's, a team's, or the sum under a category,
    site or street. None when no goal applies (a channel)."""
    if filters.channel:
        return None
    if filters.team_id:
        return next((t["goal_fen"] for t in roster["teams"] if t["team_id"] == filters.team_id), None)
    if filters.project_id:
        return next((p["goal_fen"] for p in roster["projects"] if p["project_id"] == filters.project_id), None)
    if filters.category:
        return sum(p["goal_fen"] or 0 for p in roster["projects"] if p["category"] == filters.category) or None
    if filters.site_id or filters.street:
        sites = {
            s["site_id"]
            for s in roster["sites"]
            if s["site_id"] == filters.site_id or (filters.street and s["street"] == filters.street)
        }
        return sum(t["goal_fen"] or 0 for t in roster["teams"] if t["site_id"] in sites) or None
    return event.goal_fen


def _window_params(event: Event, until: dt.datetime) -> dict[str, dt.datetime]:
    day_start = dt.datetime.combine(until.astimezone(event.tz).date(), dt.time(0), event.tz)
    if until == day_start:  # a range ending at midnight belongs to the day before
        day_start -= dt.timedelta(days=1)
    p = {f"since_{key}": until - dt.timedelta(minutes=m) for key, _, m in WINDOWS if m}
    return {
        **p,
        "until": until,
        "since_day": day_start,
        "from_at": EARLIEST,
        "to_at": day_start + dt.timedelta(days=1),
    }


def windows(store: Store, filters: Filters, event: Event, now: dt.datetime, read: LedgerRows = ROLLUPS) -> dict:
    """The rolling windows up to the anchor and the same windows a day before."""
    until = anchor(filters, event, now)
    day = dt.timedelta(days=1)
    now_p = _window_params(event, until)
    before_p = {k: v - day for k, v in now_p.items()}
    before_p["from_at"] = EARLIEST
    rows = read.windows(
        store, {"now": {**now_p, **filters.sql_params()}, "before": {**before_p, **filters.sql_params()}}
    )
    cur, prev = ({r["window"]: r for r in rows[k]} for k in ("now", "before"))
    first_day = until.astimezone(event.tz).date() == event.first_day or until <= event.starts_at + day
    table = [
        {
            "key": key,
            "label": label,
            "total_fen": cur[key]["total_fen"],
            "donations": cur[key]["donations"],
            "before_fen": None if first_day else prev[key]["total_fen"],
            "before_donations": None if first_day else prev[key]["donations"],
        }
        for key, label, _ in WINDOWS
    ]
    return {
        "until": until,
        "first_day": first_day,
        "rows": table,
        "day_before_full_fen": None if first_day else prev["day_full"]["total_fen"],
        "day_start": now_p["since_day"],
        "day_end": now_p["to_at"],
    }


@dataclass(frozen=True)
class Pace:
    today_fen: int
    at_rate_fen: int  # where today ends if the last hour's rate holds for the rest of the day
    by_yesterday_fen: int | None  # where today ends if it keeps yesterday's shape
    event_so_far_fen: int
    goal_fen: int | None
    day_goal_fen: int | None

    @property
    def event_at_rate_fen(self) -> int:
        """Where the event stands at the end of today if the last hour's rate holds (its share of the goal, as
        every share of a goal, is shown cut down: `money.format_goal_share`)."""
        return self.event_so_far_fen + self.at_rate_fen - self.today_fen


def pace(w: dict[str, Any], goal: int | None, event: Event) -> Pace:
    rows = {r["key"]: r for r in w["rows"]}
    today = rows["day"]["total_fen"]
    minutes_left = max(0.0, (w["day_end"] - w["until"]).total_seconds() / 60)
    at_rate = today + round(rows["m60"]["total_fen"] / 60 * minutes_left)
    by_yesterday = None
    before_same_time = rows["day"]["before_fen"]
    if w["day_before_full_fen"] and before_same_time:
        by_yesterday = round(w["day_before_full_fen"] * today / before_same_time)
    return Pace(
        today, at_rate, by_yesterday, rows["event"]["total_fen"], goal, None if goal is None else goal // event.days
    )


def matching_today(store: Store, event: Event, now: dt.datetime) -> dict[str, Any]:
    """Today's matching pool (for the whole event, whatever the filters: the pool is shared)."""
    day_start = dt.datetime.combine(now.astimezone(event.tz).date(), dt.time(0), event.tz)
    row = store.query("console_matching_day", day_start=day_start, until=now, pool_fen=event.matching.daily_pool_fen)[0]
    opens_at = dt.datetime.combine(day_start.date(), event.matching.daily_start, event.tz)
    pool = event.matching.daily_pool_fen
    return {
        "pool_fen": pool,
        "used_fen": row["used_fen"],
        "used_share": row["used_fen"] / pool if pool else 0,
        "left_fen": max(0, pool - row["used_fen"]),
        "opens_at": opens_at,
        "is_open": now >= opens_at and row["used_fen"] < pool,
        "ran_out_at": row["ran_out_at"],
    }


def _goal_by_site(roster: dict[str, list[dict]]) -> dict[str, int]:
    goals: dict[str, int] = {}
    for t in roster["teams"]:
        if t["site_id"] and t["goal_fen"]:
            goals[t["site_id"]] = goals.get(t["site_id"], 0) + t["goal_fen"]
    return goals


def breakdown(
    store: Store, filters: Filters, event: Event, roster: dict[str, list[dict]], read: LedgerRows = ROLLUPS
) -> dict[str, pd.DataFrame]:
    """The four tables (project, team, site, street): every roster row that the filters allow, with its money
    in the range, its goal, its share of the goal and its last gift; "no team" / "no site" as rows of their own."""
    start, end = filters.time_range(event)
    rows = read.breakdown(store, start, end, **filters.sql_params())
    money: dict[str, dict[str, dict]] = {d: {} for d in DIMS}
    for r in rows:
        epoch = r.pop("last_gift_epoch")
        r["last_gift_at"] = None if epoch is None else dt.datetime.fromtimestamp(epoch, event.tz)
        money[r["dim"]][r["key"]] = r
    projects = {p["project_id"]: p for p in roster["projects"]}
    sites = {s["site_id"]: s for s in roster["sites"]}
    site_goals = _goal_by_site(roster)
    street_goals: dict[str, int] = {}
    for sid, g in site_goals.items():
        street_goals[sites[sid]["street"]] = street_goals.get(sites[sid]["street"], 0) + g

    def allowed_project(pid: str) -> bool:
        p = projects[pid]
        return (filters.project_id in (None, pid)) and (filters.category in (None, p["category"]))

    def allowed_site(sid: str) -> bool:
        return filters.site_id in (None, sid) and filters.street in (None, sites[sid]["street"])

    listed = {
        "project": [
            (p["project_id"], p["name"], p["goal_fen"], {"category": p["category"] or ""})
            for p in roster["projects"]
            if allowed_project(p["project_id"])
        ],
        "team": [
            (
                t["team_id"],
                t["name"],
                t["goal_fen"],
                {
                    "project": projects[t["project_id"]]["name"],
                    "site": sites[t["site_id"]]["name"] if t["site_id"] else "",
                },
            )
            for t in roster["teams"]
            if filters.team_id in (None, t["team_id"])
            and allowed_project(t["project_id"])
            and (not (filters.site_id or filters.street) or (t["site_id"] and allowed_site(t["site_id"])))
        ],
        "site": [
            (s["site_id"], s["name"], site_goals.get(s["site_id"]), {"street": s["street"]})
            for s in roster["sites"]
            if allowed_site(s["site_id"])
        ],
        "street": [
            (st, st, street_goals.get(st), {})
            for st in sorted({s["street"] for s in roster["sites"]})
            if filters.street in (None, st) and (filters.site_id is None or sites[filters.site_id]["street"] == st)
        ],
    }
    none_names = {"team": f"（{NO_TEAM}）", "site": f"（{NO_SITE}）", "street": f"（{NO_STREET}）"}
    names = {
        "project": {k: p["name"] for k, p in projects.items()},
        "site": {k: s["name"] for k, s in sites.items()},
        "team": {t["team_id"]: t["name"] for t in roster["teams"]},
        "street": {},
    }
    out = {}
    for dim in DIMS:
        records = []
        seen = set()
        for key, name, goal, extra in listed[dim]:
            seen.add(key)
            records.append(_record(key, name, goal, extra, money[dim].get(key)))
        for key, r in money[dim].items():  # money outside the listed rows: "no team" and the like
            if key not in seen:
                name = none_names[dim] if key == "" else names[dim].get(key, key)
                records.append(_record(key, name, None, {}, r))
        # most money first, then by key (code points, as a frame sorts text): sorted here, where a few hundred rows
        # sort in a tenth of a millisecond; a frame's sort by two columns costs milliseconds each table
        records.sort(key=lambda r: (-r["total_fen"], r["key"]))
        out[dim] = pd.DataFrame.from_records(records, columns=_COLUMNS[dim])
    return out


_MONEY_COLUMNS = ["goal_fen", "total_fen", "amount_fen", "matched_fen", "donations", "share_of_goal", "last_gift_at"]
_COLUMNS = {
    "project": ["key", "name", "category", *_MONEY_COLUMNS],
    "team": ["key", "name", "project", "site", *_MONEY_COLUMNS],
    "site": ["key", "name", "street", *_MONEY_COLUMNS],
    "street": ["key", "name", *_MONEY_COLUMNS],
}


def _record(key: str, name: str, goal: int | None, extra: dict, r: dict | None) -> dict[str, Any]:
    amount = r["amount_fen"] if r else 0
    matched = r["matched_fen"] if r else 0
    total = amount + matched
    return {
        "key": key,
        "name": name,
        **extra,
        "goal_fen": goal,
        "total_fen": total,
        "amount_fen": amount,
        "matched_fen": matched,
        "donations": r["donations"] if r else 0,
        "share_of_goal": float(goal_share(total, goal, 4)) if goal else None,  # shown as 99.99% at most, unreached
        "last_gift_at": r["last_gift_at"] if r else None,
    }


def chart_span(filters: Filters, event: Event) -> tuple[dt.datetime, dt.datetime, str]:
    """The chart's window and its bar: the range asked, within the event's days and margin (a gift dated years
    away is in the totals, not in the chart); by the minute up to CHART_BARS of them, else by the hour, else by
    the day, keeping the latest CHART_BARS. So the chart never grows with the span of the data."""
    start, end = filters.time_range(event)
    start, end = max(start, event.takes_from), min(end, event.takes_until)
    unit = next((u for u, step in CHART_UNITS.items() if end - start <= step * CHART_BARS), "day")
    return max(start, end - CHART_UNITS[unit] * CHART_BARS), end, unit


def minutes(store: Store, filters: Filters, event: Event, read: LedgerRows = ROLLUPS) -> pd.DataFrame:
    """Money and 人次 per bar of `chart_span` (at most CHART_BARS rows); bars without a gift are zeros."""
    start, end, unit = chart_span(filters, event)
    rows = read.minutes(store, start, end, unit, event.tz, **filters.sql_params()) if start < end else []
    epochs = np.array([r["bar_epoch_s"] for r in rows], dtype="int64")
    bar_at = pd.to_datetime(epochs, unit="s", utc=True).tz_convert(event.timezone)
    every = pd.date_range(bar_at.min(), bar_at.max(), freq=_FREQ[unit]) if len(rows) else bar_at
    # quiet bars are zeros, not gaps a line would bridge: each row's money put at its bar's place among every bar
    # (column by column: a few thousand dicts made into a frame and reindexed cost several times as much)
    place = every.get_indexer(bar_at)
    kept = place >= 0  # a bar off the unit's grid (none is) is left out, as a reindex leaves it
    frame = pd.DataFrame({"bar_at": every})
    for column in ("amount_fen", "matched_fen", "donations"):
        values = np.zeros(len(every), dtype="int64")
        values[place[kept]] = np.array([r[column] for r in rows], dtype="int64")[kept]
        frame[column] = values
    frame["total_fen"] = frame["amount_fen"] + frame["matched_fen"]
    return frame


def latest_gifts(
    store: Store, filters: Filters, event: Event, roster: dict, limit: int = LATEST_N, read: LedgerRows = ROLLUPS
) -> pd.DataFrame:
    start, end = filters.time_range(event)
    rows = read.latest(store, start, end, limit, **filters.sql_params())
    names = {
        **{p["project_id"]: p["name"] for p in roster["projects"]},
        **{t["team_id"]: t["name"] for t in roster["teams"]},
        **{s["site_id"]: s["name"] for s in roster["sites"]},
    }
    return pd.DataFrame.from_records(
        [
            {
                **r,
                "project": names.get(r["project_id"], r["project_id"]),
                "team": names.get(r["team_id"] or "", ""),
                "site": names.get(r["site_id"] or "", ""),
            }
            for r in rows
        ],
        columns=[
            *("donation_id", "occurred_at", "donor_name_masked", "amount_fen", "matched_fen", "project", "team"),
            *("site", "channel", "source_file", "adjustments", "is_refunded", "project_id", "team_id", "site_id"),
        ],
    )


def figures(store: Store, filters: Filters, event: Event, now: dt.datetime, read: LedgerRows = ROLLUPS) -> dict:
    """Every figure the console shows for one set of filters: from the rollup cells (`read=LEDGER`: the ledger)."""
    roster = store.roster()
    w = windows(store, filters, event, now, read)
    tables = breakdown(store, filters, event, roster, read)
    return {
        "windows": w,
        "pace": pace(w, goal_fen(filters, roster, event), event),
        "matching": matching_today(store, event, now),
        "tables": tables,
        "range_total_fen": int(tables["project"]["total_fen"].sum()),
        "range_donations": int(tables["project"]["donations"].sum()),
        "minutes": minutes(store, filters, event, read),
        "chart": chart_span(filters, event),
        "latest": latest_gifts(store, filters, event, roster, read=read),
    }
