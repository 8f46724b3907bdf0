"""Every table the organizers' pages show, labelled for the screen and the downloaded file alike.

Each function takes the figures as the core computed them and returns the table through `exports.table`,
so a page only draws it: money is exact yuan and times are local text on the screen and in the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from givingday.console import exports
from givingday.ingest.batch import Rejection
from givingday.labels import CHANNEL_NAMES, IMPORT_OUTCOMES, NO_SITE, NO_TEAM
from givingday.store.audit import ACTIONS

Rows = list[dict[str, Any]]

BREAKDOWN_LABELS = {
    "project": {"key": "编号", "name": "项目", "category": "类别"},
    "team": {"key": "编号", "name": "队伍", "project": "项目", "site": "点位"},
    "site": {"key": "编号", "name": "点位", "street": "街道"},
    "street": {"name": "街道"},
}
BREAKDOWN_FIGURES = {
    "goal_fen": "目标(元)",
    "total_fen": "已筹(元)",
    "matched_fen": "其中配捐(元)",
    "donations": "人次",
    "share_of_goal": "完成度",
    "last_gift_at": "最后一笔",
}


# What a field is called wherever a table shows it; a table names its own where it means something narrower.
LABELS = {
    "donation_id": "编号",
    "occurred_at": "时间",
    "donor_name_masked": "捐赠人",
    "amount_fen": "金额(元)",
    "matched_fen": "配捐(元)",
    "project": "项目",
    "team": "队伍",
    "site": "点位",
    "channel": "渠道",
    "source_file": "来源",
    "street": "街道",
    "file_name": "文件",
    "rows_new": "新增",
}
GIFT = ("donation_id", "occurred_at", "donor_name_masked", "amount_fen")


def _labels(*fields: str | tuple[str, str]) -> dict[str, str]:
    """Field -> label for a table: a field by name takes its usual label, a (field, label) pair its own."""
    return dict(f if isinstance(f, tuple) else (f, LABELS[f]) for f in fields)


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def windows(w: dict[str, Any]) -> pd.DataFrame:
    """The rolling windows beside the same windows a day before, with the change as a ratio; on the event's first
    day there is no day before, so no such columns."""
    labels = {"label": "窗口", "total_fen": "善款(元)", "donations": "人次"}
    if w["first_day"]:
        return exports.table(w["rows"], labels)
    rows = [{**r, "change": None if not r["before_fen"] else r["total_fen"] / r["before_fen"] - 1} for r in w["rows"]]
    before = {"before_fen": "前一天同时段(元)", "before_donations": "前一天人次", "change": "变化"}
    return exports.table(rows, {**labels, **before})


def chosen_project(tables: dict[str, pd.DataFrame], project_id: str | None) -> dict[str, Any] | None:
    """The project the console is narrowed to, as its row of the project table (money, goal, share of goal)."""
    projects = tables["project"]
    rows = projects[projects["key"] == project_id].to_dict("records") if project_id else []
    if not rows:
        return None
    r = rows[0]
    return {
        "name": r["name"],
        "total_fen": int(r["total_fen"]),
        "donations": int(r["donations"]),
        "goal_fen": None if pd.isna(r["goal_fen"]) or not r["goal_fen"] else int(r["goal_fen"]),
        "share_of_goal": r["share_of_goal"],
    }


# What the console's search box looks in: a breakdown table's name and key; a gift's id, project, team and site.
SEARCHED = ("name", "key")
GIFT_SEARCHED = ("donation_id", "project", "project_id", "team", "team_id", "site", "site_id")


def search(frame: pd.DataFrame, text: str, columns: tuple[str, ...] = SEARCHED) -> pd.DataFrame:
    """The rows whose `columns` hold `text` (any case; an empty cell holds nothing); all rows for no text."""
    if not text or frame.empty:
        return frame
    hit = pd.Series(False, index=frame.index)
    for column in columns:
        hit |= frame[column].fillna("").astype(str).str.contains(text, case=False, regex=False)
    return frame[hit]


def breakdown(frame: pd.DataFrame, dim: str, tz: dt.tzinfo) -> pd.DataFrame:
    """One of the console's four tables (project, team, site, street) as shown."""
    return exports.table(frame, {**BREAKDOWN_LABELS[dim], **BREAKDOWN_FIGURES}, tz)


