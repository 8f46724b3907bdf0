"""What an organizer can do from the console: record a gift or a pledge, close a pledge, upload a file.

A recorded gift goes through the same ingestion as any file (`import_bytes`), so it meets the same rules
(known project, amount within the cap, name masked, stable id) and lands with its rollups. Each act writes
its audit row in the same transaction. Refunds and corrections are in `adjustments` and audit themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

from givingday import clock, labels
from givingday.console import wording
from givingday.ingest.batch import ImportReport, import_bytes
from givingday.ingest.profiles import Profile
from givingday.ingest.progress import Progress
from givingday.labels import CHANNEL_NAMES, NO_SITE, NO_TEAM, both
from givingday.masking import ANONYMOUS, mask_name, scrub
from givingday.money import format_yuan
from givingday.store import audit
from givingday.store.database import Store, unknown_roster_id

RECORDED_CHANNELS = ("offline", "bank", "corporate", "livestream")
PLEDGE_OUTCOMES = tuple(labels.PLEDGE_OUTCOMES)


class ActionError(ValueError):
    """Why an act was refused; nothing was stored."""


class AlreadyStored(ActionError):
    """This submission was stored before (the same form clicked twice): nothing new was stored."""

    def __init__(self, what: str, act_id: str) -> None:
        super().__init__(
            f"这次提交已{what}（编号 {act_id}），没有重复{what}。This submission was already stored as {act_id}."
        )
        self.act_id = act_id


def _act_id(prefix: str, submission: str | None) -> str:
    """An act's id: from the form's submission id when there is one, so submitting it twice stores it once."""
    return f"{prefix}-{submission or uuid.uuid4().hex[:16]}"


def _need_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ActionError("请写明原因或备注（谁、为什么）。A reason is required.")
    return reason.strip()


def choices(roster: dict[str, list[dict]]) -> dict[str, dict[str, str]]:
    """What a form offers: {"project"/"team"/"site": {id: name}}, in roster order."""
    return {what: {r[f"{what}_id"]: r["name"] for r in roster[f"{what}s"]} for what in ("project", "team", "site")}


def describe(gift: dict[str, Any], roster: dict[str, list[dict]], tz: dt.tzinfo) -> str:
    """A gift as it stands, in one line: its time, money, project, team, site and channel by name."""
    names = choices(roster)
    return (
        f"{gift['occurred_at'].astimezone(tz):%Y-%m-%d %H:%M:%S} · "
        f"{format_yuan(gift['amount_fen'])}（配捐 {format_yuan(gift['matched_fen'])}）· "
        f"{names['project'].get(gift['project_id'], gift['project_id'])} · "
        f"{names['team'].get(gift['team_id'] or '', NO_TEAM)} · {names['site'].get(gift['site_id'] or '', NO_SITE)} · "
        f"{CHANNEL_NAMES.get(gift['channel'], gift['channel'])}"
    )


def changes(
    gift: dict[str, Any],
    amount_fen: int | None,
    project_id: str | None,
    team_id: str | None,
    site_id: str | None,
    occurred_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """What a correction form changes of a gift as it stands: only the fields that differ (a team or site taken
    away becomes ""); empty when nothing changed. The form shows times to the minute, so a time within the
    gift's own minute is no change."""
    asked = {"amount_fen": amount_fen, "project_id": project_id, "team_id": team_id or "", "site_id": site_id or ""}
    before = {**gift, "team_id": gift["team_id"] or "", "site_id": gift["site_id"] or ""}
    out = {k: v for k, v in asked.items() if v is not None and v != before[k]}
    if occurred_at is not None and occurred_at != gift["occurred_at"].replace(second=0, microsecond=0):
        out["occurred_at"] = occurred_at
    return out


def form_days(board: clock.BoardTime) -> tuple[dt.date, dt.date, dt.date]:
    """The record form's date picker: the first and the last day a gift may have (the event's days widened by
    `margin_days`), and the day it starts at: today, or the window's nearest day when today is outside it."""
    event = board.event
    first, last = event.takes_from.date(), (event.takes_until - dt.timedelta(days=1)).date()
    return first, last, min(max(board.now.astimezone(event.tz).date(), first), last)


