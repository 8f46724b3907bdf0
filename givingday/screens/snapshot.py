"""The big screen's data: one snapshot of every figure a refresh needs, from the rollups.

Snapshots are built by `take_snapshots` (two small queries for the district and every watched site at once, at times
three: `_tickers`) and shared by every open screen through the screen feed, so 500 screens cost what one costs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from givingday import clock
from givingday.config import Event
from givingday.forecast.model import Forecast, store_forecast
from givingday.screens import moments
from givingday.store.database import Reader, Store

TOP_N = 8
TICKER_N = 12
TICKER_WINDOW = dt.timedelta(minutes=10)
TICKER_FIRST = dt.timedelta(minutes=1)  # a busy hour's tickers ask this much first (`_tickers`)
CHART_WINDOW = dt.timedelta(hours=1)
TICKER_COLUMNS = ("occurred_at", "donor_name_masked", "amount_fen", "matched_fen", "channel", "message")


@dataclass
class Snapshot:
    now: dt.datetime  # the board's now (demo clock during a demo), UTC
    taken_at: dt.datetime  # real time the data was read, UTC
    figures_at: dt.datetime | None  # real time up to which the figures are the store's (a standby lags); None: unknown
    event: Event
    is_demo: bool
    totals: dict[str, Any]
    projects: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    latest: list[dict[str, Any]]
    minutes: list[dict[str, Any]]
    site: dict[str, Any] | None = None
    forecast: Forecast | None = None  # only when the event's [forecast] on_screens says so
    goals: dict[str, str] = field(default_factory=dict)  # goal moment key -> the name, of goals reached here

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

    def figures_age(self, at: dt.datetime | None = None) -> float | None:
        """Seconds the figures are behind the store at `at` (real time; the moment they were read unless given), or
        None when nobody can tell: a feed that stopped taking snapshots, or a standby that lags, ages them."""
        if self.figures_at is None:
            return None
        return max(0.0, ((at or self.taken_at) - self.figures_at).total_seconds())

    def figures_old(self, at: dt.datetime | None = None) -> bool:
        """Older than the event lets a screen's figures be, whatever the cause (or of unknown age)."""
        age = self.figures_age(at)
        return age is None or age > self.event.stale_after_seconds

    def goals_reached(self) -> list[str]:
        """The goal moments this screen may show (`screens.moments`): its projects and teams at their goal."""
        return list(self.goals)

    def milestone_passed(self) -> int | None:
        """The highest configured milestone the total has reached, in fen."""
        passed = [m for m in self.event.milestones_fen if self.totals["total_fen"] >= m]
        return max(passed) if passed else None


