"""A handful of gifts, with a refund, a correction, a moved gift, an import, pledges and an audit line, written by
hand the same on either database; and a value for every parameter of the query files, to run each of them on it."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from givingday import config
from givingday.store import donors, rollups
from givingday.store.database import Store, query_text

QUERY_NAMES = [p.stem for p in sorted(config.QUERIES_DIR.glob("*.sql"))]
ZONE = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2020, 9, day, hour, minute, second, tzinfo=ZONE)


START, DAY_END, END = at(7, 0, 0), at(8, 0, 0), dt.datetime(2020, 9, 10, tzinfo=ZONE)
UNTIL = at(9, 12, 0)
# One value for each parameter name any query takes: the event's days, nothing filtered out.
PARAMS = {
    "since": START,
    "until": UNTIL,
    "from_at": START,
    "to_at": END,
    "day_start": START,
    "day_end": DAY_END,
    "chart_since": START,
    "chart_until": UNTIL,
    "since_day": START,
    **{f"since_m{m}": UNTIL - dt.timedelta(minutes=m) for m in (5, 15, 30, 60, 180)},
    **dict.fromkeys(("category", "project_id", "team_id", "site_id", "street", "channel", "origin")),
    "limit_n": 50,
    "piece": 0,
    "min_fen": 50_000,
    "within_seconds": 600,
    "pool_fen": 3_000,
    "unit": "minute",
    "period": "hour",
    "check_id": 1,
    "diff_fen": 12_000,
    "large_fen": 50_000,
    "opens_minute": 600,
    "status": "pending",
    "shown_first": "newest",
    "site_ids": ["S001", "S002"],
}
# The gifts: (id, time, fen, matched fen, project, team, site, channel, masked name, donor hash).
GIFTS = [
    ("D1", at(7, 10, 1, 30), 10_000, 2_000, "P001", "T001", "S002", "qr", "张*", "h1"),
    ("D2", at(7, 10, 1, 50), 10_000, 2_000, "P001", "T001", "S002", "qr", "张*", "h1"),
    ("D3", at(7, 14, 30), 88_800, 0, "P002", "T002", "S001", "corporate", "某公司", "h2"),
    ("D4", at(8, 9, 5), 500, 0, "P089", None, None, "offline", "匿名", "h3"),
    ("D5", at(8, 23, 59, 59), 1_234, 100, "P002", None, "S001", "livestream", "李**", "h4"),
    ("D6", at(9, 11, 58), 6_600, 1_000, "P001", "T001", "S002", "bank", "王*", "h5"),
]
# Adjustments: D3 refunded on the 8th, D5's amount corrected, D4 moved (redated) from the 8th to the 9th.
ADJUSTMENTS = [
    ("a1", "D3", "refund", at(8, 10, 0), -88_800, 0, -1, "P002", "T002", "S001", "corporate"),
    ("a2", "D5", "correction", at(9, 8, 0), -1_234, -100, -1, "P002", None, "S001", "livestream"),
    ("a3", "D5", "correction", at(9, 8, 0), 2_234, 100, 1, "P002", None, "S001", "livestream"),
    ("a4", "D4", "redate", at(8, 9, 5), -500, 0, -1, "P089", None, None, "offline"),
    ("a5", "D4", "redate", at(9, 9, 5), 500, 0, 1, "P089", None, None, "offline"),
]


def _insert(conn: sa.Connection, table: str, columns: str, rows: list[tuple]) -> None:
    names = columns.split()
    sql = f"insert into {table} ({', '.join(names)}) values ({', '.join(':' + n for n in names)})"
    conn.execute(sa.text(sql), [dict(zip(names, row, strict=True)) for row in rows])


def seed_gifts(store: Store) -> None:
    """The gifts, their adjustments, an import, a rejected row, an audit line and pledges, written by hand (the
    rollups by the product's `add_events`), the same on either database."""
    cols = "donation_id occurred_at amount_fen matched_fen project_id team_id site_id channel donor_name_masked"
    with store.writing() as conn:
        _insert(
            conn,
            "imports",
            "import_id file_name file_sha256 file_format profile started_at duration_ms rows_total rows_new"
            " rows_duplicate rows_rejected amount_new_fen outcome message rows_skipped",
            [(1, "gifts.csv", "ab", "csv", None, at(9, 12, 0), 40, 7, 6, 0, 1, 117_134, "committed", None, 0)],
        )
        gift_rows = [(*g, "备注", "gifts.csv", line, 1) for line, g in enumerate(GIFTS, 2)]
        _insert(conn, "donations", f"{cols} donor_hash memo source_file source_line import_id", gift_rows)
        rollups.add_events(conn, rollups.NEW_GIFTS, {"import_id": 1})
        donors.add_import(conn, 1)
        _insert(
            conn,
            "donor_messages",
            "message_id donation_id message_text status received_at",
            [("msg:D1", "D1", "加油", "pending", UNTIL)],
        )
        adjustment_cols = "adjustment_id donation_id kind occurred_at amount_delta_fen matched_delta_fen"
        adjustment_cols += " donation_delta project_id team_id site_id channel reason recorded_by recorded_at"
        _insert(conn, "adjustments", adjustment_cols, [(*a, "原因", "admin", UNTIL) for a in ADJUSTMENTS])
        rollups.add_events(conn, rollups.NEW_ADJUSTMENTS, {"ids": [a[0] for a in ADJUSTMENTS]})
        _insert(conn, "rejected_rows", "import_id file_name line reason row_text", [(1, "gifts.csv", 8, "amount", "x")])
        _insert(
            conn,
            "audit_log",
            "audit_id acted_at user_name action target_id amount_fen reason detail",
            [("u1", UNTIL, "admin", "refund", "D3", -88_800, "原因", "a1")],
        )
        pledge_cols = "pledge_id recorded_at recorded_by donor_name_masked project_id team_id site_id amount_fen"
        _insert(
            conn,
            "pledges",
            f"{pledge_cols} due_on reason",
            [
                ("p1", at(8, 9, 0), "admin", "赵*", "P001", "T001", "S002", 50_000, dt.date(2020, 9, 9), "认捐"),
                ("p2", at(8, 9, 1), "admin", "钱*", "P002", None, None, 9_900, None, "认捐"),
            ],
        )
        _insert(
            conn,
            "pledge_closures",
            "pledge_id closed_at closed_by outcome donation_id reason",
            [("p2", at(9, 9, 0), "admin", "cancelled", None, "取消")],
        )
        _insert(
            conn,
            "drift_checks",
            "check_id checked_at checked_by file_name as_of projects flagged",
            [(1, UNTIL, "admin", "official.csv", UNTIL, 1, 1)],
        )
        _insert(
            conn,
            "drift_rows",
            "check_id project_id as_of ours_fen theirs_fen ours_donations theirs_donations is_flagged cause cause_text",
            [(1, "P001", UNTIL, 31_600, 19_600, 3, 2, True, "duplicate", "可能重复")],
        )
        _insert(
            conn,
            "shifts",
            "site_id day_number start_minute end_minute volunteers",
            [("S002", 1, 600, 720, 4), ("S001", 1, 840, 900, 2), ("S002", 3, 690, 750, 3)],
        )


def query_params(name: str) -> dict:
    """The values of the parameters `queries/<name>.sql` takes."""
    return {p: PARAMS[p] for p in re.findall(r"(?<!:):([a-z][a-z0-9_]*)", query_text(name))}
