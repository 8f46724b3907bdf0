"""The report as files leadership prints and forwards: an A4 PDF (Chinese text embedded, charts as images) and an
XLSX workbook of real numbers. Both are drawn from a `Report` only, so they carry exactly its figures; the same
report gives the same bytes (the files are dated by the report's moment, not by when they were written).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from givingday.labels import NO_SITE, NO_TEAM
from givingday.report import charts as report_charts
from givingday.report import fonts
from givingday.report.figures import (
    Report,
    hour_text,
    month_day,
    paragraphs,
    percent,
    sentences,
    wan,
    yuan,
)

FORMATS = (".pdf", ".xlsx")
# Chinese line breaking (禁则): these never start a line, those never end one; numbers stay whole.
NO_LINE_START = set("，。、；：？！）》」』”’%…·")
NO_LINE_END = set("（《「『“‘¥")
_TOKEN = re.compile(r"[A-Za-z0-9¥.,%+\-:/]+|.", re.S)
SHEETS = ("汇总", "项目", "队伍", "点位", "街道", "分时")


def plain(fen: int) -> str:
    """'1,234.56': exact yuan for a table whose heading says 元."""
    sign = "-" if fen < 0 else ""
    y, f = divmod(abs(fen), 100)
    return f"{sign}{y:,}.{f:02d}"


def wrap_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break Chinese text into lines no wider than `width`: between characters, but never inside a number or
    a Latin word, never before closing punctuation and never after an opening quote."""
    lines: list[list[str]] = []
    line: list[str] = []
    for token in _TOKEN.findall(text):
        if not line or measure("".join(line) + token) <= width:
            line.append(token)
            continue
        if (token[0] in NO_LINE_START or line[-1][-1] in NO_LINE_END) and len(line) > 1:
            lines.append(line[:-1])  # take the last token down with it
            line = [line[-1], token]
        else:
            lines.append(line)
            line = [token]
    if line:
        lines.append(line)
    return ["".join(x) for x in lines]


def title_of(report: Report) -> str:
    return f"{report.event.name} · {report.scope.title}"


def key_figures(report: Report) -> list[tuple[str, str]]:
    """The headline as (label, text) pairs, the same on the page, in the PDF and (as numbers) in the workbook."""
    f, c, s = report.figures, report.cumulative, report.scope
    named_teams = sum(1 for t in report.teams if t.key is not None)
    named_sites = sum(1 for x in report.sites if x.key is not None)
    rows = [
        ("善款总额", f"{yuan(f.total_fen)}（{wan(f.total_fen)}）"),
        ("公众捐款", yuan(f.amount_fen)),
        ("配捐", yuan(f.matched_fen)),
        ("人次", f"{f.donations:,}"),
        ("人数", f"{f.donors:,}"),
        ("平均每笔（公众捐款）", yuan(f.average_gift_fen)),
        ("捐款中位数", yuan(f.median_gift_fen)),
        ("达成目标的项目", f"{report.goals_reached} / {len(report.goals)}"),
        ("有捐款的队伍", f"{report.active_teams} / {named_teams}"),
        ("有捐款的点位", f"{report.active_sites} / {named_sites}"),
    ]
    if s.day is not None:
        rows += [("活动累计善款", f"{yuan(c.total_fen)}（{wan(c.total_fen)}）"), ("活动累计人次", f"{c.donations:,}")]
    if report.event.goal_fen:
        rows.append(("全区目标完成率", percent(Decimal(c.total_fen) / Decimal(report.event.goal_fen))))
    peak = report.peak_hour
    rows.append(("捐款高峰", f"{hour_text(peak, s.day is None)}，{yuan(peak.total_fen)}" if peak else "—"))
    return rows


def check_text(report: Report) -> str:
    if report.problems:
        return "数据核对未通过：" + "；".join(report.problems)
    return (
        f"数据核对：项目、队伍、点位、街道、渠道、类别、分时各项合计均等于善款总额 {yuan(report.figures.total_fen)}，"
        "公众捐款 + 配捐 = 善款总额。"
    )


# ---------------------------------------------------------------------------------------------------------
# PDF


def _pdf_class():
    from fpdf import FPDF

    class ReportPdf(FPDF):
        footer_text = ""
        header_text = ""

        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font("cjk", size=7.5)
            self.set_text_color(120)
            self.cell(0, 5, self.header_text, align="L")
            self.ln(8)
            self.set_text_color(0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=7.5)
            self.set_text_color(120)
            self.cell(0, 5, f"第 {self.page_no()} / {{nb}} 页 · {self.footer_text}", align="C")
            self.set_text_color(0)

    return ReportPdf


