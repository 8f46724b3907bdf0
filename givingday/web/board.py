"""What the pages share: the one store of this server process and a short-lived cache of query results.

Pages read query results from `cached_query`, and every big screen reads the one `screen_feed`, so many open
screens cost the database no more than one: 200 open screens do the database work of one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import streamlit as st
from streamlit import config as st_config
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from givingday import accounts, clock, config, labels, session_cookie
from givingday.console import alerts, volunteers
from givingday.console import figures as console
from givingday.forecast.model import Forecast, store_forecast
from givingday.ingest import inbox
from givingday.report.figures import Report, build_report
from givingday.report.scope import make_scope
from givingday.screens import feed as feeds
from givingday.screens.feed import ScreenFeed
from givingday.store.database import Store, adopted

CACHE_SECONDS = 2
log = logging.getLogger(__name__)
REPORT_SECONDS = 60


@st.cache_resource
def shared_store() -> Store:
    store = adopted() or Store()
    store.migrate()
    inbox.start_once(store)
    return store


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def cached_query(name: str, **params: Any) -> list[dict[str, Any]]:
    return shared_store().query(name, **params)


def screen_feed() -> ScreenFeed:
    """The process's one screen feed, shared with the wall: a snapshot every `screen_feed.PERIOD`, taken by its own
    thread."""
    return feeds.shared(shared_store())


def current_bucket() -> int:
    """A shared time slot of CACHE_SECONDS: pages that refresh in the same slot share cached figures."""
    return int(time.time() // CACHE_SECONDS)


def is_demo() -> bool:
    """Whether a demo giving day is playing into this store (every page says so)."""
    return clock.read_clock(shared_store().location) is not None


def board_time() -> clock.BoardTime:
    """The event as the board shows it, whether a demo plays, and the board's now (`clock.board_time`)."""
    store = shared_store()
    return clock.board_time(store.location, store.event)


def oidc_configured() -> bool:
    """Streamlit's own sign-in (st.login) replaces local passwords when `[auth]` is in secrets.toml."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


def current_user() -> accounts.User | None:
    """Who is signed in to this session: through OIDC when configured, else by a local password."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        if st.user.get("email_verified") is False:
            return None
        return accounts.external_user(st.user.get("email"), shared_store().location)
    user = st.session_state.get("user")
    if not isinstance(user, accounts.User):
        if st.session_state.get("signed_out"):  # the page's own cookie is still in its handshake: not again
            return None
        user = session_cookie.read(st.context.cookies.get(session_cookie.COOKIE), shared_store().location)
        if user is not None:  # a reload or a shared link in a browser signed in before
            st.session_state["user"] = user
        return user
    if not accounts.still_valid(user, shared_store().location):
        st.session_state.pop("user", None)  # removed, given another role, or a new password: sign in again
        return None
    return user


def sign_in(name: str, password: str) -> accounts.User:
    """Check the password (slowed after repeated failures) and remember the user in this session only."""
    client = config.client_address(
        st.context.ip_address or "local", st.context.headers.get("X-Forwarded-For"), config.trusted_proxies()
    )
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else None
    user = accounts.sign_in(name, password, client=client, location=shared_store().location, session=session)
    log.info("sign-in: %s (%s) from %s", user.name, user.role, client)
    st.session_state["user"] = user
    st.session_state.pop("signed_out", None)
    st.session_state["cookie_call"] = ("session", session_cookie.TICKETS.issue(user))
    return user


def sign_out() -> None:
    st.session_state.pop("user", None)
    st.session_state["signed_out"] = True
    st.session_state["cookie_call"] = ("sign-out", "")
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def cookie_call(then: str | None = None) -> bool:
    """After a sign-in or a sign-out, the browser asks the board for its cookie, or to drop it
    (`/auth/session`, `/auth/sign-out`): Streamlit cannot set a cookie on its own responses. With `then` (a page's
    URL path), the browser opens that page once the cookie is set: a switch of page in the same run would drop the
    script before it ran. True when a call was made."""
    call = st.session_state.pop("cookie_call", None)
    if call is None:
        return False
    route, ticket = call
    base = "/" + st_config.get_option("server.baseUrlPath").strip("/")
    url = json.dumps(base.rstrip("/") + "/auth/" + route)
    after = "" if then is None else f".then(() => location.assign({json.dumps(base.rstrip('/') + '/' + then)}))"
    st.html(
        f"<script>fetch({url}, {{method: 'POST', credentials: 'same-origin', body: {json.dumps(ticket)}}}){after}"
        "</script>",
        unsafe_allow_javascript=True,
    )
    return True


