"""What the pages share: the one store of this server process and a short-lived cache of query results.

Every screen's refresh reads from `cached_query`, so many open screens cost the database no more than one
(BRIEF constraint 4).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import streamlit as st

from givingday import bigscreen, clock, inbox, report
from givingday.screen import Snapshot, take_snapshot
from givingday.store import Store, adopted

CACHE_SECONDS = 2
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


@st.cache_resource(ttl=10, max_entries=64, show_spinner=False)
def cached_snapshot(bucket: int, site_id: str | None) -> Snapshot:
    """One snapshot per two-second bucket (and site), shared by every screen without copying."""
    return take_snapshot(shared_store(), site_id=site_id)


def current_bucket() -> int:
    """The shared two-second slot: every screen refreshing in it gets the same snapshot and HTML."""
    return int(time.time() // CACHE_SECONDS)


@st.cache_resource(ttl=10, max_entries=256, show_spinner=False)
def cached_screen_html(bucket: int, site_id: str | None, view: str, lang: str, celebrate: int | None) -> str:
    """The rendered screen, shared by every screen showing the same view in the same bucket."""
    return bigscreen.render(cached_snapshot(bucket, site_id), view, lang, celebrate, site_id)


def screen_html(site_id: str | None, view: str, lang: str, celebrate: int | None, bucket: int | None = None) -> str:
    return cached_screen_html(current_bucket() if bucket is None else bucket, site_id, view, lang, celebrate)


def is_demo() -> bool:
    """Whether a demo giving day is playing into this store (every page says so)."""
    return clock.read_clock(shared_store().location) is not None


@st.cache_resource(ttl=REPORT_SECONDS, max_entries=16, show_spinner=False)
def cached_report(day: dt.date | None, until: dt.datetime) -> report.Report:
    """Leadership's report for a day (or the event) as of a moment, shared by every open summary page; kept a
    minute, so a late import still shows up in a report of a past day."""
    event, demo, now = report.board_time(shared_store())
    return report.build_report(shared_store(), report.make_scope(event, day, until, now), demo)


@st.cache_resource(ttl=REPORT_SECONDS, max_entries=16, show_spinner=False)
def cached_report_charts(day: dt.date | None, until: dt.datetime) -> dict[str, bytes]:
    from givingday import report_charts

    r = cached_report(day, until)
    return {
        "days": report_charts.days_png(r),
        "hourly": report_charts.hourly_png(r),
        "projects": report_charts.top_projects_png(r),
    }
