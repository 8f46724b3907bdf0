"""Sign-in: shown at /signin, and in place of any page this session may not see (its URL is kept, so
signing in at /console lands on the console)."""

import streamlit as st

from givingday import accounts, labels
from givingday.web.board import current_user, oidc_configured, shared_store, sign_in


def signed_in_elsewhere(user: accounts.User) -> None:
    st.title("没有权限 Not for your role")
    st.error(
        f"{user.name}（{labels.ROLE_NAMES[user.role]}）不能查看此页。请从左侧菜单选择可用的页面。"
        f" The role {user.role} cannot see this page.",
        icon=":material/lock:",
    )


def oidc_form() -> None:
    st.title("登录 Sign in")
    if st.user.is_logged_in:
        st.error(f"{st.user.get('email')} 尚未分配角色，请联系管理员。No role has been given to this account.")
        if st.button("退出登录 Sign out"):
            st.logout()
        return
    st.write("使用单位账号登录。Sign in with your organisation's account.")
    if st.button("登录 Sign in", type="primary"):
        st.login()


def password_form() -> None:
    st.title("登录 Sign in")
    st.caption("组织者控制台、提醒、录入与数据页需要登录；大屏是公开的。The big screens are public.")
    try:
        nobody = not accounts.list_users(shared_store().location)
    except accounts.AccountsUnreadable:
        st.error(
            "账号文件无法读取，请联系管理员。The accounts file cannot be read: ask the administrator.",
            icon=":material/error:",
        )
        nobody = False
    if nobody:
        st.info(
            "还没有任何账号。请在服务器上创建第一个：No accounts yet; create the first one on the server:\n\n"
            "`.venv/bin/python -m givingday user add NAME --role organizer`",
            icon=":material/person_add:",
        )
    with st.form("sign_in", clear_on_submit=False, enter_to_submit=True):
        name = st.text_input("用户名 User name", max_chars=accounts.MAX_NAME, autocomplete="username")
        password = st.text_input("密码 Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("登录 Sign in", type="primary")
    if submitted:
        try:
            sign_in(name, password)
        except accounts.SignInRefused as exc:
            st.error(str(exc), icon=":material/lock:")
        else:
            st.rerun()


def main() -> None:
    user = current_user()
    if user is not None:
        signed_in_elsewhere(user)
    elif oidc_configured():
        oidc_form()
    else:
        password_form()


main()
