"""Refunds and corrections: new events that reverse or fix a stored gift. History is never edited in place.

A refund takes the whole gift back (money, matching and one 人次). A correction moves a gift's money to
another amount, project, team, site or channel: it is written as the reversal of the old attribution plus
the new one, so every total (by project, team, site, channel) follows it.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from givingday.config import CHANNELS
from givingday.money import format_yuan
from givingday.store import audit, rollups
from givingday.store.database import Store, unknown_roster_id

ATTRIBUTION = ("project_id", "team_id", "site_id", "channel")  # where a gift's money counts


class AdjustmentError(ValueError):
    pass


def _current(conn: sa.Connection, donation_id: str) -> dict:
    """The gift as it stands now: the original plus every adjustment so far."""
    row = conn.execute(
        sa.text("select project_id, team_id, site_id, channel from donations where donation_id = :id"),
        {"id": donation_id},
    ).one_or_none()
    if row is None:
        raise AdjustmentError(f"no gift with id {donation_id!r}")
    attribution = dict(row._mapping)
    nets = conn.execute(
        sa.text(
            "select project_id, team_id, site_id, channel, sum(amount_fen) as amount_fen,"
            " sum(matched_fen) as matched_fen, sum(donation_count) as donations"
            " from ledger where donation_id = :id group by project_id, team_id, site_id, channel"
        ),
        {"id": donation_id},
    ).all()
    live = [dict(r._mapping) for r in nets if r.amount_fen or r.matched_fen or r.donations]
    if not live:
        raise AdjustmentError(f"gift {donation_id!r} has already been refunded")
    current = live[-1] if len(live) == 1 else max(live, key=lambda r: r["amount_fen"])
    return {**attribution, **current}


def _reversal(cur: dict) -> dict:
    """The adjustment's columns that take a gift's current money and attribution back out of every total."""
    return {
        "amount_delta_fen": -int(cur["amount_fen"]),
        "matched_delta_fen": -int(cur["matched_fen"]),
        "donation_delta": -int(cur["donations"]),
        **{k: cur[k] for k in ATTRIBUTION},
    }


def _shown(field: str, value: object) -> str:
    if field.endswith("_fen"):
        return format_yuan(int(value or 0))
    return str(value or "—")


def current(store: Store, donation_id: str) -> dict:
    """A gift as it stands now (for the console's correction form); AdjustmentError if none or refunded."""
    with store.engine.connect() as conn:
        return _current(conn, donation_id)


def _insert(conn: sa.Connection, **values) -> None:
    cols = list(values)
    conn.execute(
        sa.text(f"insert into adjustments ({', '.join(cols)}) values ({', '.join(':' + c for c in cols)})"),
        values,
    )


def refund(store: Store, donation_id: str, reason: str, recorded_by: str, at: dt.datetime | None = None) -> str:
    """Take a gift back in full. Returns the adjustment id."""
    if not reason.strip():
        raise AdjustmentError("a refund needs a reason")
    now = dt.datetime.now(dt.UTC)
    with store.writing() as conn:
        cur = _current(conn, donation_id)
        adj_id = f"refund:{uuid.uuid4().hex[:16]}"
        _insert(
            conn,
            adjustment_id=adj_id,
            donation_id=donation_id,
            kind="refund",
            occurred_at=at or now,
            reason=reason.strip(),
            **_reversal(cur),
            recorded_by=recorded_by,
            recorded_at=now,
        )
        rollups.add_events(conn, rollups.NEW_ADJUSTMENTS, {"ids": [adj_id]})
        audit.record(
            conn,
            recorded_by,
            "refund",
            reason,
            target_id=donation_id,
            amount_fen=-int(cur["amount_fen"]) - int(cur["matched_fen"]),
            detail=adj_id,
        )
    return adj_id


def correct(
    store: Store,
    donation_id: str,
    reason: str,
    recorded_by: str,
    *,
    amount_fen: int | None = None,
    matched_fen: int | None = None,
    project_id: str | None = None,
    team_id: str | None = None,
    site_id: str | None = None,
    channel: str | None = None,
    at: dt.datetime | None = None,
) -> list[str]:
    """Fix a gift: reverse its current attribution and book the corrected one. Returns the adjustment ids."""
    if not reason.strip():
        raise AdjustmentError("a correction needs a reason")
    if amount_fen is not None and amount_fen <= 0:
        raise AdjustmentError("a corrected amount must be positive (use a refund to take a gift back)")
    if all(v is None for v in (amount_fen, matched_fen, project_id, team_id, site_id, channel)):
        raise AdjustmentError("a correction must change something")
    if channel is not None and channel not in CHANNELS:
        raise AdjustmentError(f"unknown channel {channel!r}")
    now = dt.datetime.now(dt.UTC)
    with store.writing() as conn:
        cur = _current(conn, donation_id)
        if unknown := unknown_roster_id(conn, project_id=project_id, team_id=team_id, site_id=site_id):
            raise AdjustmentError(unknown)
        new = {
            "amount_fen": cur["amount_fen"] if amount_fen is None else amount_fen,
            "matched_fen": cur["matched_fen"] if matched_fen is None else matched_fen,
            "project_id": project_id or cur["project_id"],
            "team_id": cur["team_id"] if team_id is None else (team_id or None),
            "site_id": cur["site_id"] if site_id is None else (site_id or None),
            "channel": channel or cur["channel"],
        }
        base = {
            "donation_id": donation_id,
            "kind": "correction",
            "occurred_at": at or now,
            "reason": reason.strip(),
            "recorded_by": recorded_by,
            "recorded_at": now,
        }
        ids = [f"correction:{uuid.uuid4().hex[:16]}", f"correction:{uuid.uuid4().hex[:16]}"]
        _insert(
            conn,
            adjustment_id=ids[0],
            **_reversal(cur),
            **base,
        )
        _insert(
            conn,
            adjustment_id=ids[1],
            amount_delta_fen=int(new["amount_fen"]),
            matched_delta_fen=int(new["matched_fen"]),
            donation_delta=int(cur["donations"]),
            **{k: new[k] for k in ATTRIBUTION},
            **base,
        )
        rollups.add_events(conn, rollups.NEW_ADJUSTMENTS, {"ids": ids})
        changed = {k: v for k, v in new.items() if v != cur[k]}
        audit.record(
            conn,
            recorded_by,
            "correction",
            reason,
            target_id=donation_id,
            amount_fen=int(new["amount_fen"])
            + int(new["matched_fen"])
            - int(cur["amount_fen"])
            - int(cur["matched_fen"]),
            detail=", ".join(f"{k}: {_shown(k, cur[k])} → {_shown(k, v)}" for k, v in changed.items()) or "no change",
        )
    return ids
