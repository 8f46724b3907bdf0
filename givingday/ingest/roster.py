"""The roster: projects, teams and sites, loaded from three CSV files, and the volunteers' shifts from an optional
fourth (see docs/formats.md, "The roster").

A roster load replaces the whole roster in one transaction, after checking every reference, so a bad file
leaves the previous roster in place.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from givingday.ingest.formats import TOTAL_WORD, UnreadableFile, decode_text
from givingday.labels import CATEGORIES
from givingday.masking import clean_text
from givingday.money import AmountError, parse_fen
from givingday.store.database import Store

SITE_KINDS = {
    "main_venue",
    "pedestrian_street",
    "square",
    "mall",
    "park",
    "office",
    "community",
    "market",
    "station",
    "other",
}
TEAM_KINDS = {"person", "organisation"}

COLUMNS = {
    "projects.csv": ["project_id", "name", "parent_id", "category", "goal_yuan"],
    "sites.csv": ["site_id", "name", "street", "kind", "lng", "lat"],
    "teams.csv": ["team_id", "name", "project_id", "site_id", "kind", "goal_yuan"],
    "shifts.csv": ["site_id", "day", "start", "end", "volunteers"],
}
DAY_MINUTES = 1440
TOTAL_ROW = re.compile(TOTAL_WORD)


class RosterError(ValueError):
    pass


@dataclass
class Roster:
    projects: list[dict]
    sites: list[dict]
    teams: list[dict]
    shifts: list[dict] = field(default_factory=list)


def _read(path: Path) -> list[tuple[int, dict]]:
    """The rows with their line numbers, in UTF-8 (with or without a BOM) or GBK as Excel saves it; a row Excel
    left with only commas is passed over."""
    if not path.exists():
        raise RosterError(f"{path}: file not found")
    try:
        text = decode_text(path.read_bytes())[0]
    except UnreadableFile as exc:
        raise RosterError(f"{path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS[path.name] if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(f"{path}: missing column(s) {', '.join(missing)}")
    rows = [(reader.line_num, {k: clean_text(v) for k, v in row.items() if k}) for row in reader]
    return [(line, r) for line, r in rows if any(r.values())]


def _records(path: Path, id_column: str) -> Iterator[tuple[int, dict]]:
    """The file's rows with their line numbers, each with an id and a name that no earlier row has."""
    seen: dict[str, set[str]] = {id_column: set(), "name": set()}
    for line, r in _read(path):
        for kind, values in seen.items():
            if not r[kind]:
                raise RosterError(f"{path}:{line}: {kind} is empty")
            if r[kind] in values:
                raise RosterError(f"{path}:{line}: duplicate {kind} {r[kind]!r}")
            values.add(r[kind])
        yield line, r


def _goal(path: Path, line: int, text: str) -> int | None:
    if not text:
        return None
    try:
        return parse_fen(text)
    except AmountError as exc:
        raise RosterError(f"{path}:{line}: goal_yuan: {exc.en}") from None


def read_roster(folder: Path, days: int | None = None) -> Roster:
    """Read and check the files (shifts on the event's `days` when given); raise RosterError naming file, line
    and reason."""
    roster = Roster([], [], [])
    path = folder / "projects.csv"
    for line, r in _records(path, "project_id"):
        if r["category"] and r["category"] not in CATEGORIES:
            raise RosterError(f"{path}:{line}: unknown category {r['category']!r}")
        roster.projects.append(
            {
                "project_id": r["project_id"],
                "name": r["name"],
                "parent_id": r["parent_id"] or None,
                "category": r["category"] or None,
                "goal_fen": _goal(path, line, r["goal_yuan"]),
            }
        )
    project_ids = {p["project_id"] for p in roster.projects}
    for p in roster.projects:
        if p["parent_id"] and p["parent_id"] not in project_ids:
            raise RosterError(f"{path}: project {p['project_id']} has unknown parent {p['parent_id']!r}")

    path = folder / "sites.csv"
    for line, r in _records(path, "site_id"):
        if r["kind"] not in SITE_KINDS:
            raise RosterError(f"{path}:{line}: unknown site kind {r['kind']!r}")
        if not r["street"]:
            raise RosterError(f"{path}:{line}: street is empty")
        try:
            lng = float(r["lng"]) if r["lng"] else None
            lat = float(r["lat"]) if r["lat"] else None
        except ValueError:
            raise RosterError(f"{path}:{line}: coordinates {r['lng']!r}, {r['lat']!r} are not numbers") from None
        roster.sites.append(
            {
                "site_id": r["site_id"],
                "name": r["name"],
                "street": r["street"],
                "kind": r["kind"],
                "lng": lng,
                "lat": lat,
            }
        )
    site_ids = {s["site_id"] for s in roster.sites}

    path = folder / "teams.csv"
    for line, r in _records(path, "team_id"):
        if r["project_id"] not in project_ids:
            raise RosterError(f"{path}:{line}: unknown project {r['project_id']!r}")
        if r["site_id"] and r["site_id"] not in site_ids:
            raise RosterError(f"{path}:{line}: unknown site {r['site_id']!r}")
        if r["kind"] not in TEAM_KINDS:
            raise RosterError(f"{path}:{line}: team kind must be person or organisation, not {r['kind']!r}")
        roster.teams.append(
            {
                "team_id": r["team_id"],
                "name": r["name"],
                "project_id": r["project_id"],
                "site_id": r["site_id"] or None,
                "kind": r["kind"],
                "goal_fen": _goal(path, line, r["goal_yuan"]),
            }
        )
    if (folder / "shifts.csv").exists():
        roster.shifts = read_shifts(folder / "shifts.csv", site_ids, days)
    return roster


