"""Ingestion: one file -> judged rows -> one transaction. Idempotent, all-or-nothing per file.

Every way a donation gets in (command line, inbox worker, upload form, the demo) calls `import_bytes`.
A row is either stored, counted as a duplicate of a stored gift (same stable id), or rejected with its line
and reason; the file's rows, its rejections and its import-log line are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from givingday.config import CHANNELS
from givingday.formats import Layout, Table, UnreadableFile, detect_layout, iter_fields, read_table
from givingday.masking import ANONYMOUS, mask_name, scrub
from givingday.money import AmountError, format_yuan, parse_fen
from givingday.profiles import Profile
from givingday.store import Store

CHANNEL_ALIASES = {
    "qr": "qr", "扫码": "qr", "二维码": "qr", "线上": "qr", "online": "qr",
    "livestream": "livestream", "直播": "livestream", "直播带货": "livestream",
    "corporate": "corporate", "企业": "corporate", "企业捐赠": "corporate",
    "bank": "bank", "银行": "bank", "转账": "bank", "银行转账": "bank",
    "offline": "offline", "线下": "offline", "现金": "offline", "cash": "offline",
}  # fmt: skip
_DATE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
MAX_TEXT = 200


@dataclass
class Rejection:
    line: int
    reason: str
    row_text: str


@dataclass
class ImportReport:
    file: str
    outcome: str = "committed"  # committed | unreadable
    file_format: str | None = None
    layout: str | None = None
    rows_total: int = 0
    rows_new: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    amount_new_fen: int = 0
    matched_new_fen: int = 0
    unknown_teams: int = 0
    unknown_sites: int = 0
    duration_ms: int = 0
    import_id: int | None = None
    message: str = ""
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 all stored, 1 some rows rejected, 2 the file could not be taken at all."""
        if self.outcome != "committed":
            return 2
        return 1 if self.rows_rejected else 0

    def summary(self) -> str:
        if self.outcome != "committed":
            return f"{self.file}: not imported: {self.message}"
        text = (
            f"{self.file}: {self.rows_new} new, {self.rows_duplicate} duplicate, {self.rows_rejected} rejected"
            f" ({format_yuan(self.amount_new_fen)} new, matched {format_yuan(self.matched_new_fen)};"
            f" {self.layout}, {self.file_format}, {self.duration_ms} ms)"
        )
        if self.unknown_teams or self.unknown_sites:
            text += f"; {self.unknown_teams} gift(s) name an unknown team, {self.unknown_sites} an unknown site"
        return text

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "rejections"}
        d["rejections"] = [r.__dict__ for r in self.rejections]
        return d


def _name_key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


class Roster:
    """Lookups by id or exact name, loaded once per import."""

    def __init__(self, conn: sa.Connection):
        self.projects: dict[str, str] = {}
        for pid, name in conn.execute(sa.text("select project_id, name from projects")):
            self.projects[pid] = pid
            self.projects[_name_key(name)] = pid
        self.teams: dict[str, tuple[str, str | None]] = {}
        for tid, name, site in conn.execute(sa.text("select team_id, name, site_id from teams")):
            self.teams[tid] = (tid, site)
            self.teams[_name_key(name)] = (tid, site)
        self.sites: dict[str, str] = {}
        for sid, name in conn.execute(sa.text("select site_id, name from sites")):
            self.sites[sid] = sid
            self.sites[_name_key(name)] = sid


def _parse_time(text: str, tz: dt.tzinfo) -> dt.datetime:
    s = text.strip()
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        m = _DATE_TIME.fullmatch(s)
        if not m:
            raise ValueError(f"time {s!r} is not a date and time") from None
        y, mo, d, hh, mm, ss, zone = m.groups()
        try:
            t = dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            raise ValueError(f"time {s!r} is not a valid date") from None
        if zone:
            t = dt.datetime.fromisoformat(t.isoformat() + ("+00:00" if zone == "Z" else zone))
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    if not 2000 <= t.year <= 2100:
        raise ValueError(f"time {s!r} is outside the years 2000–2100")
    return t


