"""What the pages share: the one store of this server process and a short-lived cache of query results.

Every screen's refresh reads from `cached_query`, so many open screens cost the database no more than one
(BRIEF constraint 4).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from givingday import inbox
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
