"""Small pieces of page that several pages show the same way."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from givingday.console import exports
from givingday.web.board import is_demo

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AsIsHtml:
    """HTML for `st.html` to send as it is. Given a plain string, st.html dedents and strips it first, a cost
    paid on every refresh of every screen (docs/performance.md)."""

    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body = body

    def _repr_html_(self) -> str:
        return self.body


def demo_banner() -> None:
    if is_demo():
        st.warning(
            "演示数据：当前显示的是模拟的公益日数据，不是真实统计。DEMO DATA: not the real count.",
            icon=":material/warning:",
        )


def download_buttons(frame: pd.DataFrame, name: str) -> None:
    """CSV and XLSX of a table as shown (already in export form: see `exports.for_export`). The files are
    made only when clicked, so a refresh costs nothing."""
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
