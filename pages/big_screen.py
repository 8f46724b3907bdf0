"""The plaza big screen: public, unattended, readable from ten metres. URL parameters:
view=overview|projects|teams|sites|map, rotate=SECONDS, site=ID, lang=en, refresh=SECONDS (works with embed=true).

Each refresh only reads the screen feed's latest rendering: it costs the server a fragment run and no query
(hundreds of screens on one server, measured by `givingday load`)."""

import time

import streamlit as st

from givingday.bigscreen import VIEWS
from givingday.board import screen_html, screen_snapshot
from givingday.widgets import AsIsHtml

CELEBRATE_SECONDS = 30
REFRESH_SECONDS = 5  # what 500 screens on one 2-core server hold (README, Load test)
REFRESH_RANGE = (1, 60)


def _refresh() -> int:
    try:
        seconds = int(st.query_params.get("refresh", REFRESH_SECONDS))
    except ValueError:
        seconds = REFRESH_SECONDS
    return min(max(seconds, REFRESH_RANGE[0]), REFRESH_RANGE[1])


def _params() -> tuple[str, int, str | None, str]:
    q = st.query_params
    view = q.get("view", "overview")
    view = view if view in VIEWS else "overview"
    try:
        rotate = max(0, int(q.get("rotate", "0")))
    except ValueError:
        rotate = 0
    site = q.get("site") or None
    lang = "en" if q.get("lang") == "en" else "zh"
    return view, rotate, site, lang


def _celebration(milestone: int | None) -> int | None:
    """Show a milestone for half a minute when the total first passes it on this screen (one int kept)."""
    state = st.session_state
    seen = state.get("milestone_seen")
    if milestone is not None and seen is not None and milestone > seen:
        state["celebrate"] = (milestone, time.time() + CELEBRATE_SECONDS)
    state["milestone_seen"] = milestone
    current = state.get("celebrate")
    if current and current[1] > time.time():
        return current[0]
    state.pop("celebrate", None)
    return None


def live_screen() -> None:
    view, rotate, site, lang = _params()
    if rotate:
        view = VIEWS[int(time.time() // rotate) % len(VIEWS)]
    celebrate = _celebration(screen_snapshot(site).milestone_passed())
    st.html(AsIsHtml(screen_html(site, view, lang, celebrate)))


st.fragment(live_screen, run_every=_refresh())()