class _TimeReader:
    """Times in the layout's formats; dates repeat a lot in statements, so parsed dates are cached."""

    def __init__(self, layout: Layout, tz: dt.tzinfo):
        self.tz = tz
        self.date_format = layout.date_format
        self.time_format = layout.time_format
        self._dates: dict[str, dt.date] = {}

    def __call__(self, f: dict[str, str]) -> dt.datetime:
        at = f.get("occurred_at", "")
        if at:
            if self.date_format:
                try:
                    return dt.datetime.strptime(at, self.date_format).replace(tzinfo=self.tz)
                except ValueError:
                    raise ValueError(f"time {at!r} does not match {self.date_format!r}") from None
            return _parse_time(at, self.tz)
        ds = f.get("date", "")
        if not ds:
            raise ValueError("time is empty")
        day = self._dates.get(ds)
        if day is None:
            try:
                day = (
                    dt.datetime.strptime(ds, self.date_format).date()
                    if self.date_format
                    else _parse_time(ds, self.tz).date()
                )
            except ValueError:
                raise ValueError(f"date {ds!r} does not match {self.date_format or 'YYYY-MM-DD'!r}") from None
            self._dates[ds] = day
        ts = f.get("time_of_day", "")
        clock = dt.time(0)
        if ts:
            try:
                clock = (
                    dt.datetime.strptime(ts, self.time_format).time()
                    if self.time_format
                    else dt.time.fromisoformat(ts)
                )
            except ValueError:
                raise ValueError(f"time of day {ts!r} is not a time") from None
        return dt.datetime.combine(day, clock, self.tz)


def _row_text(layout: Layout, table: Table, cells: list[str]) -> str:
    """The rejected row as JSON, personal columns masked and numbers scrubbed, so it can be shown."""
    out = {}
    for i, value in enumerate(cells):
        key = table.header[i] if i < len(table.header) else f"column_{i + 1}"
        out[key or f"column_{i + 1}"] = mask_name(value) if i in layout.personal_columns else scrub(value)[:MAX_TEXT]
    return json.dumps(out, ensure_ascii=False)[:2000]


def _clean_label(s: str) -> str | None:
    s = scrub(s).strip()[:MAX_TEXT]
    return s or None


