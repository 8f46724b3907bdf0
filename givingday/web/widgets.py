"""Small pieces of page that several pages show the same way."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from givingday import accounts
from givingday.console import exports
from givingday.web.board import allow_only, is_demo

NO_ROWS = "暂无记录。Nothing yet."
ROW_HEIGHT = 35  # px: Streamlit's own height of a table's header and of each row
WRAPPED = 72  # px: a row this tall wraps its long text (Streamlit wraps rows taller than 4rem), e.g. a rejected row
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def as_text(text: object) -> str:
    """Text from outside (a file's name, its headers, an error quoting them) for Streamlit's messages, which read
    Markdown: every Markdown character escaped, so a header cannot put a link, an image or a colour on the page;
    each line stays a line (Markdown joins lines), so a file's problems are read one under the other."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", "  \n")


class AsIsHtml:
    """HTML for `st.html` to send as it is. Given a plain string, st.html dedents and strips it first, a cost
    paid on every refresh of every screen (docs/performance.md)."""

    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body = body

    def _repr_html_(self) -> str:
        return self.body


# A second click of the same act by the same person this soon is one click sent twice (a double click, or a click
# sent again while the page reran): the pages' forms, 核对, 留言审核, refunds and corrections, all alike.
REPEAT_SECONDS = 10
# How long an act's outcome stays on its page: a second click or a refresh right after it must not take the one
# truthful outcome away before it is read (nor may a rerun that stops between taking the outcome and drawing it).
SAID_FOR_SECONDS = 120
_DONE: dict[tuple, tuple[object, float]] = {}  # what `done_once` did lately: its result and when
_RUNNING: dict[tuple, list] = {}  # a key's lock while clicks of it run or wait, and how many: [lock, count]
_BOOK = threading.Lock()  # guards the two records; held for a moment, never while an act runs


def done_once(key: tuple, do: Callable[[], T], seconds: float = REPEAT_SECONDS) -> tuple[T, bool]:
    """`do()`, unless the same `key` was done less than `seconds` ago in this process: its result, and whether it
    ran now. For a click whose write must not happen twice (a double click, a reload that sends the form again):
    Streamlit may stop a run anywhere between two of its calls, after the write and before the page's own
    session state says so, and the next run then finds nothing; this record is written with no Streamlit call
    between the write and it. A lock per key: the same click sent again waits for the first and gets its result,
    while other clicks go through (an upload runs for seconds). `do` raising records nothing (nothing was done; a
    second try runs again)."""
    with _BOOK:
        running = _RUNNING.setdefault(key, [threading.Lock(), 0])
        running[1] += 1
    try:
        with running[0]:
            with _BOOK:
                now = time.monotonic()
                for old in [k for k, (_, at) in _DONE.items() if now - at >= seconds]:
                    del _DONE[old]
                if key in _DONE:
                    return _DONE[key][0], False  # type: ignore[return-value]
            result = do()
            with _BOOK:
                _DONE[key] = (result, time.monotonic())
            return result, True
    finally:
        with _BOOK:
            running[1] -= 1
            if not running[1]:
                del _RUNNING[key]


def demo_banner() -> None:
    if is_demo():
        st.warning(
            "演示数据：当前显示的是模拟的公益日数据，不是真实统计。DEMO DATA: not the real count.",
            icon=":material/warning:",
        )


def page_top(page: str, title: str) -> accounts.User:
    """The top of a protected page: who may see it (stops here for anyone else), its title, the demo banner."""
    user = allow_only(page)
    st.title(title)
    demo_banner()
    return user


def refreshed_every(seconds: int, now, tz) -> None:
    """The line under a page that refreshes itself: how often, and the time of its data."""
    st.caption(f"每 {seconds} 秒自动刷新 · 数据时间 {exports.local_text(now, tz)}")


def fitted_height(rows: int, most: int, row_height: int = ROW_HEIGHT) -> int:
    """A table's height in px: its header and rows, up to `most` (then it scrolls); a short table shows no
    empty grid below its rows."""
    return min(most, ROW_HEIGHT + rows * row_height + 3)


def table(
    frame: pd.DataFrame, download_as: str | None = None, empty: str = NO_ROWS, pinned: int = 0, **options
) -> None:
    """A table from `console.tables` as the page shows it: yuan and counts with thousands separators, ratios as
    percentages, an empty cell as a dash; with `download_as`, the same table as CSV and XLSX under that name. A
    table without rows is the line `empty` (an empty grid says "empty"); a `height` is the most it takes. Its first
    `pinned` columns (what a row is) stay in sight while a table wider than the page is scrolled sideways."""
    if frame.empty:
        st.caption(empty)
        return
    held = set(frame.columns[:pinned])

    def number(column: str, shown_as: str) -> dict:
        return st.column_config.NumberColumn(format=shown_as, pinned=True if column in held else None)

    formats = {
        **{c: exports.MONEY_FORMAT for c in exports.money_columns(frame)},
        **{c: exports.COUNT_FORMAT for c in frame.attrs.get("counts", [])},
        **{c: "percent" for c in frame.attrs.get("ratios", [])},
    }
    column_config = {
        **{c: st.column_config.Column(pinned=True) for c in held},
        **{c: number(c, f) for c, f in formats.items()},  # a pinned figure keeps its format
        **options.pop("column_config", {}),
    }
    if "height" in options:
        options["height"] = fitted_height(len(frame), options["height"], options.get("row_height", ROW_HEIGHT))
    st.dataframe(frame, hide_index=True, column_config=column_config, placeholder=exports.EMPTY, **options)
    if download_as:
        download_buttons(frame, download_as)


def download_buttons(frame: pd.DataFrame, name: str) -> None:
    """CSV and XLSX of a table as shown (made by `exports.table`). The files are made only when clicked, so a
    refresh costs nothing."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        "下载 CSV", lambda: exports.csv_bytes(frame), f"{name}.csv", "text/csv", key=f"csv_{name}", on_click="ignore"
    )
    c2.download_button(
        "下载 XLSX",
        lambda: exports.xlsx_bytes(frame, name),
        f"{name}.xlsx",
        XLSX_MIME,
        key=f"xlsx_{name}",
        on_click="ignore",
    )
