"""The report as an A4 PDF leadership prints and forwards: Chinese text embedded (the machine's CJK font), the
charts as images. Drawn from a `Report` only, so it carries exactly its figures; the same report gives the
same bytes (the file is dated by the report's moment, not by when it was written)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal

from givingday.labels import NO_SITE, NO_TEAM
from givingday.money import format_percent
from givingday.report import charts as report_charts
from givingday.report import fonts, text
from givingday.report.figures import Report
from givingday.report.scope import month_day

# Chinese line breaking (禁则): these never start a line, those never end one; numbers stay whole.
NO_LINE_START = set("，。、；：？！）》」』”’%…·")
NO_LINE_END = set("（《「『“‘¥")
_TOKEN = re.compile(r"[A-Za-z0-9¥.,%+\-:/]+|.", re.S)


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
    pdf.set_title(text.title_of(report))
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(s.until)
    pdf.header_text = f"{text.title_of(report)} · 数据截至{s.as_of_text}" + (" · 演示数据" if report.is_demo else "")
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
    for paragraph in text.paragraphs(report):
        lines = wrap_lines("　　" + paragraph, width - 2 * pdf.c_margin - 0.5, pdf.get_string_width)
        pdf.multi_cell(0, 6.4, "\n".join(lines), wrapmode=WrapMode.CHAR, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for line in text.forecast_lines(report):
        lines = wrap_lines(line, width - 2 * pdf.c_margin - 0.5, pdf.get_string_width)
        pdf.multi_cell(0, 5, "\n".join(lines), wrapmode=WrapMode.CHAR, align="L", new_x="LMARGIN", new_y="NEXT")
    heading("一、主要数据")
    figures = text.key_figures(report)
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
    rows = text.breakdown_rows(report.channels, report.figures)
    for row, x in zip(rows, [*report.channels, report.figures], strict=True):
        row.append(format_percent(Decimal(x.total_fen) / total) if total else "—")
    table(
        ["渠道", *text.MONEY_COLUMNS, "占比"],
        rows,
        [20, 24, 24, 20, 14, 12],
        ["LEFT", *["RIGHT"] * 5],
        bold_last=True,
    )

    heading("三、三天对比" if s.day is None else f"三、各日对比（截至{s.as_of_text}）")
    table(
        ["日期", *text.MONEY_COLUMNS, "人数"],
        text.day_rows(report),
        [20, 24, 24, 20, 14, 14],
        ["LEFT", *["RIGHT"] * 5],
        bold_last=True,
    )
    image(report_charts.days_png(report), 150)

    heading("四、分时走势", need=80)
    pdf.set_font("cjk", size=9.5)
    if text.peak_sentence(report):
        pdf.multi_cell(0, 5.5, text.peak_sentence(report), new_x="LMARGIN", new_y="NEXT")
    image(report_charts.hourly_png(report), width)

    heading("五、排行榜：项目前十", need=150)
    image(report_charts.top_projects_png(report), 160)
    for title, (name, group), lines, widths in (
        (None, ("项目", "类别"), report.projects, [9, 50, 16, 24, 24, 20, 14]),
        ("六、排行榜：一起捐队伍前十", ("队伍", "所属项目"), report.teams, [9, 38, 36, 22, 22, 18, 12]),
        ("七、排行榜：公共区域点位前十", ("点位", "街道"), report.sites, [9, 40, 26, 24, 24, 20, 14]),
    ):
        top = report.top(lines)
        if title:
            heading(title, need=rows_need(len(top)))
        table(
            ["名次", name, group, *text.MONEY_COLUMNS],
            text.ranking_rows(top),
            widths,
            ["CENTER", "LEFT", "LEFT", *["RIGHT"] * 4],
        )

    for title, name, lines in (
        ("八、分类别（公益+）", "类别", report.categories),
        ("九、分街道", "街道", report.streets),
    ):
        heading(title, need=rows_need(len(lines) + 1))
        table(
            [name, *text.MONEY_COLUMNS],
            text.breakdown_rows(lines, report.figures),
            [34, 28, 28, 24, 16],
            ["LEFT", *["RIGHT"] * 4],
            bold_last=True,
        )

    heading(f"十、项目目标完成情况（累计至{s.as_of_text}）", need=60)
    goal_header, goal_rows = text.goal_table(report)
    widths = [11, 48, 16, 22, 26, 15, 13] if s.day is None else [11, 42, 14, 20, 23, 20, 14, 12]
    table(goal_header, goal_rows, widths, ["LEFT", "LEFT", "LEFT", *["RIGHT"] * (len(widths) - 4), "CENTER"])
    pdf.ln(2)
    pdf.set_font("cjk", size=8.5)
    pdf.set_text_color(*((170, 20, 20) if report.problems else (60, 60, 60)))
    notes = [
        text.check_text(report),
        f"“{NO_TEAM}”“{NO_SITE}”为未经一起捐队伍或公共区域点位的捐款；人次已扣除退款，"
        "人数为未全额退款的捐款人（按加密标识去重）；平均每笔与中位数按公众捐款计，不含配捐。",
    ]
    if text.after_note(report):
        notes.append(text.after_note(report))
    for note in notes:
        lines = wrap_lines(note, width - 2 * pdf.c_margin - 0.5, pdf.get_string_width)
        pdf.multi_cell(0, 4.8, "\n".join(lines), wrapmode=WrapMode.CHAR, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)

    def sentence_and_table(title: str, sentence: str, header: list[str], rows: list[list[str]], widths, align):
        """A closing section: a heading, a sentence, and its table when it has rows."""
        heading(title, need=rows_need(len(rows)) if rows else 24)
        pdf.set_font("cjk", size=9.5)
        pdf.multi_cell(0, 5.5, sentence, new_x="LMARGIN", new_y="NEXT")
        if rows:
            pdf.ln(1)
            table(header, rows, widths, align)

    sentence_and_table(
        f"十一、{text.RECONCILIATION_TITLE}",
        text.reconciliation_sentence(report),
        text.RECONCILIATION_HEADER,
        text.reconciliation_rows(report),
        [34, 22, 22, 20, 22, 15, 43],
        ["LEFT", *["RIGHT"] * 4, "CENTER", "LEFT"],
    )
    sentence_and_table(
        f"十二、{text.VOLUNTEER_TITLE}",
        text.volunteer_sentence(report),
        text.VOLUNTEER_HEADER,
        text.volunteer_rows(report),
        [12, 58, 30, 28, 25, 25],
        ["CENTER", "LEFT", *["RIGHT"] * 4],
    )
    return bytes(pdf.output())
