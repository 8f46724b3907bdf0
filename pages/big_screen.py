"""The plaza big screen: public, unattended, readable from ten metres. URL parameters:
view=overview|projects|teams|sites|map, rotate=SECONDS, site=ID, lang=en, refresh=SECONDS (works with embed=true).

Each refresh only reads the screen feed's latest rendering: it costs the server a fragment run and no query
(hundreds of screens on one server, measured by `givingday load`). The wall (`/wall`, givingday/screens/wall.py) shows
the same page at a fraction of the cost, for screens that only watch."""

import time

import streamlit as st

from givingday.screens.moments import MomentQueue
from givingday.screens.render import CELEBRATE_SECONDS, newly_passed, screen_params
from givingday.web.board import screen_feed
from givingday.web.widgets import AsIsHtml


def _celebration(milestone: int | None) -> int | None:
    """Show a milestone for half a minute when the total first passes it on this screen (one int kept)."""
    state = st.session_state
    if "milestone_seen" in state and newly_passed(state["milestone_seen"], milestone):
        state["celebrate"] = (milestone, time.time() + CELEBRATE_SECONDS)
    state["milestone_seen"] = milestone
    current = state.get("celebrate")
    if current and current[1] > time.time():
        return current[0]
    state.pop("celebrate", None)
    return None


def _moment(goals: list[str], waits: bool) -> str | None:
    """The goal moment to show now from this screen's queue of goals reached since it first looked
    (`moments.MomentQueue`); none while a milestone shows (`waits`), and the queue waits with it."""
    queue = st.session_state.setdefault("goal_moments", MomentQueue())
    queue.see(goals)
    return None if waits else queue.current()


def live_screen() -> None:
    p = screen_params(st.query_params.get)
    feed = screen_feed()  # once a refresh: it is shared by every screen
    celebrate = None
    if feed.knows(p.site):
        snap = feed.snapshot(p.site)
        milestone = _celebration(snap.milestone_passed())
        celebrate = milestone or _moment(snap.goals_reached(), waits=milestone is not None)
    st.html(AsIsHtml(feed.html(p.site, p.view_now(), p.lang, celebrate)))


st.fragment(live_screen, run_every=screen_params(st.query_params.get).refresh)()