def form_moment(day: dt.date, at: dt.time | None, board: clock.BoardTime) -> dt.datetime:
    """The record form's time: the day and time typed, or without a time the board's now to the second, so a gift
    taken now is as recent as it is (a time picker knows only minutes). A day other than today needs its time."""
    now = board.now.astimezone(board.event.tz).replace(microsecond=0)
    if at is not None:
        return dt.datetime.combine(day, at, board.event.tz)
    if day != now.date():
        raise ActionError(f"{day} 不是今天：请填写捐款的时间。A gift of another day needs its time.")
    return now


def total_fen(gift: dict[str, Any]) -> int:
    """A gift's money with its matching: what a refund takes out of every total."""
    return gift["amount_fen"] + gift["matched_fen"]


def pledged_fen(pledges: list[dict[str, Any]]) -> int:
    return sum(p["amount_fen"] for p in pledges)


def record_gift(
    store: Store,
    user: str,
    *,
    channel: str,
    project_id: str,
    amount_fen: int,
    occurred_at: dt.datetime,
    reason: str,
    team_id: str | None = None,
    site_id: str | None = None,
    donor_name: str = "",
    reference: str = "",
    submission: str | None = None,
) -> str:
    """Record an offline, bank, corporate or livestream gift. Returns its id; ActionError if refused, as when
    its time is outside the event's window or later than the board's now (`clock.gift_time_refused`), or when
    this `submission` was already recorded."""
    reason = _need_reason(reason)
    if channel not in RECORDED_CHANNELS:
        raise ActionError(f"channel {channel!r} cannot be recorded by hand (one of {', '.join(RECORDED_CHANNELS)})")
    if amount_fen <= 0:
        raise ActionError(
            both(
                "金额须为正数（退款按捐款编号另行记录）",
                "the amount must be positive (a refund is recorded against the gift's id)",
            )
        )
    if occurred_at.tzinfo is None:
        raise ActionError("the gift's time needs a time zone")
    if refused := clock.gift_time_refused(occurred_at, clock.board_time(store.location, store.event)):
        raise ActionError(refused)
    donation_id = _act_id(channel, submission)
    row = {
        "donation_id": donation_id,
        "occurred_at": occurred_at.isoformat(),
        "amount_yuan": format_yuan(amount_fen, ""),
        "matched_yuan": "0",
        "project": project_id,
        "team": team_id or "",
        "site": site_id or "",
        "channel": channel,
        "donor_name": donor_name.strip(),
        "reference": reference.strip(),
        "memo": reason,
    }

    def audit_it(conn: sa.Connection, report: ImportReport) -> None:
        if report.rejections:
            raise ActionError(report.rejections[0].reason)  # rolls the whole import back
        if report.rows_duplicate:
            raise AlreadyStored("录入", donation_id)
        if report.outcome != "committed" or report.rows_new != 1:
            raise ActionError(report.message or both("捐款未保存", "the gift was not stored"))
        audit.record(
            conn,
            user,
            "gift",
            reason,
            target_id=donation_id,
            amount_fen=amount_fen,
            detail=f"{CHANNEL_NAMES[channel]} · {project_id} · {team_id or '—'} · {site_id or '—'}",
        )

    data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
    import_bytes(store, data, source=f"console:{user}", also=audit_it)
    return donation_id


