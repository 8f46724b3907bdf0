"""The comparisons kept: each one's projects written in one transaction, and read back for the 核对 page and the
leadership report (which reads the newest through the same query)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from givingday.clock import on_board_clock
from givingday.config import Event
from givingday.drift import official
from givingday.drift.compare import Drift, compare
from givingday.store.database import Store

TYPED = official.TYPED
TYPED_HEADER = "项目编号,已筹金额(元),捐款人次,统计时间\n"


@dataclass(frozen=True)
class Check:
    check_id: int
    checked_at: dt.datetime
    checked_by: str
    file_name: str
    until: dt.datetime
    projects: int
    flagged: int


def keep(store: Store, drifts: list[Drift], file_name: str, checked_by: str, now: dt.datetime | None = None) -> int:
    """Store one comparison and its rows together; returns its id."""
    now = now or dt.datetime.now(dt.UTC)
    with store.writing() as conn:
        check_id = conn.execute(sa.text("select nextval('drift_check_id_seq')")).scalar()
        conn.execute(
            sa.text(
                "insert into drift_checks (check_id, checked_at, checked_by, file_name, as_of, projects, flagged)"
                " values (:check_id, :checked_at, :checked_by, :file_name, :as_of, :projects, :flagged)"
            ),
            {
                "check_id": check_id,
                "checked_at": now,
                "checked_by": checked_by,
                "file_name": file_name,
                "as_of": max(d.until for d in drifts),
                "projects": len(drifts),
                "flagged": sum(1 for d in drifts if d.flagged),
            },
        )
        conn.execute(
            sa.text(
                "insert into drift_rows (check_id, project_id, as_of, ours_fen, theirs_fen, ours_donations,"
                " theirs_donations, is_flagged, cause, cause_text) values (:check_id, :project_id, :as_of,"
                " :ours_fen, :theirs_fen, :ours_donations, :theirs_donations, :is_flagged, :cause, :cause_text)"
            ),
            [
                {
                    "check_id": check_id,
                    "project_id": d.project_id,
                    "as_of": d.until,
                    "ours_fen": d.ours_fen,
                    "theirs_fen": d.theirs_fen,
                    "ours_donations": d.ours_donations,
                    "theirs_donations": d.theirs_donations,
                    "is_flagged": d.flagged,
                    "cause": d.cause,
                    "cause_text": d.cause_text,
                }
                for d in drifts
            ],
        )
    return int(check_id)


def check_and_keep(
    store: Store,
    event: Event,
    data: bytes,
    file_name: str,
    checked_by: str,
    until: dt.datetime | None = None,
    profile: official.TotalsProfile | None = None,
) -> tuple[int, list[Drift]]:
    """Read the official figures, compare them and keep the comparison: its id and rows, flagged first. A file
    that cannot be read raises `official.TotalsFileError` and nothing is kept."""
    rows = official.read_official(data, file_name, store.roster()["projects"], event, until, profile)
    drifts = compare(store, event, rows)
    return keep(store, drifts, file_name, checked_by), drifts


def typed_figures(project_id: str, raised_yuan: str, donations: str, as_of: str) -> bytes:
    """One project's figures typed on the page, as the one-line file they are then read as (the same rules and
    messages as a download; a typed comma or quote stays inside its cell)."""
    cells = [project_id, raised_yuan, donations, as_of]
    return (TYPED_HEADER + ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n").encode("utf-8")


def recent_checks(store: Store, n: int = 20) -> list[Check]:
    """The newest comparisons, each made at a real moment shown on the board's clock (the demo's while one plays),
    as the page's imports and acts are."""
    return [
        Check(
            int(r["check_id"]),
            on_board_clock(store.location, r["checked_at"]),
            r["checked_by"],
            r["file_name"],
            r["as_of"],
            int(r["projects"]),
            int(r["flagged"]),
        )
        for r in store.query("drift_checks_recent", limit_n=n)
    ]


def kept_drift(r: Mapping[str, Any]) -> Drift:
    """One kept project's row (`drift_check_rows`, `report_drift_check`) as the comparison made it."""
    return Drift(
        r["project_id"],
        r["project_name"],
        r["as_of"],
        int(r["ours_fen"]),
        int(r["theirs_fen"]),
        int(r["ours_donations"]),
        int(r["theirs_donations"]),
        bool(r["is_flagged"]),
        r["cause"],
        r["cause_text"] or "",
    )


def check_rows(store: Store, check_id: int) -> list[Drift]:
    return [kept_drift(r) for r in store.query("drift_check_rows", check_id=check_id)]
