"""The report's charts as PNG images (matplotlib, no pyplot): the hourly curve, the days side by side and the
top projects. The PDF prints them on white paper; the summary page shows the same charts drawn for its dark
screen (`screen=True`) and prints the paper ones. Same report, same bytes."""

from __future__ import annotations

import io
import threading
from functools import cache

from givingday.report import fonts
from givingday.report.figures import Report
from givingday.report.scope import month_day
from givingday.report.text import hour_text

PUBLIC = "#c0392b"  # 公众捐款
MATCHED = "#f0a030"  # 配捐
PEAK = {False: "#7b1d12", True: "#ff9a8a"}  # on paper, on the dark screen
# The page's dark theme (Streamlit's dark background and text) for the charts drawn for the screen.
SCREEN_STYLE = {
    "figure.facecolor": "#171614",
    "axes.facecolor": "#171614",
    "savefig.facecolor": "#171614",
    "text.color": "#fafafa",
    "axes.labelcolor": "#fafafa",
    "xtick.color": "#d0d0d0",
    "ytick.color": "#d0d0d0",
    "axes.edgecolor": "#808495",
    "grid.color": "#31333f",
}
PAPER_STYLE = {"grid.color": "#dddddd"}
DPI = 200
WIDTH_IN = 7.0  # 178 mm: the PDF's text width
_DRAWING = threading.Lock()  # rc_context changes matplotlib's global settings: one chart at a time per process


@cache
def _family() -> str:
    """The matplotlib family name of the report's Chinese font (registered when matplotlib has not seen it)."""
    from matplotlib import font_manager

    face = fonts.cjk_font().regular
    known = {f.name for f in font_manager.fontManager.ttflist}
    if face.family in known:
        return face.family
    font_manager.fontManager.addfont(face.path)  # a collection registers its first face
    return font_manager.FontProperties(fname=face.path).get_name()


def _figure(height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    return fig, fig.add_subplot()


def _style(ax, unit: str, axis: str = "y") -> None:
    """Light grid along the money axis, which is labelled with the unit."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=axis, linewidth=0.6)
    ax.set_axisbelow(True)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(unit, fontsize=8)
    ax.tick_params(labelsize=7)


def _stacked(ax, where: list, items: list, div: float, size: float, horizontal: bool = False) -> None:
    """Public money with matching stacked on it, one bar per item."""
    public = [x.amount_fen / div for x in items]
    matched = [x.matched_fen / div for x in items]
    if horizontal:
        ax.barh(where, public, color=PUBLIC, label="公众捐款", height=size)
        ax.barh(where, matched, left=public, color=MATCHED, label="配捐", height=size)
    else:
        ax.bar(where, public, width=size, color=PUBLIC, label="公众捐款")
        ax.bar(where, matched, width=size, bottom=public, color=MATCHED, label="配捐")


def _note(ax, text: str, at: tuple[float, float], offset: tuple[float, float], **style) -> None:
    """A small label beside a bar, `offset` points away from it."""
    ax.annotate(text, at, xytext=offset, textcoords="offset points", fontsize=7, **style)


def _scale(max_fen: int) -> tuple[float, str]:
    """Amounts in 万元 once they pass ten thousand yuan, else in 元."""
    return (1_000_000.0, "万元") if max_fen >= 1_000_000 else (100.0, "元")


def _finish(ax, bars, div: float, unit: str, headroom: float) -> None:
    """The y axis from zero to the tallest bar with `headroom` above it for the labels, the style and the legend."""
    top = max((b.total_fen / div for b in bars), default=0)
    ax.set_ylim(0, top * headroom if top > 0 else 1)
    _style(ax, unit)
    ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncol=2)


def _draw(build, screen: bool = False) -> bytes:
    """Build a figure and save it as PNG with the Chinese font (no timestamp: same figures, same bytes), on
    paper or in the page's dark colours."""
    import matplotlib

    style = {"font.family": [_family(), "DejaVu Sans"], "axes.unicode_minus": False}
    style |= SCREEN_STYLE if screen else PAPER_STYLE
    with _DRAWING, matplotlib.rc_context(style):
        fig = build()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    return buf.getvalue()


def hourly_png(report: Report, screen: bool = False) -> bytes:
    """Money per hour, public and matching stacked, the peak hour marked."""

    def build():
        hours = report.hours
        fig, ax = _figure(2.6)
        div, unit = _scale(max((h.total_fen for h in hours), default=0))
        _stacked(ax, list(range(len(hours))), hours, div, 0.85)
        peak = report.peak_hour
        if peak is not None:
            i = hours.index(peak)
            when = hour_text(peak, len({h.start.date() for h in hours}) > 1)
            _note(
                ax,
                f"高峰 {when} {peak.total_fen / div:,.2f}{unit}",
                (i, peak.total_fen / div),
                (0, 6),
                ha="center",
                color=PEAK[screen],
            )
        many_days = len({h.start.date() for h in hours}) > 1
        step = 6 if many_days else 2
        ticks = [i for i, h in enumerate(hours) if h.start.hour % step == 0]
        labels = [
            (f"{month_day(hours[i].start.date())}\n" if many_days and hours[i].start.hour == 0 else "")
            + f"{hours[i].start.hour}时"
            for i in ticks
        ]
        ax.set_xticks(ticks, labels)
        if many_days:
            for i, h in enumerate(hours):
                if h.start.hour == 0 and i:
                    ax.axvline(i - 0.5, color="#999999", linewidth=0.6, linestyle="--")
        ax.set_xlim(-0.6, max(len(hours), 1) - 0.4)
        _finish(ax, hours, div, unit, 1.15)
        return fig

    return _draw(build, screen)


def days_png(report: Report, screen: bool = False) -> bytes:
    """The event's days begun by the report's moment side by side: public money and matching stacked, the total
    above each bar (a day still to come has no bar: it is not a day that raised nothing)."""

    def build():
        days = report.days_begun
        fig, ax = _figure(2.2)
        div, unit = _scale(max((d.total_fen for d in days), default=0))
        _stacked(ax, list(range(len(days))), days, div, 0.55)
        ax.set_xticks(range(len(days)), [d.label for d in days])
        ax.set_xlim(-0.6, max(len(days), 3) - 0.4)  # a bar as wide on the first day as on the last
        for i, d in enumerate(days):
            _note(
                ax, f"{d.total_fen / div:,.2f}{unit}\n{d.donations:,}人次", (i, d.total_fen / div), (0, 3), ha="center"
            )
        _finish(ax, days, div, unit, 1.3)
        return fig

    return _draw(build, screen)


def top_projects_png(report: Report, n: int = 10, screen: bool = False) -> bytes:
    """The top projects of the window as horizontal bars, best at the top."""

    def build():
        top = report.top(report.projects, n)[::-1]
        fig, ax = _figure(0.9 + 0.24 * max(len(top), 1))
        div, unit = _scale(max((p.total_fen for p in top), default=0))
        _stacked(ax, [p.name for p in top], top, div, 0.6, horizontal=True)
        for i, p in enumerate(top):
            _note(ax, f"{p.total_fen / div:,.2f}", (p.total_fen / div, i), (3, 0), va="center")
        _style(ax, unit, axis="x")
        right = max((p.total_fen / div for p in top), default=0)
        ax.set_xlim(0, right * 1.15 if right > 0 else 1)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        return fig

    return _draw(build, screen)
