"""Leadership's summary: every figure of a day's or the whole event's report as of a moment (`scope.Scope`),
and the checks that they add up. A day's figures count the events of that day; its cumulative figures and the
goal table count everything up to the same moment. The same store and the same moment always give the same
report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from givingday import clock
from givingday.config import CHANNELS, Event
from givingday.console import volunteers
from givingday.console.volunteers import SiteRow
from givingday.forecast.model import Forecast, store_forecast
from givingday.labels import CATEGORIES, CHANNEL_NAMES, NO_CATEGORY, NO_SITE, NO_TEAM
from givingday.report.reconciliation import Reconciliation, from_rows
from givingday.report.scope import Scope, day_end, day_start, make_scope, month_day
from givingday.store.database import Store

TOP_N = 10
OUTSIDE_DAYS = "活动日以外"


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: money in fen, 人次, and what it belongs to (street, category, project)."""

    key: str | None
    name: str
    amount_fen: int
    matched_fen: int
    donations: int
    group: str | None = None
    goal_fen: int | None = None

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.matched_fen


@dataclass(frozen=True)
class Hour:
    start: dt.datetime  # local time
    amount_fen: int
    matched_fen: int
    donations: int

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.matched_fen


@dataclass(frozen=True)
class Day:
    day: dt.date | None  # None: events outside the event's days
    amount_fen: int
    matched_fen: int
    donations: int
    donors: int | None

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.matched_fen

    @property
    def label(self) -> str:
        return month_day(self.day) if self.day else OUTSIDE_DAYS


@dataclass(frozen=True)
class Goal:
    key: str
    name: str
    category: str | None
    goal_fen: int
    raised_fen: int  # everything up to the report's moment
    window_fen: int  # in the report's window (the day, or the same as raised_fen)

    @property
    def reached(self) -> bool:
        return self.raised_fen >= self.goal_fen


@dataclass(frozen=True)
class Figures:
    amount_fen: int
    matched_fen: int
    donations: int
    donors: int
    last_gift_at: dt.datetime | None
    median_gift_fen: Decimal | None
    events_after: int  # gifts, refunds and corrections later than the moment: not counted here

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.matched_fen

    @property
    def average_gift_fen(self) -> Decimal | None:
        """Public money per 人次 (matching is not what a donor gave)."""
        return Decimal(self.amount_fen) / Decimal(self.donations) if self.donations > 0 else None


@dataclass
class Report:
    scope: Scope
    is_demo: bool
    figures: Figures  # the window: the day, or the whole event
    cumulative: Figures  # everything up to the moment (the same as figures for the whole event)
    channels: list[Line]
    categories: list[Line]
    projects: list[Line]  # every project in the roster, the window's money
    project_teams: list[Line]  # per project (group) the teams it was raised through, 无队伍 as its own line;
    # a team that raised nothing appears under its own project
    teams: list[Line]  # every team in the roster, then 无队伍
    sites: list[Line]  # every site (group = street), then 无点位
    streets: list[Line]  # every street, then 无点位
    hours: list[Hour]
    days: list[Day]  # the event's days side by side (up to the moment), then any events outside them
    goals: list[Goal]  # every project with a goal
    reconciliation: Reconciliation | None = None  # the last comparison with the platform's totals, by the moment
    volunteer_sites: list[SiteRow] = field(default_factory=list)  # most raised per volunteer-hour, top 10
    problems: list[str] = field(default_factory=list)
    forecast: Forecast | None = None  # as of the report's moment, while the event runs

    @property
    def event(self) -> Event:
        return self.scope.event

    @property
    def active_teams(self) -> int:
        return sum(1 for t in self.teams if t.key is not None and t.donations > 0)

    @property
    def active_sites(self) -> int:
        return sum(1 for s in self.sites if s.key is not None and s.donations > 0)

    @property
    def days_begun(self) -> list[Day]:
        """The event's days that had begun by the report's moment (and the line for events outside them)."""
        return [d for d in self.days if d.day is None or day_start(self.event, d.day) < self.scope.until]

    @property
    def goals_reached(self) -> int:
        return sum(1 for g in self.goals if g.reached)

    @property
    def peak_hour(self) -> Hour | None:
        best = max(self.hours, key=lambda h: (h.total_fen, -h.start.timestamp()), default=None)
        return best if best is not None and best.total_fen > 0 else None

    def top(self, lines: list[Line], n: int = TOP_N) -> list[Line]:
        """The best named lines (no 无队伍/无点位), money first, then key: the same order every time."""
        named = [x for x in lines if x.key is not None and (x.total_fen or x.donations)]
        return sorted(named, key=lambda x: (-x.total_fen, x.key))[:n]


