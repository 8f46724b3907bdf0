"""Judging a file's rows: which are gifts (parsed, masked, hashed, credited) and which are rejected, and why.

Rows are judged column by column: every distinct value (an amount, a project, a name) is parsed once, so each
rule is one Python function. A row gets the first reason that applies (unreadable, time, a time outside the
event's window or in the future, amount, matched, project, channel, id) or is kept. `ingest/batch.py` stores
what this returns, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from givingday import clock
from givingday.config import CHANNELS
from givingday.ingest import identity, statements
from givingday.ingest.formats import Layout, Table
from givingday.ingest.times import TimeReader, usual_local_seconds
from givingday.labels import both
from givingday.masking import ANONYMOUS, mask_name, scrub
from givingday.money import AmountError, format_yuan, parse_fen
from givingday.store.database import Store

CHANNEL_ALIASES = {
    "qr": "qr",
    "扫码": "qr",
    "二维码": "qr",
    "线上": "qr",
    "online": "qr",
    "livestream": "livestream",
    "直播": "livestream",
    "直播带货": "livestream",
    "corporate": "corporate",
    "企业": "corporate",
    "企业捐赠": "corporate",
    "bank": "bank",
    "银行": "bank",
    "转账": "bank",
    "银行转账": "bank",
    "offline": "offline",
    "线下": "offline",
    "现金": "offline",
    "cash": "offline",
}
MAX_TEXT = 200


@dataclass
class Rejection:
    line: int
    reason: str
    row_text: str


@dataclass
class Judged:
    """A judged file: the gifts to stage (one per stable id), and what was not kept."""

    gifts: pa.Table
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: int = 0  # kept rows whose id an earlier row of the same file has, or stored under an earlier id
    skipped: dict[str, int] = field(default_factory=dict)  # rows a profile's filters set aside, by reason
    unknown_teams: int = 0
    unknown_sites: int = 0


def _name_key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


class RosterLookup:
    """The roster's ids by id or by exact name, read once per file in the import's transaction."""

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


def _row_text(layout: Layout, table: Table, cells: list[str]) -> str:
    """The rejected row as JSON, personal columns masked and numbers scrubbed, so it can be shown."""
    out = {}
    for i, value in enumerate(cells):
        key = (table.header[i] if i < len(table.header) else "") or f"column_{i + 1}"
        out[key] = mask_name(value) if i in layout.personal_columns else scrub(value, limit=MAX_TEXT)
    return json.dumps(out, ensure_ascii=False)[:2000]


def _clean_label(s: str) -> str | None:
    s = scrub(s, limit=MAX_TEXT)
    return s or None


def _per_value(arr: pa.Array, fn: Callable[[str], object], typ: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """Apply `fn` once per distinct value (gift files repeat amounts, projects, names a lot); `arr` may come
    dictionary-encoded already, when several rules read the same column.

    Returns the values and the reasons (null where `fn` succeeded, else its ValueError's message).
    """
    enc = arr if isinstance(arr, pa.DictionaryArray) else arr.dictionary_encode()
    values, reasons = [], []
    for v in enc.dictionary.to_pylist():
        try:
            values.append(fn(v))
            reasons.append(None)
        except ValueError as exc:
            values.append(None)
            reasons.append(str(exc))
    if not any(reasons):
        return pa.array(values, typ).take(enc.indices), pa.nulls(len(enc), pa.string())
    return pa.array(values, typ).take(enc.indices), pa.array(reasons, pa.string()).take(enc.indices)


_YEAR_2000_US = 946_684_800 * 1_000_000
_YEAR_2101_US = 4_133_980_800 * 1_000_000


def _times(table: Table, layout: Layout, field_of: Callable[[str], pa.Array], tz_name: str, tz: dt.tzinfo):
    """Gift times as UTC microseconds: read as digits when written the usual 'YYYY-MM-DD HH:MM:SS', else
    (and for a time outside the years 2000–2100) by `TimeReader`, once per distinct value."""
    reader = TimeReader(layout, tz)
    if reader.split:
        keys = pc.binary_join_element_wise(field_of("date"), field_of("time_of_day"), "\x1f")
        return _per_value(keys, reader, pa.int64())
    at = field_of("occurred_at")
    if layout.formats.date_format:
        return _per_value(at, reader, pa.int64())
    local, usual = usual_local_seconds(at)
    naive = pa.array(local, pa.timestamp("s"), mask=~usual)
    fast = pc.multiply(pc.assume_timezone(naive, tz_name).cast(pa.int64()), 1_000_000)
    slow = pc.fill_null(pc.or_(pc.less(fast, _YEAR_2000_US), pc.greater_equal(fast, _YEAR_2101_US)), True)
    if not pc.any(slow).as_py():
        return fast, pa.nulls(len(fast), pa.string())
    values, reasons = _per_value(at.filter(slow), reader, pa.int64())
    return (
        pc.replace_with_mask(fast, slow, values),
        pc.replace_with_mask(pa.nulls(len(fast), pa.string()), slow, reasons),
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _outside_window(times: pa.Array, board: clock.BoardTime) -> pa.Array:
    """Why each time is not one a gift can have on this board (`clock.gift_time_refused`): null where it fits
    the event's window and is not in the future, and where the time could not be read at all."""
    event = board.event
    lowest, ending, latest = (
        (t - _EPOCH) // _MICROSECOND for t in (event.takes_from, event.takes_until, board.now + clock.CLOCK_SKEW)
    )
    outside = pc.or_(pc.or_(pc.less(times, lowest), pc.greater_equal(times, ending)), pc.greater(times, latest))
    outside = pc.fill_null(outside, False)
    reasons = pa.nulls(len(times), pa.string())
    if not pc.any(outside).as_py():
        return reasons
    said, _ = _per_value(
        times.filter(outside), lambda us: clock.gift_time_refused(_EPOCH + us * _MICROSECOND, board), pa.string()
    )
    return pc.replace_with_mask(reasons, outside, said)


def _refunds(table: Table, layout: Layout, amounts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """What each row says was refunded so far in fen (0: none), and why a row's refund cannot be taken."""
    reader = statements.refund_reader(layout)
    if reader is None:
        return pa.nulls(table.n_rows, pa.int64()).fill_null(0), pa.nulls(table.n_rows, pa.string())
    column, said = reader
    fen, why = _per_value(statements.column(table, column), said, pa.int64())
    fen = pc.fill_null(pc.if_else(pc.equal(fen, statements.FULL_REFUND), amounts, fen), 0)
    return fen, pc.coalesce(why, statements.refunds_over(fen, amounts))


def judge_rows(
    store: Store,
    conn: sa.Connection,
    table: Table,
    layout: Layout,
    board: clock.BoardTime | None = None,
    roster: RosterLookup | None = None,
) -> Judged:
    """Judge every row at once, column by column: the gifts to stage, and what was not kept and why. `roster`
    is read from `conn` when not given (a file judged in chunks reads it once)."""
    event = store.event
    cap = event.max_gift_fen
    roster = roster or RosterLookup(conn)
    hasher = store.hasher
    judged = Judged(gifts=pa.table({}))
    skip, judged.skipped = statements.skipped_rows(table, layout)
    if judged.skipped:
        table = statements.take_rows(table, pc.invert(skip))
    n = table.n_rows
    defaults = dict(layout.defaults)
    defaults.setdefault("channel", event.default_channel)

    def field_of(name: str) -> pa.Array:
        default = defaults.get(name, "")
        if name not in layout.columns:
            return pa.nulls(n, pa.string()).fill_null(default)
        col = table.columns[layout.columns[name]]
        return pc.if_else(pc.equal(col, ""), default, col) if default else col

    times, time_r = _times(table, layout, field_of, event.timezone, event.tz)
    time_r = pc.coalesce(time_r, _outside_window(times, board or clock.board_time(store.location, event)))

    def amount(v: str) -> int:
        if not v:
            raise ValueError(both("金额为空（支出或空行？）", "amount is empty (a debit or empty line?)"))
        fen = parse_fen(v, layout.formats.thousands, layout.formats.decimal)
        if fen <= 0:
            raise ValueError(
                both(
                    f"金额 {v!r} 不是正数（退款另行记录）",
                    f"amount {v!r} is not positive (a refund is recorded as its own event)",
                )
            )
        if fen > cap:
            raise ValueError(
                both(
                    f"金额 {format_yuan(fen)} 超过单笔上限 {format_yuan(cap)}",
                    f"amount {format_yuan(fen)} is above the cap of {format_yuan(cap)} per gift",
                )
            )
        return fen

    def matched(v: str) -> int:
        try:
            return parse_fen(v, layout.formats.thousands, layout.formats.decimal) if v else 0
        except AmountError as exc:
            raise ValueError(both(f"配捐{exc.zh}", f"matched {exc.en}")) from None

    def project(v: str) -> str:
        if not v:
            raise ValueError(both("项目为空", "project is empty"))
        pid = roster.projects.get(_name_key(v))
        if pid is None:
            raise ValueError(both(f"未知项目 {v!r}", f"unknown project {v!r}"))
        return pid

    def channel(v: str) -> str:
        c = CHANNEL_ALIASES.get(_name_key(v).lower())
        if c is None:
            known = ", ".join(CHANNELS)
            raise ValueError(both(f"未知渠道 {v!r}（可用：{known}）", f"unknown channel {v!r} (one of {known})"))
        return c

    amounts, amount_r = _per_value(field_of("amount_yuan"), amount, pa.int64())
    matches, matched_r = _per_value(field_of("matched_yuan"), matched, pa.int64())
    projects, project_r = _per_value(field_of("project"), project, pa.string())
    channels, channel_r = _per_value(field_of("channel"), channel, pa.string())

    team_text = field_of("team").dictionary_encode()
    team_ids, _ = _per_value(
        team_text, lambda v: (roster.teams.get(_name_key(v)) or (None,))[0] if v else None, pa.string()
    )
    home_sites, _ = _per_value(
        team_text, lambda v: (roster.teams.get(_name_key(v)) or (None, None))[1] if v else None, pa.string()
    )
    team_labels, _ = _per_value(
        team_text, lambda v: None if not v or _name_key(v) in roster.teams else _clean_label(v), pa.string()
    )
    site_text = field_of("site").dictionary_encode()
    given_sites, _ = _per_value(site_text, lambda v: roster.sites.get(_name_key(v)) if v else None, pa.string())
    site_labels, _ = _per_value(
        site_text, lambda v: None if not v or _name_key(v) in roster.sites else _clean_label(v), pa.string()
    )
    site_ids = pc.coalesce(given_sites, home_sites)
    judged.unknown_teams = n - team_labels.null_count
    judged.unknown_sites = n - site_labels.null_count

    refunds, refund_r = _refunds(table, layout, amounts)
    reasons = pc.coalesce(table.problems, time_r, amount_r, matched_r, project_r, channel_r, refund_r)
    ids = pc.utf8_trim_whitespace(field_of("donation_id"))
    missing = pc.equal(ids, "")
    stored_before = pa.nulls(n, pa.bool_()).fill_null(False)
    if pc.any(missing).as_py():
        parsed = {"at": times, "fen": amounts, "matched_fen": matches, "project": projects, "channel": channels}

        def part(name: str, source: str | int) -> pa.Array:
            if name in parsed:
                return parsed[name]
            return identity.normalised(table.columns[source] if isinstance(source, int) else field_of(source))

        meaning = [(name, part(name, source)) for name, source in identity.parts(layout, table.header)]
        candidates = pc.and_(missing, pc.is_null(reasons))
        ids = pc.coalesce(identity.derived_ids(meaning, candidates), ids)
        legacy = pc.if_else(candidates, identity.legacy_ids(table, layout, missing), None)
        stored_before = identity.stored(conn, legacy)
    too_long = pc.greater(pc.utf8_length(ids), 100)
    id_r = pa.nulls(n, pa.string())
    if pc.any(too_long).as_py():
        id_r = pc.if_else(too_long, both("捐款编号超过 100 个字符", "donation id is longer than 100 characters"), id_r)

    reasons = pc.coalesce(reasons, id_r)
    ok = pc.is_null(reasons)
    for i in pc.indices_nonzero(pc.invert(ok)).to_pylist():
        judged.rejections.append(
            Rejection(table.lines[i].as_py(), reasons[i].as_py(), _row_text(layout, table, table.row_cells(i)))
        )

    keep = ok
    kept_ids = ids.filter(ok)
    if not increasing(kept_ids) and len(pc.unique(kept_ids)) < len(kept_ids):
        seen: set[str] = set()
        first = []
        for v in ids.to_pylist():
            first.append(v not in seen)
            seen.add(v)
        keep = pc.and_(ok, pa.array(first))
    keep = pc.and_(keep, pc.invert(stored_before))
    judged.duplicates = len(kept_ids) - pc.sum(keep.cast(pa.int64())).as_py() if len(kept_ids) else 0

    names = field_of("donor_name")
    masked, _ = _per_value(names, mask_name, pa.string())
    donor_ids = field_of("donor_id")
    anonymous = pc.equal(masked, ANONYMOUS)
    keys = pc.if_else(
        pc.not_equal(donor_ids, ""), donor_ids, pc.if_else(anonymous, ids, pc.utf8_trim_whitespace(names))
    )
    keys = keys.filter(keep).dictionary_encode()
    hashes = pa.array(hasher.many(keys.dictionary.to_pylist()), pa.string()).take(keys.indices)
    refs, _ = _per_value(field_of("reference"), lambda v: _clean_label(v) if v else None, pa.string())
    memos, _ = _per_value(field_of("memo"), lambda v: _clean_label(v) if v else None, pa.string())
    messages, _ = _per_value(field_of("message"), lambda v: _clean_label(v) if v else None, pa.string())

    every = pc.all(keep).as_py()
    kept = {
        "donation_id": ids,
        "occurred_at": times.cast(pa.timestamp("us", tz="UTC")),
        "amount_fen": amounts,
        "matched_fen": matches,
        "project_id": projects,
        "team_id": team_ids,
        "site_id": site_ids,
        "channel": channels,
        "donor_name_masked": masked,
        "team_label": team_labels,
        "site_label": site_labels,
        "reference": refs,
        "memo": memos,
        "message": messages,
        "source_line": table.lines,
        "refunded_fen": refunds,
    }
    judged.gifts = pa.table({name: arr if every else arr.filter(keep) for name, arr in kept.items()})
    judged.gifts = judged.gifts.add_column(9, "donor_hash", hashes)
    return judged


def increasing(ids: pa.Array) -> bool:
    """Whether every id is greater than the one before (then no two are the same): a sorted export is told so
    in one pass, where looking for duplicates hashes every id."""
    return ids.null_count == 0 and (
        len(ids) < 2 or pc.all(pc.greater(ids.slice(1), ids.slice(0, len(ids) - 1))).as_py()
    )
