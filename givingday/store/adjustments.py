"""Refunds and corrections: new events that reverse or fix a stored gift. History is never edited in place.

A refund takes the whole gift back (money, matching and one 人次). A correction moves a gift's money to
another amount, project, team, site or channel: it is written as the reversal of the old attribution plus
the new one, so every total (by project, team, site, channel) follows it. A correction of the gift's time
(kind 'redate') takes its rows out at the old time and books them at the new one, so the minutes move too.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from givingday import clock
from givingday.config import CHANNELS
from givingday.labels import GIFT_FIELDS, both
from givingday.money import format_yuan
from givingday.store import audit, rollups
from givingday.store.database import Store, unknown_roster_id

ATTRIBUTION = ("project_id", "team_id", "site_id", "channel")  # where a gift's money counts
# A refund a bill or statement shows: this prefix, the gift's id and the fen refunded so far, so a bill imported
# again books nothing and a later bill that shows more books only the difference.
STATEMENT_REFUND = "refund:statement:"


class AdjustmentError(ValueError):
    pass


def _current(conn: sa.Connection, donation_id: str) -> dict:
    """The gift as it stands now: the original plus every adjustment so far."""
    row = conn.execute(
        sa.text("select project_id, team_id, site_id, channel from donations where donation_id = :id"),
        {"id": donation_id},
    ).one_or_none()
    if row is None:
        raise AdjustmentError(both(f"没有编号为 {donation_id!r} 的捐款", f"no gift with id {donation_id!r}"))
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
        raise AdjustmentError(
            both(f"捐款 {donation_id!r} 已全额退款", f"gift {donation_id!r} has already been refunded")
        )
    current = live[-1] if len(live) == 1 else max(live, key=lambda r: r["amount_fen"])
    at = conn.execute(sa.text("select occurred_at from gift_times where donation_id = :id"), {"id": donation_id})
    return {**attribution, **current, "occurred_at": at.scalar_one()}


def _redate(conn: sa.Connection, donation_id: str, old: dt.datetime, new: dt.datetime, base: dict) -> list[str]:
    """Move a gift to another time: its rows at the old time, taken out there and booked at the new one."""
    at_old = conn.execute(
        sa.text(
            "select project_id, team_id, site_id, channel, sum(amount_fen) as amount_fen,"
            " sum(matched_fen) as matched_fen, sum(donation_count) as donations"
            " from ledger where donation_id = :id and occurred_at = :at group by project_id, team_id, site_id, channel"
        ),
        {"id": donation_id, "at": old},
    ).all()
    ids = []
    for row in at_old:
        r = dict(row._mapping)
        if not (r["amount_fen"] or r["matched_fen"] or r["donations"]):
            continue
        out, back = f"redate:{uuid.uuid4().hex[:16]}", f"redate:{uuid.uuid4().hex[:16]}"
        _insert(conn, adjustment_id=out, **_reversal(r), **{**base, "kind": "redate", "occurred_at": old})
        _insert(
            conn,
            adjustment_id=back,
            amount_delta_fen=int(r["amount_fen"]),
            matched_delta_fen=int(r["matched_fen"]),
            donation_delta=int(r["donations"]),
            **{k: r[k] for k in ATTRIBUTION},
            **{**base, "kind": "redate", "occurred_at": new},
        )
        ids += [out, back]
    return ids


def _reversal(cur: dict) -> dict:
    """The adjustment's columns that take a gift's current money and attribution back out of every total."""
    return {
        "amount_delta_fen": -int(cur["amount_fen"]),
        "matched_delta_fen": -int(cur["matched_fen"]),
        "donation_delta": -int(cur["donations"]),
        **{k: cur[k] for k in ATTRIBUTION},
    }


def _shown(field: str, value: object, tz: dt.tzinfo) -> str:
    if field.endswith("_fen"):
        return format_yuan(int(value or 0))
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(tz):%Y-%m-%d %H:%M:%S}"
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
        raise AdjustmentError(both("退款须写明原因", "a refund needs a reason"))
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


def _statement_refunded(conn: sa.Connection, donation_id: str) -> int:
    """The most a bill has said was refunded from this gift, as booked so far."""
    prefix = f"{STATEMENT_REFUND}{donation_id}:"
    ids = conn.execute(
        sa.text("select adjustment_id from adjustments where donation_id = :id and kind = 'refund'"),
        {"id": donation_id},
    ).scalars()
    return max((int(a[len(prefix) :]) for a in ids if a.startswith(prefix)), default=0)


def book_statement_refunds(conn: sa.Connection, refunded: list[tuple[str, int]], reason: str, by: str) -> int:
    """Refund events for gifts a bill says were refunded (id, fen refunded so far), in the import's transaction.

    Each is booked at the gift's own time, so the gift's minute and every total it counts in show the net. A
    part refund takes that money back and keeps the gift's 人次; a refund of what is left takes the whole gift
    back, as the console's refunds do. Returns the fen booked now.
    """
    now = dt.datetime.now(dt.UTC)
    ids, booked = [], 0
    for donation_id, total in refunded:
        already = _statement_refunded(conn, donation_id)
        if total <= already:
            continue
        try:
            cur = _current(conn, donation_id)
        except AdjustmentError:
            continue  # refunded in full already, on the console or by an earlier bill
        take = min(total - already, int(cur["amount_fen"]))
        if take >= int(cur["amount_fen"]):
            money = _reversal(cur)
        else:
            money = {"amount_delta_fen": -take, "matched_delta_fen": 0, "donation_delta": 0}
            money |= {k: cur[k] for k in ATTRIBUTION}
        adj_id = f"{STATEMENT_REFUND}{donation_id}:{total}"
        _insert(
            conn,
            adjustment_id=adj_id,
            donation_id=donation_id,
            kind="refund",
            occurred_at=cur["occurred_at"],
            reason=reason,
            **money,
            recorded_by=by,
            recorded_at=now,
        )
        ids.append(adj_id)
        booked += -money["amount_delta_fen"]
    if ids:
        rollups.add_events(conn, rollups.NEW_ADJUSTMENTS, {"ids": ids})
    return booked


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
    occurred_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> list[str]:
    """Fix a gift: reverse its current attribution and book the corrected one; with `occurred_at`, move it to
    that time (within the event's window, `clock.gift_time_refused`). Returns the adjustment ids."""
    if not reason.strip():
        raise AdjustmentError(both("更正须写明原因", "a correction needs a reason"))
    if amount_fen is not None and amount_fen <= 0:
        raise AdjustmentError(
            both(
                "更正后的金额须为正数（全额退回请用退款）",
                "a corrected amount must be positive (use a refund to take a gift back)",
            )
        )
    money = (amount_fen, matched_fen, project_id, team_id, site_id, channel)
    if all(v is None for v in (*money, occurred_at)):
        raise AdjustmentError("a correction must change something")
    if channel is not None and channel not in CHANNELS:
        raise AdjustmentError(both(f"未知渠道 {channel!r}", f"unknown channel {channel!r}"))
    if occurred_at is not None:
        if occurred_at.tzinfo is None:
            raise AdjustmentError("the gift's time needs a time zone")
        if refused := clock.gift_time_refused(occurred_at, clock.board_time(store.location, store.event)):
            raise AdjustmentError(refused)
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
            "occurred_at": cur["occurred_at"] if occurred_at is None else occurred_at,
        }
        if all(v is None for v in money) and new["occurred_at"] == cur["occurred_at"]:
            raise AdjustmentError("a correction must change something")
        base = {
            "donation_id": donation_id,
            "kind": "correction",
            "occurred_at": at or now,
            "reason": reason.strip(),
            "recorded_by": recorded_by,
            "recorded_at": now,
        }
        ids = []
        if new["occurred_at"] != cur["occurred_at"]:
            ids += _redate(conn, donation_id, cur["occurred_at"], new["occurred_at"], base)
        if any(v is not None for v in money):
            pair = [f"correction:{uuid.uuid4().hex[:16]}", f"correction:{uuid.uuid4().hex[:16]}"]
            _insert(conn, adjustment_id=pair[0], **_reversal(cur), **base)
            _insert(
                conn,
                adjustment_id=pair[1],
                amount_delta_fen=int(new["amount_fen"]),
                matched_delta_fen=int(new["matched_fen"]),
                donation_delta=int(cur["donations"]),
                **{k: new[k] for k in ATTRIBUTION},
                **base,
            )
            ids += pair
        if ids:
            rollups.add_events(conn, rollups.NEW_ADJUSTMENTS, {"ids": ids})
        if new["occurred_at"] != cur["occurred_at"]:
            rollups.refresh_last_gift(conn, donation_id, cur["occurred_at"], new["occurred_at"])
        changed = {k: v for k, v in new.items() if v != cur[k]}
        tz = store.event.tz
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
            detail="，".join(
                f"{GIFT_FIELDS[k]}：{_shown(k, cur[k], tz)} → {_shown(k, v, tz)}" for k, v in changed.items()
            )
            or "无更改",
        )
    return ids