def _figures(row: dict[str, Any]) -> Figures:
    median = row["median_gift_fen"]
    return Figures(
        amount_fen=int(row["amount_fen"]),
        matched_fen=int(row["matched_fen"]),
        donations=int(row["donations"]),
        donors=int(row["donors"]),
        last_gift_at=row["last_gift_at"],
        median_gift_fen=None if median is None else Decimal(str(median)),
        events_after=int(row["events_after"]),
    )


def _line(r: dict[str, Any], name: str | None = None, group: str | None = None, goal: int | None = None) -> Line:
    return Line(
        r["key"], name or r["name"], int(r["amount_fen"]), int(r["matched_fen"]), int(r["donations"]), group, goal
    )


def _named_first(lines: list[Line]) -> list[Line]:
    """Named lines by money (then key), the catch-all line (key None) last."""
    named = sorted((x for x in lines if x.key is not None), key=lambda x: (-x.total_fen, x.key))
    return named + [x for x in lines if x.key is None]


def _sum_lines(key: str | None, name: str, lines: list[Line], group: str | None = None) -> Line:
    return Line(
        key,
        name,
        sum(x.amount_fen for x in lines),
        sum(x.matched_fen for x in lines),
        sum(x.donations for x in lines),
        group,
    )


def _hours(scope: Scope, rows: list[dict[str, Any]]) -> list[Hour]:
    """Every hour of the window up to the moment, zeros included, plus any hour with events outside it."""
    tz = scope.event.tz
    got = {r["period_at"].astimezone(tz): r for r in rows}
    start = scope.since or scope.event.starts_at
    end = day_end(scope.event, scope.day) if scope.day else scope.event.ends_at
    span = []
    t = start
    while t < min(end, scope.until):
        span.append(t)
        t = (t + dt.timedelta(hours=1)).astimezone(tz)
    hours = sorted(set(span) | set(got))
    zero = {"amount_fen": 0, "matched_fen": 0, "donations": 0}
    return [
        Hour(
            h,
            int(got.get(h, zero)["amount_fen"]),
            int(got.get(h, zero)["matched_fen"]),
            int(got.get(h, zero)["donations"]),
        )
        for h in hours
    ]


def _days(scope: Scope, rows: list[dict[str, Any]]) -> list[Day]:
    tz = scope.event.tz
    got = {r["period_at"].astimezone(tz).date(): r for r in rows}
    days = []
    for d in scope.event.day_list:
        r = got.pop(d, None)
        days.append(
            Day(d, int(r["amount_fen"]), int(r["matched_fen"]), int(r["donations"]), int(r["donors"]))
            if r
            else Day(d, 0, 0, 0, 0)
        )
    if got:  # events before or after the event's days: their own line, so the days add up
        rest = list(got.values())
        days.append(
            Day(
                None,
                sum(int(r["amount_fen"]) for r in rest),
                sum(int(r["matched_fen"]) for r in rest),
                sum(int(r["donations"]) for r in rest),
                None,
            )
        )
    return days