def day_bounds(event: Event, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    local = moment.astimezone(event.tz).date()
    start = dt.datetime.combine(local, dt.time(0), event.tz)
    return start, start + dt.timedelta(days=1)


def _at(epoch: int | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _ranked(
    rows: Iterable[dict[str, Any]], limit: int, money: Callable[[dict[str, Any]], int] = itemgetter("total_fen")
) -> list[dict[str, Any]]:
    """The `limit` rows with the most money (gifts and matching), ties by key, rows with neither a gift nor money
    left out: a screen's rows, or the rollup rows they are made from (`money=_rollup_money`), ranked first so that
    only the rows shown are made."""
    kept = [r for r in rows if r["donations"] or money(r)]
    return sorted(kept, key=lambda r: (-money(r), r["key"]))[:limit]


def _rollup_money(r: dict[str, Any]) -> int:
    return r["amount_fen"] + r["matched_fen"]


def _known(by_dim: dict[str, dict[str, dict[str, Any]]], dim: str, roster: dict[str, Any]) -> list[dict[str, Any]]:
    """The rollup rows of `dim` whose key the roster knows."""
    return [r for key, r in by_dim.get(dim, {}).items() if key in roster]


def _goals_reached(
    by_dim: dict[str, dict[str, dict[str, Any]]], projects: dict[str, dict], teams: dict[str, dict]
) -> dict[str | None, dict[str, str]]:
    """The goal moments each screen may show, {site or None: {moment key: name}}: the district's every project and
    team whose money (public gifts and matching) has reached its goal; a site's, its teams'."""
    goals_at: dict[str | None, dict[str, str]] = {None: {}}
    for dim, roster in (("project", projects), ("team", teams)):
        for key, r in sorted(by_dim.get(dim, {}).items()):
            named = roster.get(key)
            if named is None or not (named["goal_fen"] or 0) > 0:
                continue
            if r["amount_fen"] + r["matched_fen"] < named["goal_fen"]:
                continue
            moment = moments.goal_key(dim, key)
            goals_at[None][moment] = named["name"]
            if dim == "team" and named["site_id"]:
                goals_at.setdefault(named["site_id"], {})[moment] = named["name"]
    return goals_at


def _tickers(
    store: Store | Reader, sites: list[str], newest: dt.datetime, now: dt.datetime, minutes: list[dict[str, Any]]
) -> dict[str | None, list[dict[str, Any]]]:
    """The tickers' gifts, {None (the district) or a site: its rows newest first}: the district's newest TICKER_N
    (and each watched site's) within TICKER_WINDOW of the newest gift. When the last hour's `minutes` say the last
    TICKER_FIRST holds TICKER_N gifts, it is asked first, a tenth of the window's scan (and of the sites' ranking)
    at a busy hour: the TICKER_N of a ticker found there are the newest of the whole window too. A ticker that has
    fewer there is asked of the window: the district's (a refund or a moved gift made the minutes say more) with
    every site's, the quiet sites' alone when the district's was full."""
    first = (newest - TICKER_FIRST).replace(second=0, microsecond=0).timestamp()
    busy = sum(m["donations"] for m in minutes if m["minute_epoch"] >= first) >= TICKER_N
    window = {"since": newest - TICKER_WINDOW, "until": now, "limit_n": TICKER_N}
    if not sites:
        if busy:
            found = store.query("screen_latest_gifts", **{**window, "since": newest - TICKER_FIRST})
            if len(found) == TICKER_N:
                return {None: _newest_first(found)}
        return {None: _newest_first(store.query("screen_latest_gifts", **window))}
    if busy:
        tickers = _by_ticker(store.query("screen_sites_latest_gifts", **{**window, "since": newest - TICKER_FIRST}))
        if len(tickers.get(None, [])) == TICKER_N:
            quiet = [s for s in sites if len(tickers.get(s, [])) < TICKER_N]
            if quiet:
                more = _by_ticker(store.query("screen_some_sites_latest_gifts", **window, site_ids=quiet))
                tickers.update({s: more.get(s, []) for s in quiet})
            return tickers
    return _by_ticker(store.query("screen_sites_latest_gifts", **window))


def _newest_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gifts newest first, as every ticker shows them: by time, then by id (by code point), both descending. (The
    queries leave the order to the screen: on DuckDB a sort or a rank costs an operator whose fixed cost is more
    than sorting a few rows here.) Which gifts a ticker holds is the database's choice, by its own order of ids:
    the same as this on DuckDB and on a PostgreSQL of the C collation (`initdb --no-locale`, as the tests' and
    the bench's servers); with another, two gifts of one second might be shown in the other order."""
    return sorted(rows, key=itemgetter("occurred_at", "donation_id"), reverse=True)


def _by_ticker(rows: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    """The rows of `screen_sites_latest_gifts` or `screen_some_sites_latest_gifts` by ticker, newest first: the
    district's (district_rank within TICKER_N) and each site's (site_rank within TICKER_N)."""
    tickers: dict[str | None, list[dict[str, Any]]] = {}
    for r in _newest_first(rows):
        if r["district_rank"] is not None and r["district_rank"] <= TICKER_N:
            tickers.setdefault(None, []).append(r)
        if r["site_id"] is not None and r["site_rank"] is not None and r["site_rank"] <= TICKER_N:
            tickers.setdefault(r["site_id"], []).append(r)
    return tickers


def take_snapshot(store: Store | Reader, now: dt.datetime | None = None, site_id: str | None = None) -> Snapshot:
    """The snapshot of one screen: the district's (site_id None) or a site's."""
    return take_snapshots(store, [site_id], now)[site_id]


def take_snapshots(
    store: Store | Reader, site_ids: list[str | None], now: dt.datetime | None = None
) -> dict[str | None, Snapshot]:
    """The snapshots of several screens in one pass, however many sites are watched: the rollups with today's
    total, the last hour's minutes and 人数 (`screen_figures`; a site's teams are ranked from its team rows) and the
    newest gifts of every ticker (`_tickers`), joined to the cached roster."""
    demo_clock = clock.read_clock(store.location)  # once per pass: event days, demo label and now
    event = clock.effective_event(store.event, demo_clock)
    is_demo = demo_clock is not None
    now = now or (demo_clock.now() if demo_clock else dt.datetime.now(dt.UTC))
    day_start, day_end = day_bounds(event, now)
    minute = now.replace(second=0, microsecond=0)
    with store.reading() as moment:  # the totals, the chart and the tickers as of one moment
        figures_at = moment.figures_at()  # before the queries: they read at least what was there then
        figures = moment.query(
            "screen_figures",
            day_start=day_start,
            day_end=day_end,
            chart_since=minute - CHART_WINDOW,
            chart_until=minute,
        )
        by_dim: dict[str, dict[str, dict[str, Any]]] = {}
        minutes: list[dict[str, Any]] = []
        for r in figures:
            if r["dim"] == "minute":
                minutes.append(
                    {"minute_epoch": r["last_gift_epoch"], "total_fen": r["amount_fen"], "donations": r["donations"]}
                )
            else:
                by_dim.setdefault(r["dim"], {})[r["key"]] = r
        minutes.sort(key=itemgetter("minute_epoch"))
        everything = by_dim.get("all", {}).get("", {})
        last_gift_at = _at(everything.get("last_gift_epoch"))
        newest = min(now, last_gift_at) if last_gift_at else now
        found = _tickers(moment, [s for s in site_ids if s], newest, now, minutes)
    roster = store.roster()
    today = by_dim["day"][""]
    projects = {p["project_id"]: p for p in roster["projects"]}

    def gift(r: dict[str, Any]) -> dict[str, Any]:
        named = projects.get(r["project_id"])
        return {**{k: r[k] for k in TICKER_COLUMNS}, "project_name": named["name"] if named else r["project_id"]}

    watched = set(site_ids)  # a busy minute's query holds every site's ticker: only the watched ones are made
    tickers = {ticker: [gift(r) for r in newest] for ticker, newest in found.items() if ticker in watched}

    def with_money(item: dict[str, Any], r: dict[str, Any]) -> dict[str, Any]:
        return {
            **item,
            "total_fen": r["amount_fen"] + r["matched_fen"],
            "donations": r["donations"],
            "last_gift_at": _at(r["last_gift_epoch"]),
        }

    teams = {t["team_id"]: t for t in roster["teams"]}
    teams_at: dict[str, list[dict[str, Any]]] = {}  # the rollup rows of the teams based at each site
    if any(site_ids):
        for key, r in by_dim.get("team", {}).items():
            team = teams.get(key)
            if team is not None and team["site_id"]:
                teams_at.setdefault(team["site_id"], []).append(r)
    donors = {scope: r["donations"] for scope, r in by_dim.get("donors", {}).items()}
    goals_at = _goals_reached(by_dim, projects, teams)
    site_goals: dict[str, int] = {}
    for t in roster["teams"]:
        if t["site_id"] and t["goal_fen"]:
            site_goals[t["site_id"]] = site_goals.get(t["site_id"], 0) + t["goal_fen"]

    parents = {p["parent_id"] for p in roster["projects"] if p["parent_id"]}

    def project_row(r: dict[str, Any]) -> dict[str, Any]:
        p = projects[r["key"]]
        return with_money(
            {"key": r["key"], "name": p["name"], "goal_fen": p["goal_fen"], "is_parent": r["key"] in parents}, r
        )

    def team_row(r: dict[str, Any]) -> dict[str, Any]:
        t = teams[r["key"]]
        return with_money(
            {"key": t["team_id"], "name": t["name"], "goal_fen": t["goal_fen"], "site_id": t["site_id"]}, r
        )

    sites = [
        with_money(
            {
                "key": s["site_id"],
                "name": s["name"],
                "street": s["street"],
                "lng": s["lng"],
                "lat": s["lat"],
                "goal_fen": site_goals.get(s["site_id"]),
            },
            by_dim["site"][s["site_id"]],
        )
        for s in roster["sites"]
        if s["site_id"] in by_dim.get("site", {})
    ]
    totals = {
        "amount_fen": everything.get("amount_fen", 0),
        "matched_fen": everything.get("matched_fen", 0),
        "total_fen": everything.get("amount_fen", 0) + everything.get("matched_fen", 0),
        "donations": everything.get("donations", 0),
        "donors": donors.get("", 0),
        "last_gift_at": last_gift_at,
        "day_amount_fen": today["amount_fen"],
        "day_matched_fen": today["matched_fen"],
        "day_donations": today["donations"],
    }
    shared = {
        "now": now,
        "taken_at": dt.datetime.now(dt.UTC),
        "figures_at": figures_at,
        "event": event,
        "is_demo": is_demo,
        "totals": totals,
        "projects": [project_row(r) for r in _ranked(_known(by_dim, "project", projects), TOP_N, _rollup_money)],
        "sites": _ranked(sites, len(sites)),
        "minutes": [
            {"minute_at": _at(m["minute_epoch"]), "total_fen": m["total_fen"], "donations": m["donations"]}
            for m in minutes
        ],
        "forecast": store_forecast(store, event, now) if event.forecast.on_screens else None,
    }  # the district's figures, the same objects in every snapshot of the pass (nobody changes them)
    district_teams = [team_row(r) for r in _ranked(_known(by_dim, "team", teams), TOP_N, _rollup_money)]
    site_names = {s["site_id"]: s for s in roster["sites"]}
    ranks = {s["key"]: i for i, s in enumerate(shared["sites"], start=1)}  # sites without gifts: unranked
    snaps: dict[str | None, Snapshot] = {}
    for site_id in site_ids:
        snap = Snapshot(
            **shared,
            teams=[team_row(r) for r in _ranked(teams_at.get(site_id, []), TOP_N, _rollup_money)]
            if site_id
            else district_teams,
            latest=tickers.get(site_id, []),
            goals=goals_at.get(site_id, {}),
        )
        if site_id:
            site = site_names.get(site_id)
            money = by_dim.get("site", {}).get(site_id, {"amount_fen": 0, "matched_fen": 0, "donations": 0})
            snap.site = (
                {
                    "key": site_id,
                    "name": site["name"],
                    "street": site["street"],
                    "total_fen": money["amount_fen"] + money["matched_fen"],
                    "donations": money["donations"],
                    "donors": donors.get(site_id, 0),
                    "goal_fen": site_goals.get(site_id),
                    "rank": ranks.get(site_id),
                    "of_sites": len(roster["sites"]),
                }
                if site
                else None
            )
        snaps[site_id] = snap
    return snaps