def judge_rows(store: Store, conn: sa.Connection, table: Table, layout: Layout, source: str) -> tuple[dict, ImportReport]:
    """Judge every row: the columns to stage and a report of duplicates within the file and rejections."""
    event = store.event
    tz = event.tz
    cap = event.max_gift_fen
    roster = Roster(conn)
    hasher = store.hasher
    read_time = _TimeReader(layout, tz)
    thousands, decimal = layout.thousands, layout.decimal
    defaults = layout.defaults
    default_channel = defaults.get("channel", event.default_channel)
    report = ImportReport(file=source, file_format=table.file_format, layout=layout.name)
    cols: dict[str, list] = {k: [] for k in (
        "donation_id", "occurred_at", "amount_fen", "matched_fen", "project_id", "team_id", "site_id",
        "channel", "donor_name_masked", "donor_hash", "team_label", "site_label", "reference", "memo",
        "source_line",
    )}  # fmt: skip
    seen_ids: set[str] = set()
    occurrences: dict[str, int] = {}
    rejections = report.rejections

    def reject(row, reason: str) -> None:
        rejections.append(Rejection(row.line, reason, _row_text(layout, table, row.cells)))

    for row, f in iter_fields(table, layout):
        report.rows_total += 1
        if row.problem:
            reject(row, row.problem)
            continue
        try:
            at = read_time(f)
        except ValueError as exc:
            reject(row, str(exc))
            continue
        amount_text = f.get("amount_yuan", "")
        try:
            amount = parse_fen(amount_text, thousands, decimal)
        except AmountError as exc:
            reject(row, str(exc) if amount_text.strip() else "amount is empty (a debit or empty line?)")
            continue
        if amount <= 0:
            reject(row, f"amount {amount_text!r} is not positive (a refund is recorded as its own event)")
            continue
        if amount > cap:
            reject(row, f"amount {format_yuan(amount)} is above the cap of {format_yuan(cap)} per gift")
            continue
        matched_text = f.get("matched_yuan", "")
        matched = 0
        if matched_text.strip():
            try:
                matched = parse_fen(matched_text, thousands, decimal)
            except AmountError as exc:
                reject(row, f"matched {exc}")
                continue
        project_text = f.get("project") or defaults.get("project", "")
        project_id = roster.projects.get(_name_key(project_text)) if project_text else None
        if project_id is None:
            reject(row, f"unknown project {project_text!r}" if project_text else "project is empty")
            continue
        channel_text = f.get("channel") or default_channel
        channel = CHANNEL_ALIASES.get(_name_key(channel_text).lower())
        if channel is None:
            reject(row, f"unknown channel {channel_text!r} (one of {', '.join(CHANNELS)})")
            continue
        team_id = home_site = team_label = None
        team_text = f.get("team") or defaults.get("team", "")
        if team_text:
            hit = roster.teams.get(_name_key(team_text))
            if hit:
                team_id, home_site = hit
            else:
                team_label = _clean_label(team_text)
                report.unknown_teams += 1
        site_id, site_label = home_site, None
        site_text = f.get("site") or defaults.get("site", "")
        if site_text:
            hit_site = roster.sites.get(_name_key(site_text))
            if hit_site:
                site_id = hit_site
            else:
                site_label = _clean_label(site_text)
                report.unknown_sites += 1
        donation_id = f.get("donation_id", "").strip()
        if not donation_id:
            content = "\x1f".join(row.cells)
            digest = hashlib.sha1(content.encode()).hexdigest()[:20]
            n = occurrences.get(digest, 0) + 1
            occurrences[digest] = n
            donation_id = f"{layout.id_namespace}:{digest}:{n}"
        elif len(donation_id) > 100:
            reject(row, "donation id is longer than 100 characters")
            continue
        if donation_id in seen_ids:
            report.rows_duplicate += 1
            continue
        seen_ids.add(donation_id)
        name = f.get("donor_name", "")
        masked = mask_name(name)
        donor_key = f.get("donor_id", "") or (name.strip() if masked != ANONYMOUS else "") or donation_id
        cols["donation_id"].append(donation_id)
        cols["occurred_at"].append(at)
        cols["amount_fen"].append(amount)
        cols["matched_fen"].append(matched)
        cols["project_id"].append(project_id)
        cols["team_id"].append(team_id)
        cols["site_id"].append(site_id)
        cols["channel"].append(channel)
        cols["donor_name_masked"].append(masked)
        cols["donor_hash"].append(hasher(donor_key))
        cols["team_label"].append(team_label)
        cols["site_label"].append(site_label)
        ref = f.get("reference", "")
        cols["reference"].append(_clean_label(ref) if ref else None)
        memo = f.get("memo", "")
        cols["memo"].append(_clean_label(memo) if memo else None)
        cols["source_line"].append(row.line)
    report.rows_rejected = len(rejections)
    return cols, report


_DONATION_COLUMNS = (
    "donation_id, occurred_at, amount_fen, matched_fen, project_id, team_id, site_id, channel, "
    "donor_name_masked, donor_hash, team_label, site_label, reference, memo, source_file, source_line, import_id"
)


def _staged(cols: dict, source: str, import_id: int) -> pa.Table:
    n = len(cols["donation_id"])
    arrays = {k: v for k, v in cols.items()}
    arrays["occurred_at"] = pa.array(cols["occurred_at"], type=pa.timestamp("us", tz="UTC"))
    arrays["source_file"] = pa.array([source] * n, type=pa.string())
    arrays["import_id"] = pa.array([import_id] * n, type=pa.int64())
    names = [c.strip() for c in _DONATION_COLUMNS.split(",")]
    return pa.table({k: arrays[k] for k in names})


