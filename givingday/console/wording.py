"""The console's figures said in words: which part of the event a view shows, how an import went."""

from __future__ import annotations

import datetime as dt

from givingday.config import Event
from givingday.console.figures import Filters, filter_choices
from givingday.ingest.batch import ImportReport
from givingday.labels import FILTER_NAMES, IMPORT_OUTCOMES
from givingday.money import format_yuan


def scope(filters: Filters, event: Event, roster: dict[str, list[dict]]) -> str:
    """'日期：9月7日 10:00–11:00 · 街道：大学路街道 · 渠道：扫码捐款': each filter by its name and its value's
    label, in the sidebar's order; '范围：全部数据' when nothing narrows the view."""
    chosen = {field: str(getattr(filters, field)) for field in FILTER_NAMES if getattr(filters, field) is not None}
    labels = filter_choices(event, roster, chosen)
    if filters.day is not None:
        labels["day"] = {chosen["day"]: _day_text(filters, event)}
    parts = [f"{name}：{labels[field][chosen[field]]}" for field, name in FILTER_NAMES.items() if field in chosen]
    return " · ".join(parts) or "范围：全部数据"


def _day_text(filters: Filters, event: Event) -> str:
    """'9月7日 全天', or '9月7日 10:00–11:00' for a range within the day."""
    day = filters.day
    start, end = filters.time_range(event)
    if start.time() == dt.time(0) and end.date() > day:
        return f"{day.month}月{day.day}日 全天"
    return f"{day.month}月{day.day}日 {start:%H:%M}–{'24:00' if end.date() > day else f'{end:%H:%M}'}"


def moment(at: dt.datetime, tz: dt.tzinfo) -> str:
    """A moment on the console's chart caption: '9月6日 00:00'."""
    local = at.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def import_summary(report: ImportReport) -> str:
    """How an import went, in Chinese: '（文件）：已入账，新增 3 笔（捐款 ¥…，配捐 ¥…），重复 0 笔，退回 1 行。', or
    why the file was not imported (its message, from the file's reader, may be English only)."""
    outcome = IMPORT_OUTCOMES.get(report.outcome, report.outcome)
    if report.outcome != "committed":
        return f"{report.file}：未导入（{outcome}）：{report.message}"
    text = (
        f"{report.file}：{outcome}，新增 {report.rows_new:,} 笔（捐款 {format_yuan(report.amount_new_fen)}，"
        f"配捐 {format_yuan(report.matched_new_fen)}），重复 {report.rows_duplicate:,} 笔，"
        f"退回 {report.rows_rejected:,} 行。"
    )
    profile = report.layout.removeprefix("profile:") if report.layout and report.layout.startswith("profile:") else ""
    because = "，".join(f"{n:,} 行{reason}" for reason, n in report.skipped_because.items())
    said = (
        (profile, f"按导入配置 {profile} 读取。"),
        (report.rows_skipped, f"跳过 {report.rows_skipped:,} 行（{because}），不是捐款。"),
        (report.refunded_new_fen, f"其中退款 {format_yuan(report.refunded_new_fen)}，已从合计中扣除。"),
        (
            report.unknown_teams or report.unknown_sites,
            f"其中 {report.unknown_teams} 笔的队伍、{report.unknown_sites} 笔的点位不在名册中。",
        ),
    )
    text += "".join(sentence for when, sentence in said if when)
    return text