def build_report(store: Store, scope: Scope, is_demo: bool = False) -> Report:
    """Every figure of the report, read on one connection (one snapshot of the store)."""
    window = {"since": scope.since, "until": scope.until}
    everything = {"since": None, "until": scope.until}
    calls = {
        "totals": ("report_totals", window),
        "projects": ("totals_by_project", window),
        "project_teams": ("report_by_project_team", window),
        "teams": ("totals_by_team", window),
        "sites": ("totals_by_site", window),
        "channels": ("totals_by_channel", window),
        "hours": ("report_by_period", {**window, "period": "hour"}),
        "days": ("report_by_period", {**everything, "period": "day"}),
        "drift": ("report_drift_check", {"until": scope.until}),
    }
    if scope.day is not None:
        calls["cumulative"] = ("report_totals", everything)
        calls["cumulative_projects"] = ("totals_by_project", everything)
    rows = store.query_many(calls)
    figures = _figures(rows["totals"][0])
    cumulative = _figures(rows["cumulative"][0]) if scope.day is not None else figures

    projects = _named_first([_line(r, group=r["category"], goal=r["goal_fen"]) for r in rows["projects"]])
    project_names = {p.key: p.name for p in projects}
    project_teams = [
        Line(
            r["team_id"],
            r["team_name"],
            int(r["amount_fen"]),
            int(r["matched_fen"]),
            int(r["donations"]),
            r["project_id"],
        )
        for r in rows["project_teams"]
    ]
    seen = {x.key for x in project_teams}
    project_teams += [
        Line(r["key"], r["name"], 0, 0, 0, r["project_id"]) for r in rows["teams"] if r["key"] and r["key"] not in seen
    ]  # every team appears, one that raised nothing under its own project
    project_teams.sort(key=lambda x: (x.group, x.key is None, -x.total_fen, x.key or ""))
    teams = _named_first(
        [
            _line(
                r, name=r["name"] if r["key"] else NO_TEAM, group=project_names.get(r["project_id"]), goal=r["goal_fen"]
            )
            for r in rows["teams"]
        ]
    )
    sites = _named_first([_line(r, name=r["name"] if r["key"] else NO_SITE, group=r["street"]) for r in rows["sites"]])
    streets: dict[str, list[Line]] = {}
    for s in sites:
        if s.key is not None:
            streets.setdefault(s.group or "", []).append(s)
    street_lines = [_sum_lines(name, name, lines) for name, lines in streets.items()]
    no_site = [s for s in sites if s.key is None]
    if no_site:
        street_lines.append(_sum_lines(None, NO_SITE, no_site))
    street_lines = _named_first(street_lines)

    by_channel = {r["key"]: _line(r, name=CHANNEL_NAMES.get(r["key"], r["key"])) for r in rows["channels"]}
    channels = [by_channel.pop(c, Line(c, CHANNEL_NAMES[c], 0, 0, 0)) for c in CHANNELS] + list(by_channel.values())

    by_category: dict[str | None, list[Line]] = {}
    for p in projects:
        by_category.setdefault(p.group if p.group else None, []).append(p)
    known = [c for c in CATEGORIES] + sorted(c for c in by_category if c and c not in CATEGORIES)
    categories = [_sum_lines(c, c, by_category.get(c, [])) for c in known]
    if None in by_category:
        categories.append(_sum_lines(None, NO_CATEGORY, by_category[None]))

    raised = {
        r["key"]: int(r["amount_fen"]) + int(r["matched_fen"])
        for r in rows.get("cumulative_projects", rows["projects"])
    }
    goals = sorted(
        (Goal(p.key, p.name, p.group, p.goal_fen, raised[p.key], p.total_fen) for p in projects if p.goal_fen),
        key=lambda g: g.key,
    )
    report = Report(
        scope=scope,
        is_demo=is_demo,
        figures=figures,
        cumulative=cumulative,
        channels=channels,
        categories=categories,
        projects=projects,
        project_teams=project_teams,
        teams=teams,
        sites=sites,
        streets=street_lines,
        hours=_hours(scope, rows["hours"]),
        days=_days(scope, rows["days"]),
        goals=goals,
        reconciliation=from_rows(rows["drift"]),
        volunteer_sites=volunteers.top_sites(
            volunteers.sites(volunteers.site_hours(store, scope.event, scope.since, scope.until))
        ),
    )
    report.problems = discrepancies(report)
    f = store_forecast(store, scope.event, scope.until)
    report.forecast = f if f.state not in ("before", "over") else None
    return report


def report_for(store: Store, day: dt.date | None, until: dt.datetime | None = None) -> Report:
    """The report the page and the command line make: the board's event and clock, the default moment."""
    event, is_demo, now = clock.board_time(store.location, store.event)
    return build_report(store, make_scope(event, day, until, now), is_demo)


# ---------------------------------------------------------------------------------------------------------
# Everything adds up


def _money(x: Line | Hour | Day | Figures) -> tuple[int, int, int]:
    return x.amount_fen, x.matched_fen, x.donations


def _sum(items: list) -> tuple[int, int, int]:
    return (sum(x.amount_fen for x in items), sum(x.matched_fen for x in items), sum(x.donations for x in items))


def discrepancies(report: Report) -> list[str]:
    """Every breakdown against the headline, to the fen; an empty list when everything adds up."""
    want = _money(report.figures)
    problems = []
    for label, items in (
        ("项目", report.projects),
        ("队伍", report.teams),
        ("点位", report.sites),
        ("街道", report.streets),
        ("渠道", report.channels),
        ("类别", report.categories),
        ("分时", report.hours),
        ("项目×队伍", report.project_teams),
    ):
        got = _sum(items)
        if got != want:
            problems.append(f"{label}合计 {got} ≠ 总计 {want}")
    for p in report.projects:
        under = [x for x in report.project_teams if x.group == p.key]
        if _sum(under) != _money(p):
            problems.append(f"项目 {p.key} 的队伍合计 {_sum(under)} ≠ 项目 {_money(p)}")
    if _sum(report.days) != _money(report.cumulative):
        problems.append(f"分日合计 {_sum(report.days)} ≠ 累计 {_money(report.cumulative)}")
    if report.scope.day is not None:
        day = next(d for d in report.days if d.day == report.scope.day)
        if _money(day) != want:
            problems.append(f"当日 {_money(day)} ≠ 总计 {want}")
    return problems