def pdf_bytes(report: Report) -> bytes:
    from fpdf import FontFace
    from fpdf.enums import WrapMode

    font = fonts.cjk_font()
    s = report.scope
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("cjk", "", font.regular.path, collection_font_number=font.regular.index)
    pdf.add_font("cjk", "B", font.bold.path, collection_font_number=font.bold.index)
    pdf.set_title(title_of(report))
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(s.until)
    pdf.header_text = f"{title_of(report)} · 数据截至{s.as_of_text}" + (" · 演示数据" if report.is_demo else "")
    pdf.footer_text = f"数据截至{s.as_of_text}" + (" · 演示数据，非真实统计" if report.is_demo else "")
    width = pdf.epw
    heading_style = FontFace(emphasis="BOLD", fill_color=(243, 226, 222))

    def heading(text: str, need: float = 40) -> None:
        """A section title, on a new page when less than `need` mm are left for what follows it."""
        if pdf.get_y() + need > pdf.h - 18:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("cjk", "B", 12)
        pdf.set_text_color(150, 30, 20)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.set_font("cjk", size=9)

    def rows_need(n: int) -> float:
        """Room for a heading and a table of n rows (a long table may run over pages)."""
        return min(16 + 6.2 * (n + 1), 150)

    def table(header: list[str], rows: list[list[str]], widths: list[float], align: list[str], bold_last=False):
        pdf.set_font("cjk", size=8.5)
        with pdf.table(
            col_widths=widths,
            text_align=align,
            headings_style=heading_style,
            line_height=5.2,
            wrapmode=WrapMode.CHAR,
            padding=(0.6, 1.2),
            width=width,
            borders_layout="HORIZONTAL_LINES",
        ) as t:
            for i, cells in enumerate([header, *rows]):
                style = FontFace(emphasis="BOLD") if bold_last and i == len(rows) else None
                r = t.row(style=style)
                for cell in cells:
                    r.cell(cell)
        pdf.ln(2)

    def image(png: bytes, w: float) -> None:
        png_w, png_h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk
        h = w * png_h / png_w
        if pdf.get_y() + h > pdf.h - 18:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin + (width - w) / 2, w=w)
        pdf.ln(2)

    money_cols = ["善款（元）", "公众捐款（元）", "配捐（元）", "人次"]

    def money(x) -> list[str]:
        return [plain(x.total_fen), plain(x.amount_fen), plain(x.matched_fen), f"{x.donations:,}"]

    # Page 1: title, the opening sentences, the headline.
    pdf.add_page()
    pdf.set_font("cjk", "B", 17)
    pdf.multi_cell(0, 9, report.event.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12.5)
    what = "全程汇总报告" if s.day is None else f"{s.day.year}年{month_day(s.day)} 日报"
    pdf.cell(0, 8, f"{what}（数据截至{s.as_of_text}）", align="C", new_x="LMARGIN", new_y="NEXT")
    if report.is_demo:
        pdf.ln(1)
        pdf.set_fill_color(253, 236, 234)
        pdf.set_text_color(170, 20, 20)
        pdf.set_font("cjk", "B", 10)
        pdf.cell(
            0,
            7,
            "演示数据：本报告由模拟的公益日数据生成，不是真实统计。",
            align="C",
            fill=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0)
        pdf.set_fill_color(255)
    pdf.ln(3)
    pdf.set_font("cjk", size=10.5)
    for text in paragraphs(report):
        lines = wrap_lines("　　" + text, width - 2 * pdf.c_margin - 0.5, pdf.get_string_width)
        pdf.multi_cell(0, 6.4, "\n".join(lines), wrapmode=WrapMode.CHAR, align="L", new_x="LMARGIN", new_y="NEXT")
    heading("一、主要数据")
    figures = key_figures(report)
    half = (len(figures) + 1) // 2
    pairs = [[*figures[i], *(figures[i + half] if i + half < len(figures) else ("", ""))] for i in range(half)]
    pdf.set_font("cjk", size=9)
    with pdf.table(
        col_widths=(30, 36, 26, 36),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT"),
        line_height=6,
        first_row_as_headings=False,
        width=width,
        borders_layout="HORIZONTAL_LINES",
        padding=(0.5, 1.2),
        wrapmode=WrapMode.CHAR,
    ) as t:
        for cells in pairs:
            r = t.row()
            for i, cell in enumerate(cells):
                r.cell(cell, style=FontFace(emphasis="BOLD") if i in (0, 2) and cell else None)
    pdf.ln(2)
    heading("二、分渠道")
    total = report.figures.total_fen
    channel_rows = [
        [x.name, *money(x), percent(Decimal(x.total_fen) / total) if total else "—"] for x in report.channels
    ]
    table(
        ["渠道", *money_cols, "占比"],
        channel_rows + [["合计", *money(report.figures), "100.0%" if total else "—"]],
        [20, 24, 24, 20, 14, 12],
        ["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        bold_last=True,
    )

    heading("三、三天对比" if s.day is None else f"三、各日对比（截至{s.as_of_text}）")
    day_rows = [[d.label, *money(d), "—" if d.donors is None else f"{d.donors:,}"] for d in report.days]
    table(
        ["日期", *money_cols, "人数"],
        day_rows + [["合计", *money(report.cumulative), f"{report.cumulative.donors:,}"]],
        [20, 24, 24, 20, 14, 14],
        ["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        bold_last=True,
    )
    image(report_charts.days_png(report), 150)

    heading("四、分时走势", need=80)
    peak = report.peak_hour
    pdf.set_font("cjk", size=9.5)
    if peak:
        pdf.multi_cell(
            0,
            5.5,
            f"高峰时段：{hour_text(peak, s.day is None)}，筹集 {yuan(peak.total_fen)}，{peak.donations:,}人次。",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    image(report_charts.hourly_png(report), width)

    heading("五、排行榜：项目前十", need=150)
    image(report_charts.top_projects_png(report), 160)
    table(
        ["名次", "项目", "类别", *money_cols],
        [[str(i + 1), p.name, p.group or "—", *money(p)] for i, p in enumerate(report.top(report.projects))],
        [9, 50, 16, 24, 24, 20, 14],
        ["CENTER", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
    )
    heading("六、排行榜：一起捐队伍前十", need=rows_need(len(report.top(report.teams))))
    table(
        ["名次", "队伍", "所属项目", *money_cols],
        [[str(i + 1), t.name, t.group or "—", *money(t)] for i, t in enumerate(report.top(report.teams))],
        [9, 38, 36, 22, 22, 18, 12],
        ["CENTER", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
    )
    heading("七、排行榜：公共区域点位前十", need=rows_need(len(report.top(report.sites))))
    table(
        ["名次", "点位", "街道", *money_cols],
        [[str(i + 1), x.name, x.group or "—", *money(x)] for i, x in enumerate(report.top(report.sites))],
        [9, 40, 26, 24, 24, 20, 14],
        ["CENTER", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
    )

    heading("八、分类别（公益+）", need=rows_need(len(report.categories) + 1))
    table(
        ["类别", *money_cols],
        [[x.name, *money(x)] for x in report.categories] + [["合计", *money(report.figures)]],
        [34, 28, 28, 24, 16],
        ["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        bold_last=True,
    )
    heading("九、分街道", need=rows_need(len(report.streets) + 1))
    table(
        ["街道", *money_cols],
        [[x.name, *money(x)] for x in report.streets] + [["合计", *money(report.figures)]],
        [34, 28, 28, 24, 16],
        ["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        bold_last=True,
    )

    heading(f"十、项目目标完成情况（累计至{s.as_of_text}）", need=60)
    goal_header = ["编号", "项目", "类别", "目标（元）", "累计筹款（元）", "完成率", "状态"]
    widths = [11, 48, 16, 22, 26, 15, 13]
    if s.day is not None:
        goal_header.insert(5, "当日（元）")
        widths = [11, 42, 14, 20, 23, 20, 14, 12]
    goal_rows = []
    for g in report.goals:
        cells = [
            g.key,
            g.name,
            g.category or "—",
            plain(g.goal_fen),
            plain(g.raised_fen),
            percent(g.ratio),
            "已达成" if g.reached else "未达成",
        ]
        if s.day is not None:
            cells.insert(5, plain(g.window_fen))
        goal_rows.append(cells)
    table(goal_header, goal_rows, widths, ["LEFT", "LEFT", "LEFT", *["RIGHT"] * (len(widths) - 4), "CENTER"])
    pdf.ln(2)
    pdf.set_font("cjk", size=8.5)
    pdf.set_text_color(*((170, 20, 20) if report.problems else (60, 60, 60)))
    notes = [
        check_text(report),
        f"“{NO_TEAM}”“{NO_SITE}”为未经一起捐队伍或公共区域点位的捐款；人次已扣除退款，"
        "人数为未全额退款的捐款人（按加密标识去重）；平均每笔与中位数按公众捐款计，不含配捐。",
    ]
    if report.scope.is_event and report.figures.events_after:
        notes.append(f"截至时间之后另有{report.figures.events_after:,}条记录，未计入本报告。")
    for note in notes:
        lines = wrap_lines(note, width - 2 * pdf.c_margin - 0.5, pdf.get_string_width)
        pdf.multi_cell(0, 4.8, "\n".join(lines), wrapmode=WrapMode.CHAR, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------------------
# XLSX


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
            ("全区目标完成率", c.total_fen / report.event.goal_fen, pct_f),
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
                float(goals[p.key].ratio) if p.key in goals else None,
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


def write_report(report: Report, out: Path) -> Path:
    """Write the PDF or the workbook, chosen by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{out}: the report is written as .pdf or .xlsx")
    data = pdf_bytes(report) if suffix == ".pdf" else xlsx_bytes(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