def _minute(path: Path, line: int, column: str, text: str) -> int:
    """'HH:MM' (or 'HH:MM:00', as Excel may save a time) as minutes from midnight; '24:00' is the day's end."""
    clock = unicodedata.normalize("NFKC", text)
    if clock.count(":") == 2 and clock.endswith(":00"):
        clock = clock.removesuffix(":00")
    hours, sep, minutes = clock.partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        value = int(hours) * 60 + int(minutes)
        if int(minutes) < 60 and value <= DAY_MINUTES:
            return value
    raise RosterError(f"{path}:{line}: {column} {text!r} is not a time of day (HH:MM, 00:00 to 24:00)")


def read_shifts(path: Path, site_ids: set[str], days: int | None = None) -> list[dict]:
    """Each shift: a site, the event's day (1 = the first), a start and end time, how many volunteers. Shifts at
    one site may overlap (two groups on duty at once): their volunteers add up."""
    shifts = []
    for line, r in _read(path):
        if TOTAL_ROW.fullmatch(r["site_id"]):
            continue  # a 合计 row summing the volunteers column
        if r["site_id"] not in site_ids:
            raise RosterError(f"{path}:{line}: unknown site {r['site_id']!r}")
        if not (r["day"].isdigit() and 1 <= int(r["day"]) <= (days or int(r["day"]))):
            last = f" to {days}" if days else ", 2, 3…"
            raise RosterError(f"{path}:{line}: day {r['day']!r} is not a day of the event (1 for the first{last})")
        start = _minute(path, line, "start", r["start"])
        end = _minute(path, line, "end", r["end"])
        if end <= start:
            raise RosterError(f"{path}:{line}: the shift ends ({r['end']}) before it starts ({r['start']})")
        if not (r["volunteers"].isdigit() and int(r["volunteers"]) >= 1):
            raise RosterError(f"{path}:{line}: volunteers {r['volunteers']!r} is not a positive whole number")
        shifts.append(
            {
                "site_id": r["site_id"],
                "day_number": int(r["day"]),
                "start_minute": start,
                "end_minute": end,
                "volunteers": int(r["volunteers"]),
            }
        )
    return shifts


def load_roster(store: Store, folder: Path) -> Roster:
    """Replace the stored roster with the one in `folder`, refusing to orphan stored gifts."""
    roster = read_roster(folder, days=store.event.days)
    project_ids = {p["project_id"] for p in roster.projects}
    with store.writing() as conn:
        used = {r[0] for r in conn.execute(sa.text("select distinct project_id from donations"))}
        orphaned = sorted(used - project_ids)
        if orphaned:
            raise RosterError(
                f"{folder}: the new roster drops project(s) {', '.join(orphaned)} that stored gifts are credited to"
            )
        for table in ("shifts", "teams", "sites", "projects"):
            conn.execute(sa.text(f"delete from {table}"))
        tables = (
            ("projects", roster.projects),
            ("sites", roster.sites),
            ("teams", roster.teams),
            ("shifts", roster.shifts),
        )
        for table, rows in tables:
            if rows:
                cols = list(rows[0])
                conn.execute(
                    sa.text(f"insert into {table} ({', '.join(cols)}) values ({', '.join(':' + c for c in cols)})"),
                    rows,
                )
    store.forget_roster()
    return roster
