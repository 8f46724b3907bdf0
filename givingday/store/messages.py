"""Donors' messages (留言): kept apart from their gifts, scrubbed at import, pending until an organizer approves or
denies them. Only an approved message is read by a public screen (`queries/screen_sites_latest_gifts.sql`); an
approval withdrawn makes it denied."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from givingday.store import audit, bulk

STATUSES = ("pending", "approved", "denied")
DECISIONS = {"approved": "message_approved", "denied": "message_denied"}  # status -> audit action


def add_import(conn: sa.Connection, import_id: int, staged: pa.Table) -> int:
    """Store, as pending, the messages of this import's new gifts (`staged`: the judged gifts with their scrubbed
    `message`, after the new ones were inserted); how many. A gift stored before keeps what it had: its message
    is not taken from this file."""
    said = staged.filter(pc.is_valid(staged["message"]))
    if not said.num_rows:
        return 0
    new = conn.execute(sa.text("select count(*) from donations where import_id = :id"), {"id": import_id}).scalar_one()
    if not new:
        return 0
    if new < staged.num_rows:  # some of the file's gifts were stored before: only this import's have a message
        mine = conn.execute(sa.text("select donation_id from donations where import_id = :id"), {"id": import_id})
        said = said.filter(pc.is_in(said["donation_id"], pa.array(mine.scalars().all(), pa.string())))
    now = dt.datetime.now(dt.UTC)
    rows = pa.table(
        {
            "message_id": pc.binary_join_element_wise("msg:", said["donation_id"], ""),
            "donation_id": said["donation_id"],
            "message_text": said["message"],
            "status": pa.array(["pending"] * said.num_rows, pa.string()),
            "received_at": pa.array([now] * said.num_rows, pa.timestamp("us", tz="UTC")),
        }
    )
    # A plain insert: only a gift this import stored first has its message here, so none is there already (and
    # DuckDB's conflict check on two unique keys is slow: docs/performance.md).
    return bulk.insert_staged(conn, "donor_messages", rows, rows.column_names, skip_conflicts=False)


def decide(conn: sa.Connection, message_id: str, status: str, user: str) -> bool:
    """Approve or deny a pending message, with its line in the audit trail. A message already decided is left
    as it is (a second click of the same button changes nothing): returns whether this call decided it."""
    if status not in DECISIONS:
        raise ValueError(f"a message is approved or denied, not {status!r}")
    return _move(conn, message_id, "pending", status, user, DECISIONS[status], "留言审核 message moderated")


def withdraw(conn: sa.Connection, message_id: str, user: str) -> bool:
    """Take an approved message off the public screens: it becomes denied, not pending again, so it does not go
    back to the queue where another organizer, not knowing why, could approve it again. Who withdrew it and when
    replace the approval, which stays in the audit trail beside this. Returns whether this call withdrew it (a
    message not approved, or withdrawn already, is left as it is)."""
    return _move(conn, message_id, "approved", "denied", user, "message_withdrawn", "撤回通过 approval withdrawn")


def _move(conn: sa.Connection, message_id: str, was: str, status: str, user: str, action: str, reason: str) -> bool:
    """One message from `was` to `status`, with who and when and its audit line; False when it was not `was`."""
    changed = conn.execute(
        sa.text(
            "update donor_messages set status = :status, decided_by = :user, decided_at = :at"
            " where message_id = :message_id and status = :was"
        ),
        {"status": status, "user": user, "at": dt.datetime.now(dt.UTC), "message_id": message_id, "was": was},
    ).rowcount
    if changed:
        audit.record(conn, user, action, reason, target_id=message_id)
    return bool(changed)
