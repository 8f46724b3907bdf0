"""The report as an XLSX workbook of real numbers: money in yuan with two decimals, counts as integers. Drawn
from a `Report` only; the same report gives the same bytes (dated by the report's moment)."""

from __future__ import annotations

import datetime as dt
import io

from givingday.money import goal_share
from givingday.report.figures import Report
from givingday.report.text import (
    RECONCILIATION_HEADER,
    RECONCILIATION_TITLE,
    VOLUNTEER_HEADER,
    VOLUNTEER_TITLE,
    check_text,
    reconciliation_rows,
    reconciliation_sentence,
    sentences,
    title_of,
    volunteer_sentence,
)

SHEETS = ("汇总", "项目", "队伍", "点位", "街道", "分时")


def _naive_local(report: Report, moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(report.event.tz).replace(tzinfo=None)


def xlsx_bytes(report: Report) -> bytes:
    """Sheets 汇总, 项目, 队伍, 点位, 街道, 分时: money as numbers in yuan (two decimals), counts as integers."""
    import xlsxwriter

    s = report.scope
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": title_of(report), "created": _naive_local(report, s.until), "author": "givingday"})
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#F3E2DE", "border": 1, "text_wrap": True, "valign": "top"})
    yuan_f = wb.add_format({"num_format": "#,##0.00"})
    yuan_b = wb.add_format({"num_format": "#,##0.00", "bold": True})
    int_f = wb.add_format({"num_format": "#,##0"})
    int_b = wb.add_format({"num_format": "#,##0", "bold": True})
    pct_f = wb.add_format({"num_format": "0.0%"})
    hours_f = wb.add_format({"num_format": "#,##0.0"})
    time_f = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    red = wb.add_format({"bold": True, "font_color": "#AA1414"})

    def y(fen: int) -> float:
        return fen / 100

    def sheet(name: str, columns: list[tuple[str, int]], rows: list[list], formats: list, total: list | None = None):
        ws = wb.add_worksheet(name)
        for c, (label, w) in enumerate(columns):
            ws.write(0, c, label, head)
            ws.set_column(c, c, w)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                ws.write(r, c, value, formats[c])
        if total is not None:
            r = len(rows) + 1
            for c, value in enumerate(total):
                if value is not None:
                    fmt = {yuan_f: yuan_b, int_f: int_b}.get(formats[c], bold)
                    ws.write(r, c, value, fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(columns) - 1)
        return ws

    def money(x) -> list:
        return [y(x.amount_fen), y(x.matched_fen), y(x.total_fen), x.donations]

    money_cols = [("公众捐款（元）", 16), ("配捐（元）", 14), ("善款合计（元）", 16), ("人次", 10)]
    money_fmt = [yuan_f, yuan_f, yuan_f, int_f]

    # 汇总
    ws = wb.add_worksheet(SHEETS[0])
    ws.set_column(0, 0, 24)
    ws.set_column(1, 5, 16)
    ws.write(0, 0, title_of(report), title)
    ws.write(1, 0, "数据截至")
    ws.write(1, 1, s.as_of_text)
    row = 2
    if report.is_demo:
        ws.write(row, 0, "演示数据：模拟的公益日数据，不是真实统计。", red)
        row += 1
    f, c = report.figures, report.cumulative
    values: list[tuple[str, object, object]] = [
        ("善款总额（元）", y(f.total_fen), yuan_f),
        ("公众捐款（元）", y(f.amount_fen), yuan_f),
        ("配捐（元）", y(f.matched_fen), yuan_f),
        ("人次", f.donations, int_f),
        ("人数", f.donors, int_f),
        ("平均每笔（公众捐款，元）", None if f.average_gift_fen is None else float(f.average_gift_fen) / 100, yuan_f),
        ("捐款中位数（元）", None if f.median_gift_fen is None else float(f.median_gift_fen) / 100, yuan_f),
        ("达成目标的项目", report.goals_reached, int_f),
        ("设有目标的项目", len(report.goals), int_f),
        ("有捐款的队伍", report.active_teams, int_f),
        ("有捐款的点位", report.active_sites, int_f),
    ]
    if s.day is not None:
        values += [
            ("活动累计善款（元）", y(c.total_fen), yuan_f),
            ("活动累计人次", c.donations, int_f),
            ("活动累计人数", c.donors, int_f),
        ]
    if report.event.goal_fen:
        values += [
            ("全区目标（元）", y(report.event.goal_fen), yuan_f),
            ("全区目标完成率", float(goal_share(c.total_fen, report.event.goal_fen)), pct_f),
        ]
    for what, e in (
        ("今日", report.forecast and report.forecast.today),
        ("全程", report.forecast and report.forecast.event),
    ):
        if e:
            values += [
                (f"预计{what}（元，中间值）", y(e.point_fen), yuan_f),
                (f"预计{what}（元，80%下限）", y(e.low_fen), yuan_f),
                (f"预计{what}（元，80%上限）", y(e.high_fen), yuan_f),
            ]
    row += 1
    ws.write_row(row, 0, ["指标", "数值"], head)
    for label, value, fmt in values:
        row += 1
        ws.write(row, 0, label)
        if value is not None:
            ws.write(row, 1, value, fmt)

    def block(header: list[str], lines: list[list], formats: list) -> None:
        nonlocal row
        row += 2
        ws.write_row(row, 0, header, head)
        for line in lines:
            row += 1
            for col, value in enumerate(line):
                if value is not None:
                    ws.write(row, col, value, formats[col])

    plain_f = wb.add_format({})
    block(
        ["渠道", "公众捐款（元）", "配捐（元）", "善款合计（元）", "人次"],
        [[x.name, *money(x)] for x in report.channels],
        [plain_f, *money_fmt],
    )
    block(
        ["类别", "公众捐款（元）", "配捐（元）", "善款合计（元）", "人次"],
        [[x.name, *money(x)] for x in report.categories],
        [plain_f, *money_fmt],
    )
    block(
        ["日期", "公众捐款（元）", "配捐（元）", "善款合计（元）", "人次", "人数"],
        [[d.label, *money(d), d.donors] for d in report.days],
        [plain_f, *money_fmt, int_f],
    )
    row += 2
    ws.write(row, 0, "概述", bold)
    for text in sentences(report):
        row += 1
        ws.write(row, 0, text)
    row += 2
    ws.write(row, 0, check_text(report), red if report.problems else plain_f)
    row += 2
    ws.write(row, 0, RECONCILIATION_TITLE, bold)
    row += 1
    ws.write(
        row,
        0,
        reconciliation_sentence(report),
        red if report.reconciliation and report.reconciliation.flagged else plain_f,
    )
    if report.reconciliation is not None:
        block(
            [*RECONCILIATION_HEADER[:4], "本系统人次", "平台人次", *RECONCILIATION_HEADER[5:]],
            [
                [
                    cells[0],
                    y(p.ours_fen),
                    y(p.theirs_fen),
                    y(p.diff_fen),
                    p.ours_donations,
                    p.theirs_donations,
                    "是" if p.flagged else None,
                    cells[-1] or None,
                ]
                for p, cells in zip(report.reconciliation.projects, reconciliation_rows(report), strict=True)
            ],
            [plain_f, yuan_f, yuan_f, yuan_f, int_f, int_f, plain_f, plain_f],
        )
    row += 2
    ws.write(row, 0, VOLUNTEER_TITLE, bold)
    row += 1
    ws.write(row, 0, volunteer_sentence(report), plain_f)
    if report.volunteer_sites:
        block(
            VOLUNTEER_HEADER,
            [
                [i + 1, r.name, y(r.fen_per_volunteer_hour), y(r.total_fen), r.donations, r.volunteer_hours]
                for i, r in enumerate(report.volunteer_sites)
            ],
            [int_f, plain_f, yuan_f, yuan_f, int_f, hours_f],
        )

    # 项目: every project, the window's money; goals cumulative to the moment.
    goals = {g.key: g for g in report.goals}
    projects = sorted(report.projects, key=lambda p: p.key)
    sheet(
        SHEETS[1],
        [
            ("编号", 8),
            ("项目", 26),
            ("类别", 10),
            *money_cols,
            ("目标（元）", 14),
            ("累计筹款（元）", 16),
            ("完成率", 9),
            ("达成目标", 9),
        ],
        [
            [
                p.key,
                p.name,
                p.group,
                *money(p),
                y(p.goal_fen) if p.goal_fen else None,
                y(goals[p.key].raised_fen) if p.key in goals else None,
                float(goal_share(goals[p.key].raised_fen, goals[p.key].goal_fen)) if p.key in goals else None,
                ("是" if goals[p.key].reached else "否") if p.key in goals else None,
            ]
            for p in projects
        ],
        [plain_f, plain_f, plain_f, *money_fmt, yuan_f, yuan_f, pct_f, plain_f],
        ["合计", None, None, *money(report.figures), None, None, None, None],
    )

    # 队伍: per project, the teams it was raised through, 无队伍 as its own line.
    names = {p.key: p.name for p in report.projects}
    sheet(
        SHEETS[2],
        [("项目编号", 9), ("项目", 24), ("队伍编号", 9), ("队伍", 28), *money_cols],
        [[t.group, names.get(t.group, t.group), t.key, t.name, *money(t)] for t in report.project_teams],
        [plain_f, plain_f, plain_f, plain_f, *money_fmt],
        ["合计", None, None, None, *money(report.figures)],
    )
    sheet(
        SHEETS[3],
        [("点位编号", 9), ("点位", 24), ("街道", 14), *money_cols],
        [[x.key, x.name, x.group, *money(x)] for x in report.sites],
        [plain_f, plain_f, plain_f, *money_fmt],
        ["合计", None, None, *money(report.figures)],
    )
    site_counts: dict[str, tuple[int, int]] = {}
    for x in report.sites:
        if x.key is not None:
            n, active = site_counts.get(x.group or "", (0, 0))
            site_counts[x.group or ""] = (n + 1, active + (1 if x.donations > 0 else 0))
    sheet(
        SHEETS[4],
        [("街道", 16), ("点位数", 8), ("有捐款点位", 10), *money_cols],
        [
            [x.name, *(site_counts.get(x.key, (None, None)) if x.key else (None, None)), *money(x)]
            for x in report.streets
        ],
        [plain_f, int_f, int_f, *money_fmt],
        ["合计", None, None, *money(report.figures)],
    )
    sheet(
        SHEETS[5],
        [("时段开始", 17), *money_cols],
        [[_naive_local(report, h.start), *money(h)] for h in report.hours],
        [time_f, *money_fmt],
        ["合计", *money(report.figures)],
    )
    wb.close()
    return buf.getvalue()
