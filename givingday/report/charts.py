"""The report's charts as PNG images (matplotlib, no pyplot): the hourly curve, the days side by side and the
top projects. The page shows the very images the PDF prints. Same report, same bytes."""

from __future__ import annotations

import io
import threading
from functools import cache

from givingday.report import fonts
from givingday.report.figures import Report, hour_text, month_day

PUBLIC = "#c0392b"  # 公众捐款
MATCHED = "#f0a030"  # 配捐
PEAK = "#7b1d12"
GRID = "#dddddd"
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


def _style(ax, unit: str) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(labelsize=7)


def _scale(max_fen: int) -> tuple[float, str]:
    """Amounts in 万元 once they pass ten thousand yuan, else in 元."""
    return (1_000_000.0, "万元") if max_fen >= 1_000_000 else (100.0, "元")


def _draw(build) -> bytes:
    """Build a figure and save it as PNG with the Chinese font (no timestamp: same figures, same bytes)."""
    import matplotlib

    family = _family()
    with _DRAWING, matplotlib.rc_context({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}):
        fig = build()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    return buf.getvalue()


def hourly_png(report: Report) -> bytes:
    """Money per hour, public and matching stacked, the peak hour marked."""

    def build():
        hours = report.hours
        fig, ax = _figure(2.6)
        div, unit = _scale(max((h.total_fen for h in hours), default=0))
        xs = list(range(len(hours)))
        public = [h.amount_fen / div for h in hours]
        matched = [h.matched_fen / div for h in hours]
        ax.bar(xs, public, width=0.85, color=PUBLIC, label="公众捐款")
        ax.bar(xs, matched, width=0.85, bottom=public, color=MATCHED, label="配捐")
        peak = report.peak_hour
        if peak is not None:
            i = hours.index(peak)
            when = hour_text(peak, len({h.start.date() for h in hours}) > 1)
            ax.annotate(
                f"高峰 {when} {peak.total_fen / div:,.2f}{unit}",
                (i, peak.total_fen / div),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=PEAK,
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
        top = max((h.total_fen / div for h in hours), default=0)
        ax.set_ylim(0, top * 1.15 if top > 0 else 1)
        _style(ax, unit)
        ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncol=2)
        return fig

    return _draw(build)


def days_png(report: Report) -> bytes:
    """The event's days side by side: public money and matching stacked, the total above each bar."""

    def build():
        days = report.days
        fig, ax = _figure(2.2)
        div, unit = _scale(max((d.total_fen for d in days), default=0))
        labels = [d.label for d in days]
        public = [d.amount_fen / div for d in days]
        matched = [d.matched_fen / div for d in days]
        ax.bar(labels, public, width=0.55, color=PUBLIC, label="公众捐款")
        ax.bar(labels, matched, width=0.55, bottom=public, color=MATCHED, label="配捐")
        for i, d in enumerate(days):
            ax.annotate(
                f"{d.total_fen / div:,.2f}{unit}\n{d.donations:,}人次",
                (i, d.total_fen / div),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
        top = max((d.total_fen / div for d in days), default=0)
        ax.set_ylim(0, top * 1.3 if top > 0 else 1)
        _style(ax, unit)
        ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncol=2)
        return fig

    return _draw(build)


def top_projects_png(report: Report, n: int = 10) -> bytes:
    """The top projects of the window as horizontal bars, best at the top."""

    def build():
        top = report.top(report.projects, n)[::-1]
        fig, ax = _figure(0.9 + 0.24 * max(len(top), 1))
        div, unit = _scale(max((p.total_fen for p in top), default=0))
        names = [p.name for p in top]
        ax.barh(names, [p.amount_fen / div for p in top], color=PUBLIC, label="公众捐款", height=0.6)
        ax.barh(
            names,
            [p.matched_fen / div for p in top],
            left=[p.amount_fen / div for p in top],
            color=MATCHED,
            label="配捐",
            height=0.6,
        )
        for i, p in enumerate(top):
            ax.annotate(
                f"{p.total_fen / div:,.2f}",
                (p.total_fen / div, i),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(labelsize=7)
        right = max((p.total_fen / div for p in top), default=0)
        ax.set_xlim(0, right * 1.15 if right > 0 else 1)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        return fig

    return _draw(build)
