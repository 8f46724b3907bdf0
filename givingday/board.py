"""What the pages share: the one store of this server process and a short-lived cache of query results.

Pages read query results from `cached_query`, and every big screen reads the one `screen_feed`, so many open
screens cost the database no more than one (BRIEF constraint 4).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from givingday import clock, inbox
from givingday.screen import Snapshot
from givingday.screen_feed import ScreenFeed
from givingday.store import Store, adopted

CACHE_SECONDS = 2


@st.cache_resource
def shared_store() -> Store:
    store = adopted() or Store()
    store.migrate()
    inbox.start_once(store)
    return store


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def cached_query(name: str, **params: Any) -> list[dict[str, Any]]:
    return shared_store().query(name, **params)


@st.cache_resource(show_spinner=False)
def screen_feed() -> ScreenFeed:
    """The process's one screen feed: a snapshot every two seconds, taken by its own thread."""
    return ScreenFeed(shared_store(), period=CACHE_SECONDS).start()


def screen_snapshot(site_id: str | None) -> Snapshot:
    return screen_feed().snapshot(site_id)


def screen_html(site_id: str | None, view: str, lang: str, celebrate: int | None) -> str:
    """The rendered screen, shared by every screen showing the same view of the same snapshot."""
    return screen_feed().html(site_id, view, lang, celebrate)


def is_demo() -> bool:
    """Whether a demo giving day is playing into this store (every page says so)."""
    return clock.read_clock(shared_store().location) is not None
