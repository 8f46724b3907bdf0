"""A page (Streamlit's AppTest) as a signed-in user sees it: the users are added to the page's store with one
password, and a page is opened with one of them already signed in."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from givingday import accounts
from givingday.store.database import Store

PASSWORD = "a long enough password"


def add_users(store: Store, roles: dict[str, str]) -> None:
    """Each name with its role, all with `PASSWORD`."""
    for name, role in roles.items():
        accounts.add_user(name, role, PASSWORD, store.location)


def signed_in_page(store: Store, page: str, name: str) -> AppTest:
    """`pages/<page>.py` with `name` signed in; not yet run."""
    at = AppTest.from_file(f"../pages/{page}.py", default_timeout=60)
    at.session_state["user"] = accounts.sign_in(name, PASSWORD, location=store.location, throttle=accounts.Throttle())
    return at