def _pause_for_crash_test() -> None:
    """Test hook: `tests/test_crash.py` kills the process here, inside the open transaction."""
    pause = os.environ.get("GIVINGDAY_PAUSE_BEFORE_COMMIT")
    if pause:
        print("paused before commit", flush=True)
        time.sleep(float(pause))


def _log(conn: sa.Connection, report: ImportReport, sha: str, started: dt.datetime, profile: Profile | None) -> None:
    conn.execute(
        sa.text(
            "insert into imports (import_id, file_name, file_sha256, file_format, profile, started_at, duration_ms,"
            " rows_total, rows_new, rows_duplicate, rows_rejected, amount_new_fen, outcome, message) values"
            " (:import_id, :file, :sha, :file_format, :profile, :started, :duration_ms, :rows_total, :rows_new,"
            " :rows_duplicate, :rows_rejected, :amount_new_fen, :outcome, :message)"
        ),
        {
            "import_id": report.import_id, "file": report.file, "sha": sha, "file_format": report.file_format,
            "profile": profile.name if profile else None, "started": started, "duration_ms": report.duration_ms,
            "rows_total": report.rows_total, "rows_new": report.rows_new, "rows_duplicate": report.rows_duplicate,
            "rows_rejected": report.rows_rejected, "amount_new_fen": report.amount_new_fen,
            "outcome": report.outcome, "message": report.message[:2000],
        },
    )  # fmt: skip


def import_bytes(store: Store, data: bytes, source: str, profile: Profile | None = None) -> ImportReport:
    """Import one file's content. `source` is the name shown in reports and kept with each gift."""
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    sha = hashlib.sha256(data).hexdigest()
    with store.engine.begin() as conn:
        import_id = conn.execute(sa.text("select nextval('import_id_seq')")).scalar()
        try:
            table = read_table(data)
            layout = detect_layout(table, profile)
        except UnreadableFile as exc:
            report = ImportReport(file=source, outcome="unreadable", message=str(exc), import_id=import_id)
            report.duration_ms = round((time.perf_counter() - t0) * 1000)
            _log(conn, report, sha, started, profile)
            return report
        cols, report = judge_rows(store, conn, table, layout, source)
        report.import_id = import_id
        raw = conn.connection.driver_connection
        if cols["donation_id"]:
            raw.register("staged_donations", _staged(cols, source, import_id))
            try:
                inserted = raw.execute(
                    f"insert into donations ({_DONATION_COLUMNS}) select {_DONATION_COLUMNS} from staged_donations"
                    " on conflict do nothing"
                ).fetchone()[0]
            finally:
                raw.unregister("staged_donations")
            report.rows_new = int(inserted)
            report.rows_duplicate += len(cols["donation_id"]) - report.rows_new
            if report.rows_new:
                sums = conn.execute(
                    sa.text("select sum(amount_fen), sum(matched_fen) from donations where import_id = :id"),
                    {"id": import_id},
                ).one()
                report.amount_new_fen, report.matched_new_fen = int(sums[0]), int(sums[1])
        if report.rejections:
            raw.register(
                "staged_rejections",
                pa.table({
                    "import_id": pa.array([import_id] * len(report.rejections), type=pa.int64()),
                    "file_name": [source] * len(report.rejections),
                    "line": pa.array([r.line for r in report.rejections], type=pa.int64()),
                    "reason": [r.reason for r in report.rejections],
                    "row_text": [r.row_text for r in report.rejections],
                }),
            )  # fmt: skip
            try:
                raw.execute(
                    "insert into rejected_rows (import_id, file_name, line, reason, row_text)"
                    " select import_id, file_name, line, reason, row_text from staged_rejections"
                )
            finally:
                raw.unregister("staged_rejections")
        report.duration_ms = round((time.perf_counter() - t0) * 1000)
        _log(conn, report, sha, started, profile)
        _pause_for_crash_test()
    return report


def import_file(store: Store, path: Path, profile: Profile | None = None, source: str | None = None) -> ImportReport:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ImportReport(file=str(path), outcome="unreadable", message=f"cannot read the file ({exc.strerror})")
    return import_bytes(store, data, source or Path(path).name, profile)