def latest_gifts(latest: pd.DataFrame, tz: dt.tzinfo) -> pd.DataFrame:
    """The newest gifts, each with its channel's name and whether it was refunded or corrected since."""
    rows = [
        {
            **r,
            "channel": channel_name(r["channel"]),
            "status": "已退款" if r["is_refunded"] else ("已更正" if r["adjustments"] else ""),
        }
        for r in latest.to_dict("records")
    ]
    labels = _labels(*GIFT, "matched_fen", ("status", "状态"), "project", "team", "site", "channel", "source_file")
    return exports.table(rows, labels, tz)


def quiet_sites(quiet: Rows, tz: dt.tzinfo) -> pd.DataFrame:
    labels = _labels(("name", "点位"), "street", ("quiet_minutes", "安静(分钟)"), ("total_fen", "今日已筹(元)"))
    return exports.table(quiet, {**labels, "last_gift_at": "最后一笔"}, tz)


def idle_teams(teams: Rows) -> pd.DataFrame:
    return exports.table(teams, {"key": "编号", "name": "队伍", "project": "项目", "site": "点位"})


def imports(flow_imports: Rows, tz: dt.tzinfo) -> pd.DataFrame:
    """Recent imports with how late their newest gift came."""
    labels = _labels(("started_at", "导入时间"), "file_name", "rows_new", ("newest_gift_at", "最新一笔"))
    return exports.table(flow_imports, {**labels, "lag_minutes": "延迟(分钟)"}, tz)


def failed_files(failed: Rows, tz: dt.tzinfo) -> pd.DataFrame:
    return exports.table(failed, {"failed_at": "时间", "file_name": "文件", "message": "原因"}, tz)


def row_content(text: str) -> str:
    """A rejected row's (masked) cells as a line to read, 'project: P999 · channel: qr', empty cells left out;
    text that is not a JSON object (a line that could not be read) as it is."""
    try:
        cells = json.loads(text)
    except ValueError:
        return text
    if not isinstance(cells, dict):
        return text
    return " · ".join(f"{key}: {value}" for key, value in cells.items() if value not in ("", None))


def rejected_rows(rows: Rows | Iterable[Rejection]) -> pd.DataFrame:
    """Rows turned away, with their reason and their (masked) content; with the file when the rows have one."""
    rows = [r if isinstance(r, dict) else vars(r) for r in rows]
    rows = [{**r, "row_text": row_content(r["row_text"])} for r in rows]
    labels = {"file_name": "文件"} if rows and "file_name" in rows[0] else {}
    return exports.table(rows, {**labels, "line": "行", "reason": "原因", "row_text": "内容（已脱敏）"})


def judged_gifts(gifts: Rows, roster: dict[str, list[dict]], tz: dt.tzinfo) -> pd.DataFrame:
    """Gifts judged but not stored (the mapping screen's preview), credited by name as the store would show them."""
    names = {what: {r[f"{what}_id"]: r["name"] for r in roster[f"{what}s"]} for what in ("project", "team", "site")}
    rows = [
        {
            **g,
            "project": names["project"].get(g["project_id"], g["project_id"]),
            "team": names["team"].get(g["team_id"]) or g["team_label"] or NO_TEAM,
            "site": names["site"].get(g["site_id"]) or g["site_label"] or NO_SITE,
            "channel": channel_name(g["channel"]),
        }
        for g in gifts
    ]
    return exports.table(rows, _labels(*GIFT, "matched_fen", "project", "team", "site", "channel"), tz)


def _project_names(rows: Rows, roster: dict[str, list[dict]]) -> Rows:
    names = {p["project_id"]: p["name"] for p in roster["projects"]}
    return [{**r, "project": names.get(r["project_id"], r["project_id"])} for r in rows]


def possible_duplicates(dups: Rows, roster: dict[str, list[dict]], tz: dt.tzinfo) -> pd.DataFrame:
    earlier = (("earlier_id", "相似的编号"), ("earlier_at", "其时间"), ("earlier_source", "其来源"))
    labels = _labels(*GIFT, "project", "source_file", *earlier)
    return exports.table(_project_names(dups, roster), labels, tz)