@st.cache_data(ttl=30, max_entries=64, show_spinner=False)
def cached_console(filters: console.Filters, bucket: int) -> dict[str, Any]:
    """Every figure of the console for one set of filters, shared by organizers looking at the same view."""
    event, _, now = board_time()
    with shared_store().reader.reading() as store:  # the windows, the tables and the newest gifts agree
        return console.figures(store, filters, event, now)


@st.cache_data(ttl=30, max_entries=16, show_spinner=False)
def cached_volunteers(window: console.Filters, bucket: int) -> volunteers.ConsoleView:
    """The console's volunteers section for one day and time range, shared like its figures."""
    event, _, now = board_time()
    return volunteers.console_view(shared_store().reader, window, event, now)


@st.cache_data(ttl=30, max_entries=4, show_spinner=False)
def cached_alerts(bucket: int) -> dict[str, Any]:
    """The alerts page's figures, shared by every organizer who has it open."""
    event, _, now = board_time()
    return alerts.figures(shared_store().reader, event, now)


@st.cache_data(ttl=30, max_entries=4, show_spinner=False)
def cached_forecast(bucket: int) -> Forecast:
    """Where today and the event will end, for every console in the same slots (the whole event, unfiltered)."""
    event, _, now = board_time()
    return store_forecast(shared_store(), event, now)


def allow_only(page: str) -> accounts.User:
    """First line of every protected page, named by its URL path in `labels.PAGES`. `app.py` already leaves a
    page out of a session's navigation when its role may not see it; this check also holds if the page script
    is ever run by other means (Streamlit runs `pages/*.py` directly in its legacy multipage mode, e.g. for the
    first request after a start)."""
    user = current_user()
    if labels.page(page).path not in accounts.pages_for(user):
        st.error("请先登录。Please sign in: this page is for signed-in organizers.", icon=":material/lock:")
        st.stop()
    return user


@st.cache_resource(ttl=REPORT_SECONDS, max_entries=16, show_spinner=False)
def cached_report(day: dt.date | None, until: dt.datetime) -> Report:
    """Leadership's report for a day (or the event) as of a moment, shared by every open summary page; kept a
    minute, so a late import still shows up in a report of a past day."""
    event, demo, now = board_time()
    return build_report(shared_store(), make_scope(event, day, until, now), demo)


@st.cache_resource(ttl=REPORT_SECONDS, max_entries=16, show_spinner=False)
def cached_report_charts(day: dt.date | None, until: dt.datetime) -> dict[str, dict[str, bytes]]:
    """The summary's charts for the dark screen and for paper (what the PDF prints)."""
    from givingday.report import charts as report_charts

    r = cached_report(day, until)
    return {
        medium: {
            "days": report_charts.days_png(r, screen=screen),
            "hourly": report_charts.hourly_png(r, screen=screen),
            "projects": report_charts.top_projects_png(r, screen=screen),
        }
        for medium, screen in (("screen", True), ("paper", False))
    }


FIGURES_SLOTS = 3  # the console's and alerts' figures are read at most once per three cache slots


def console_figures(filters: console.Filters) -> dict[str, Any]:
    """The console's figures for these filters, shared by every console that refreshes in the same slots."""
    return cached_console(filters, current_bucket() // FIGURES_SLOTS)


def volunteers_view(filters: console.Filters) -> volunteers.ConsoleView:
    """The console's volunteers section: its day and time range only (a shift serves every project at its site),
    so consoles filtered by project or team share one reading."""
    window = console.Filters(day=filters.day, from_time=filters.from_time, to_time=filters.to_time)
    return cached_volunteers(window, current_bucket() // FIGURES_SLOTS)


def forecast_now() -> Forecast:
    return cached_forecast(current_bucket() // FIGURES_SLOTS)


def alerts_figures() -> dict[str, Any]:
    """The alerts page's figures, shared by every alerts page that refreshes in the same slots."""
    return cached_alerts(current_bucket() // FIGURES_SLOTS)


def on_board_clock(rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Rows whose `field` is a real moment (an import, an act) with it on the board's clock (the demo's while one
    plays), so every page shows one clock."""
    location = shared_store().location
    return [{**r, field: clock.on_board_clock(location, r[field])} for r in rows]


def recent_imports(limit_n: int, origin: str | None = None) -> list[dict[str, Any]]:
    """The latest imports (of one origin: `queries/imports_origin.sql`), their times on the board's clock, as alerts
    show them."""
    return on_board_clock(cached_query("imports_recent", limit_n=limit_n, origin=origin), "started_at")
