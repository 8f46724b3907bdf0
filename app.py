"""The board's entry point: one store and one inbox worker per server process, and the pages each session
may see (`labels.PAGES`). The big screens are public; every other page exists in a session only if its role
may see it."""

import streamlit as st

from givingday import accounts, labels
from givingday.web.board import cookie_call, current_user, shared_store, sign_out


def _sign_in_at(path: str, run=None) -> st.Page:
    """The sign-in form (or "not for your role") answering at `path`, hidden from the menu."""
    p = labels.SIGN_IN
    return st.Page(run or p.file, title=p.title, url_path=path, visibility="hidden")


def main() -> None:
    st.set_page_config(page_title="99公益日 · 二七", page_icon="❤", layout="wide")
    shared_store()  # opens the store and starts the inbox worker once per process
    user = current_user()
    allowed = accounts.pages_for(user)
    pages = []
    for p in labels.PAGES:
        if p.path == "":  # the default page, at "/"
            pages.append(st.Page(p.file, title=p.title, icon=p.icon, default=True))
        elif p.roles is labels.EVERYONE or p.path in allowed:
            pages.append(st.Page(p.file, title=p.title, icon=p.icon, url_path=p.path))
        else:  # the URL still answers, with the sign-in form (or "not for your role") instead of the page
            pages.append(_sign_in_at(p.path))
    if user is None:
        pages.append(_sign_in_at(labels.SIGN_IN.path))
    else:  # signed in at /signin: go on to the role's first page
        home = next(p for p in pages if p.url_path == labels.HOME_PAGE[user.role])
        pages.append(_sign_in_at(labels.SIGN_IN.path, lambda: st.switch_page(home)))
    nav = st.navigation(pages, position="sidebar" if user else "hidden")
    if user is not None and nav.url_path == labels.SIGN_IN.path:  # just signed in at /signin
        if cookie_call(then=labels.HOME_PAGE[user.role]):
            st.caption("已登录，正在打开首页… Signed in, opening your first page…")
            return
    else:
        cookie_call()
    if user is not None:
        with st.sidebar:
            st.caption(f"已登录 Signed in: **{user.name}** · {labels.ROLE_NAMES[user.role]}")
            st.button("退出登录 Sign out", key="sign_out", on_click=sign_out)
    nav.run()


main()
