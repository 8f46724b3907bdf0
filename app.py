"""The board's entry point: one store and one inbox worker per server process, and the pages it shows."""

import streamlit as st

from givingday.board import shared_store


def main() -> None:
    st.set_page_config(page_title="99公益日 · 二七", page_icon="❤", layout="wide")
    shared_store()  # opens the store and starts the inbox worker once per process
    pages = [
        st.Page("pages/big_screen.py", title="大屏 Big screen", icon="📺", default=True),
        st.Page("pages/data_status.py", title="数据状态 Data", icon="📥", url_path="data"),
        st.Page("pages/summary.py", title="汇总报告 Summary", icon="📊", url_path="summary"),
    ]
    st.navigation(pages, position="hidden").run()


main()
