"""Donors' messages (留言): kept apart from their gifts, scrubbed at import, pending until an organizer approves or
denies them. Only an approved message is read by a public screen (`queries/screen_sites_latest_gifts.sql`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from givingday.store import audit

STATUSES = ("pending", "approved", "denied")
DECISIONS = {"approved": "message_approved", "denied": "message_denied"}  # status -> audit action


def add_import(conn: sa.Connection, import_id: int, staged: str = "staged_donations") -> int:
    """Store, as pending, the messages of this import's new gifts (`staged` holds the judged rows with their
    scrubbed `message`); how many."""
    return conn.execute(
        sa.text(
            f"""insert into donor_messages (message_id, donation_id, message_text, status, received_at)
            select 'msg:' || s.donation_id, s.donation_id, s.message, 'pending', :now
            from {staged} s
            join donations d on d.donation_id = s.donation_id and d.import_id = :import_id
            where s.message is not null
            on conflict do nothing"""
        ),
        {"import_id": import_id, "now": dt.datetime.now(dt.UTC)},
    ).rowcount


def decide(conn: sa.Connection, message_id: str, status: str, user: str) -> bool:
    """Approve or deny a pending message, with its line in the audit trail. A message already decided is left
    as it is (a second click of the same button changes nothing): returns whether this call decided it."""
    if status not in DECISIONS:
        raise ValueError(f"a message is approved or denied, not {status!r}")
    changed = conn.execute(
        sa.text(
            "update donor_messages set status = :status, decided_by = :user, decided_at = :at"
            " where message_id = :message_id and status = 'pending'"
        ),
        {"status": status, "user": user, "at": dt.datetime.now(dt.UTC), "message_id": message_id},
    ).rowcount
    if changed:
        audit.record(conn, user, DECISIONS[status], "留言审核 message moderated", target_id=message_id)
    return bool(changed)