def record_pledge(
    store: Store,
    user: str,
    *,
    donor_name: str,
    project_id: str,
    amount_fen: int,
    reason: str,
    team_id: str | None = None,
    site_id: str | None = None,
    due_on: dt.date | None = None,
    submission: str | None = None,
) -> str:
    """Record money promised but not yet received. It is never counted in the totals. A `submission` already
    recorded is refused."""
    reason = _need_reason(reason)
    if amount_fen <= 0:
        raise ActionError(both("金额须为正数", "the amount must be positive"))
    if amount_fen > store.event.max_gift_fen:
        cap = format_yuan(store.event.max_gift_fen)
        raise ActionError(
            both(
                f"金额 {format_yuan(amount_fen)} 超过单笔上限 {cap}",
                f"amount {format_yuan(amount_fen)} is above the cap of {cap}",
            )
        )
    pledge_id = _act_id("pledge", submission)
    with store.writing() as conn:
        if conn.execute(sa.text("select count(*) from pledges where pledge_id = :id"), {"id": pledge_id}).scalar():
            raise AlreadyStored("登记", pledge_id)
        if unknown := unknown_roster_id(conn, project_id=project_id, team_id=team_id, site_id=site_id):
            raise ActionError(unknown)
        conn.execute(
            sa.text(
                "insert into pledges (pledge_id, recorded_at, recorded_by, donor_name_masked, project_id, team_id,"
                " site_id, amount_fen, due_on, reason) values (:id, :at, :by, :donor, :project, :team, :site,"
                " :amount, :due, :reason)"
            ),
            {
                "id": pledge_id,
                "at": dt.datetime.now(dt.UTC),
                "by": user,
                "donor": mask_name(donor_name) if donor_name.strip() else ANONYMOUS,
                "project": project_id,
                "team": team_id or None,
                "site": site_id or None,
                "amount": amount_fen,
                "due": due_on,
                "reason": scrub(reason, limit=500),
            },
        )
        audit.record(
            conn,
            user,
            "pledge",
            reason,
            target_id=pledge_id,
            amount_fen=amount_fen,
            detail=f"{project_id} · 预计到账 {due_on or '—'}",
        )
    return pledge_id


def close_pledge(
    store: Store, user: str, pledge_id: str, outcome: str, reason: str, donation_id: str | None = None
) -> None:
    """Close a pledge: fulfilled by a stored gift (its id), or cancelled. A new row; the pledge stays."""
    reason = _need_reason(reason)
    if outcome not in PLEDGE_OUTCOMES:
        raise ActionError(f"outcome must be one of {', '.join(PLEDGE_OUTCOMES)}")
    if outcome == "fulfilled" and not (donation_id and donation_id.strip()):
        raise ActionError(
            both("已到账的认捐须填写到账的捐款编号", "a fulfilled pledge names the gift that fulfilled it")
        )
    with store.writing() as conn:
        pledge = conn.execute(
            sa.text("select amount_fen from pledges where pledge_id = :id"), {"id": pledge_id}
        ).one_or_none()
        if pledge is None:
            raise ActionError(both(f"没有编号为 {pledge_id!r} 的认捐", f"no pledge with id {pledge_id!r}"))
        if conn.execute(
            sa.text("select count(*) from pledge_closures where pledge_id = :id"), {"id": pledge_id}
        ).scalar():
            raise ActionError(both(f"认捐 {pledge_id!r} 已经结清", f"pledge {pledge_id!r} is already closed"))
        if (
            outcome == "fulfilled"
            and not conn.execute(
                sa.text("select count(*) from donations where donation_id = :id"), {"id": donation_id.strip()}
            ).scalar()
        ):
            raise ActionError(
                both(f"没有编号为 {donation_id.strip()!r} 的捐款", f"no gift with id {donation_id.strip()!r}")
            )
        conn.execute(
            sa.text(
                "insert into pledge_closures (pledge_id, closed_at, closed_by, outcome, donation_id, reason)"
                " values (:id, :at, :by, :outcome, :gift, :reason)"
            ),
            {
                "id": pledge_id,
                "at": dt.datetime.now(dt.UTC),
                "by": user,
                "outcome": outcome,
                "gift": donation_id.strip() if donation_id else None,
                "reason": scrub(reason, limit=500),
            },
        )
        audit.record(
            conn,
            user,
            "pledge_closed",
            reason,
            target_id=pledge_id,
            amount_fen=pledge.amount_fen,
            detail=labels.PLEDGE_OUTCOMES[outcome] + (f"：捐款 {donation_id.strip()}" if donation_id else ""),
        )


def upload(
    store: Store,
    user: str,
    file_name: str,
    data: bytes,
    profile: Profile | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """An uploaded export: the same ingestion as the inbox, with who uploaded it in the audit trail, and its
    progress told to `progress` (the page's bar)."""

    def audit_it(conn: sa.Connection, report: ImportReport) -> None:
        audit.record(
            conn,
            user,
            "upload",
            f"上传 {file_name}",
            target_id=str(report.import_id),
            amount_fen=report.amount_new_fen + report.matched_new_fen,
            detail=wording.import_summary(report),
        )

    return import_bytes(store, data, source=file_name, profile=profile, also=audit_it, progress=progress)