def large_gifts(big: Rows, roster: dict[str, list[dict]], tz: dt.tzinfo) -> pd.DataFrame:
    rows = [{**g, "channel": channel_name(g["channel"])} for g in _project_names(big, roster)]
    labels = _labels(*GIFT, "project", "channel", "source_file")
    return exports.table(rows, labels, tz)


def open_pledges(pledges: Rows, roster: dict[str, list[dict]]) -> pd.DataFrame:
    rows = [{**p, "due_on": p["due_on"] or ""} for p in _project_names(pledges, roster)]
    labels = {
        "pledge_id": "编号",
        "donor_name_masked": "认捐方",
        "amount_fen": "金额(元)",
        "project": "项目",
        "due_on": "预计到账",
        "recorded_by": "登记人",
    }
    return exports.table(rows, labels)


def audit_trail(rows: Rows, tz: dt.tzinfo) -> pd.DataFrame:
    """Who did what, when and why, newest first."""
    rows = [
        {
            **r,
            "action": ACTIONS.get(r["action"], r["action"]),
            # an upload's target is its import's number, as 数据状态 and the alerts list the imports
            "target_id": f"导入 #{r['target_id']}"
            if r["action"] == "upload" and r["target_id"]
            else r["target_id"] or "",
            "detail": r["detail"] or "",
        }
        for r in rows
    ]
    labels = {
        "acted_at": "操作时间",
        "user_name": "操作人",
        "action": "操作",
        "target_id": "对象",
        "amount_fen": "金额变化(元)",
        "reason": "原因",
        "detail": "详情",
    }
    return exports.table(rows, labels, tz)


def money_totals(rows: Rows, label: str) -> pd.DataFrame:
    """A name per row with its money (exact yuan, shown with thousands separators like every table's) and its
    count of gifts."""
    shown = [{**r, "total_fen": r["amount_fen"] + r["matched_fen"]} for r in rows]
    labels = {"name": label, "total_fen": "善款(元)", "matched_fen": "其中配捐(元)", "donations": "人次"}
    return exports.table(shown, labels)


def recent_imports(rows: Rows) -> pd.DataFrame:
    labels = {
        "import_id": "编号",  # what the audit trail's upload names
        "started_at": "时间",
        "file_name": "文件",
        "outcome": "结果",
        "rows_new": "新增",
        "rows_duplicate": "重复",
        "rows_rejected": "退回",
        "rows_skipped": "跳过",
        "message": "说明",
    }
    shown = [
        {**r, "outcome": IMPORT_OUTCOMES.get(r["outcome"], r["outcome"]), "message": r["message"] or ""} for r in rows
    ]
    return exports.table(shown, labels)


DRIFT_LABELS = {
    "flag": "超出阈值",
    "project_id": "编号",
    "project_name": "项目",
    "ours_fen": "本系统(元)",
    "theirs_fen": "平台(元)",
    "diff_fen": "差额(元)",
    "ours_donations": "本系统人次",
    "theirs_donations": "平台人次",
    "diff_donations": "人次差",
    "cause_text": "可能原因 Likely cause",
}


def drift_rows(drifts: Iterable[Any]) -> pd.DataFrame:
    """A comparison with the platform's official totals (`drift.compare.Drift`s), flagged first as given; the
    difference is ours minus the platform's."""
    return exports.table(
        (
            {
                **{k: getattr(d, k) for k in DRIFT_LABELS if k != "flag"},
                "flag": "⚠ 是" if d.flagged else "",
                "cause_text": d.cause_text if d.flagged else "",
            }
            for d in drifts
        ),
        DRIFT_LABELS,
    )


def drift_checks(checks: Rows, tz: dt.tzinfo) -> pd.DataFrame:
    """The comparisons kept, newest first; the platform's time as it wrote it (the last moment it counted)."""
    rows = [{**c, "official_at": c["until"] - dt.timedelta(microseconds=1)} for c in checks]
    labels = {
        "check_id": "编号",
        "checked_at": "核对时间",
        "checked_by": "核对人",
        "file_name": "文件",
        "official_at": "平台统计时间",
        "projects": "项目数",
        "flagged": "超出阈值",
    }
    return exports.table(rows, labels, tz)
