"""The crawler's store: the small fixture roster (so every option of every select box can be tried), two days of
gifts drawn from a seeded random, a refund, a correction and a pledge, a frozen board clock on the event's second
afternoon, and one user per role. `Ledger` keeps every booked row in Python, so any filter's total is known here
without asking the board."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from pathlib import Path

from givingday import accounts, clock
from givingday.console import acts
from givingday.console.figures import Filters
from givingday.ingest.batch import import_bytes
from givingday.store import adjustments
from tests.conftest import CANONICAL_HEADER, FIXTURES, open_store

PASSWORD = "crawler test password"
USERS = {"leader": "lee", "organizer": "ana", "admin": "root"}
CHANNELS = ("qr", "livestream", "corporate", "bank", "offline")
GIFTS = 240


@dataclasses.dataclass(frozen=True)
class Row:
    """One row of the ledger: a gift, or the part of a refund or correction that moves money."""

    at: dt.datetime
    total_fen: int
    donations: int
    project_id: str
    team_id: str | None
    site_id: str | None
    channel: str


@dataclasses.dataclass
class Ledger:
    rows: list[Row]
    category: dict[str, str | None]  # project → category
    street: dict[str, str]  # site → street
    now: dt.datetime
    roster: dict[str, list[dict]]

    def within(self, f: Filters, tz: dt.tzinfo) -> list[Row]:
        start, end = time_range(f, tz)
        return [
            r
            for r in self.rows
            if start <= r.at < end
            and f.category in (None, self.category[r.project_id])
            and f.project_id in (None, r.project_id)
            and f.team_id in (None, r.team_id)
            and f.site_id in (None, r.site_id)
            and f.street in (None, self.street.get(r.site_id or ""))
            and f.channel in (None, r.channel)
        ]

    def total(self, f: Filters, tz: dt.tzinfo) -> tuple[int, int]:
        """The money (fen) and 人次 within these filters."""
        rows = self.within(f, tz)
        return sum(r.total_fen for r in rows), sum(r.donations for r in rows)


def time_range(f: Filters, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The filters' time range, the rule written out again so the page's own code is not its judge."""
    if f.day is None:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    start = dt.datetime.combine(f.day, f.from_time or dt.time(0), tz)
    end = dt.datetime.combine(f.day, dt.time(0), tz) + dt.timedelta(days=1)
    if f.to_time and f.to_time > (f.from_time or dt.time(0)):
        end = dt.datetime.combine(f.day, f.to_time, tz)
    return start, end


def seed(db: Path) -> Ledger:
    """The store at `db`, with its users beside it; returns what it holds."""
    store = open_store(db, FIXTURES / "roster")
    event = store.event
    tz = event.tz
    now = dt.datetime.combine(event.first_day + dt.timedelta(days=1), dt.time(15, 0), tz)
    clock.write_clock(store.location, clock.DemoClock(time.time(), now.timestamp(), 1.0, str(event.first_day)))
    roster = store.roster()
    teams = {t["team_id"]: t for t in roster["teams"]}
    rng = random.Random(42)
    start = dt.datetime.combine(event.first_day, dt.time(8, 0), tz)
    lines, rows = [], []
    for i in range(GIFTS):
        at = start + dt.timedelta(seconds=rng.randrange(int((now - start).total_seconds()) - 60))
        team = rng.choice([None, *teams])
        project = teams[team]["project_id"] if team else rng.choice(["P001", "P002", "P089"])
        site = rng.choice([None, "S001", "S002"])
        booked_site = site or (teams[team]["site_id"] if team else None)  # a team's gift counts at its site
        channel = rng.choice(CHANNELS)
        amount, matched = rng.choice([1, 5, 10, 20, 50, 99, 100, 500, 2000]) * 100, rng.choice([0, 0, 100, 900])
        lines.append(
            f"K{i:04d},{at:%Y-%m-%d %H:%M:%S},{amount / 100:.2f},{matched / 100:.2f},{project},{team or ''},"
            f"{site or ''},{channel},捐赠人{i}\n"
        )
        rows.append(Row(at, amount + matched, 1, project, team, booked_site, channel))
    report = import_bytes(store, (CANONICAL_HEADER + "".join(lines)).encode(), "crawl.csv")
    assert report.rows_new == GIFTS, report.summary()
    refunded, corrected = rows[0], rows[1]
    refund_at = now - dt.timedelta(hours=2)
    adjustments.refund(store, "K0000", "捐赠人要求退款", "ana", at=refund_at)
    rows.append(dataclasses.replace(refunded, at=refund_at, total_fen=-refunded.total_fen, donations=-1))
    correct_at = now - dt.timedelta(hours=1)
    adjustments.correct(store, "K0001", "项目录错", "ana", project_id="P089", team_id="", at=correct_at)
    rows.append(dataclasses.replace(corrected, at=correct_at, total_fen=-corrected.total_fen, donations=-1))
    rows.append(dataclasses.replace(corrected, at=correct_at, project_id="P089", team_id=None))
    acts.record_pledge(store, "ana", donor_name="某公司", project_id="P089", amount_fen=1_000_000, reason="电话确认")
    for role, name in USERS.items():
        accounts.add_user(name, role, PASSWORD, store.location)
    store.dispose()
    category = {p["project_id"]: p["category"] or None for p in roster["projects"]}
    street = {s["site_id"]: s["street"] for s in roster["sites"]}
    return Ledger(rows, category, street, now, roster)
