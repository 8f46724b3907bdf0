"""The board's entry point: one store and one inbox worker per server process, and the pages each session
may see. The big screens are public; every other page exists in a session only if its role may see it."""

import streamlit as st

from givingday import accounts
from givingday.web.board import current_user, shared_store, sign_out

CONSOLE_PAGES = {
    "console": ("pages/console.py", "控制台 Console", ":material/dashboard:"),
    "alerts": ("pages/alerts.py", "提醒 Alerts", ":material/notifications_active:"),
    "act": ("pages/act.py", "录入与更正 Record", ":material/edit_note:"),
    "data": ("pages/data_status.py", "数据状态 Data", ":material/inbox:"),
    "summary": ("pages/summary.py", "汇总报告 Summary", ":material/summarize:"),
}


def main() -> None:
    st.set_page_config(page_title="99公益日 · 二七", page_icon="❤", layout="wide")
    shared_store()  # opens the store and starts the inbox worker once per process
    user = current_user()
    allowed = accounts.pages_for(user)
    pages = [st.Page("pages/big_screen.py", title="大屏 Big screen", icon=":material/tv:", default=True)]
    for path, (file, title, icon) in CONSOLE_PAGES.items():
        if path in allowed:
            pages.append(st.Page(file, title=title, icon=icon, url_path=path))
        else:  # the URL still answers, with the sign-in form (or "not for your role") instead of the page
            pages.append(st.Page("pages/sign_in.py", title="登录 Sign in", url_path=path, visibility="hidden"))
    if user is None:
        pages.append(st.Page("pages/sign_in.py", title="登录 Sign in", url_path="signin", visibility="hidden"))
    else:  # signed in at /signin: go on to the first page of the role
        first = next(p for p in pages if p.url_path == allowed[0])
        pages.append(
            st.Page(lambda: st.switch_page(first), title="登录 Sign in", url_path="signin", visibility="hidden")
        )
    nav = st.navigation(pages, position="sidebar" if user else "hidden")
    if user is not None:
        with st.sidebar:
            st.caption(f"已登录 Signed in: **{user.name}** · {accounts.ROLE_NAMES[user.role]}")
            st.button("退出登录 Sign out", key="sign_out", on_click=sign_out)
    nav.run()


main()
