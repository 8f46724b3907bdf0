"""The audit trail: who did what from the console or the command line, when, and why.

Every act that changes money (a recorded gift, a pledge, a refund, a correction, an uploaded file) writes
one row here inside its own transaction, so the act and its record exist together or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from givingday.masking import scrub

ACTIONS = {
    "gift": "录入捐款",
    "pledge": "登记认捐",
    "pledge_closed": "认捐结清",
    "refund": "退款",
    "correction": "更正",
    "upload": "上传文件",
    "message_approved": "留言通过",
    "message_denied": "留言不予展示",
    "message_withdrawn": "留言撤回通过",
}


def record(
    conn: sa.Connection,
    user: str,
    action: str,
    reason: str,
    *,
    target_id: str | None = None,
    amount_fen: int | None = None,
    detail: str | None = None,
) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    audit_id = f"audit:{uuid.uuid4().hex[:16]}"
    conn.execute(
        sa.text(
            "insert into audit_log (audit_id, acted_at, user_name, action, target_id, amount_fen, reason, detail)"
            " values (:audit_id, :acted_at, :user, :action, :target_id, :amount_fen, :reason, :detail)"
        ),
        {
            "audit_id": audit_id,
            "acted_at": dt.datetime.now(dt.UTC),
            "user": user,
            "action": action,
            "target_id": target_id,
            "amount_fen": amount_fen,
            "reason": scrub(reason, limit=500),
            "detail": detail[:1000] if detail else None,
        },
    )
    return audit_id
