"""The wall: the big screen for screens that only watch, served beside the Streamlit app on the same port.

`/wall?site=S002&view=overview` is a static page (givingday/wall.html) whose script asks `/wall/feed` with the
same query string every `refresh` seconds and puts the answer in place. The answer is the page the Streamlit
big screen shows, from the same feed (`screen_feed.shared`): one snapshot every two seconds, one rendering per
page shown. A refresh here is one small HTTP request that reads a string; in Streamlit it is a fragment run
with its session, rerun and message machinery, which is what decides how many screens one server holds
(README, Load test).

Read only and public, like the big screen: nothing here writes, and an unknown site or a milestone the total
has not reached is refused rather than shown.
"""

from __future__ import annotations

import threading
import time
from functools import cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from givingday import bigscreen, screen_feed
from givingday.store import Store, adopted

PAGE_FILE = Path(__file__).with_name("wall.html")
FEED_PERIOD = 2.0  # the Streamlit pages' CACHE_SECONDS: both read the one feed
SITES_SECONDS = 60  # how long the list of known sites is trusted before it is read again
NO_STORE = {"Cache-Control": "no-store"}


class _KnownSites:
    """The roster's site ids, read at most once a minute: a request for any other site is refused before the
    feed takes a snapshot for it (a typo or a scripted sweep would otherwise push real sites out of the feed)."""

    def __init__(self) -> None:
        self._ids: frozenset[str] = frozenset()
        self._store: Store | None = None
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def fresh(self, store: Store) -> bool:
        return store is self._store and time.monotonic() - self._read_at < SITES_SECONDS

    def ids(self, store: Store) -> frozenset[str]:
        with self._lock:
            if not self.fresh(store):
                self._ids = frozenset(r["site_id"] for r in store.query("roster_sites"))
                self._store, self._read_at = store, time.monotonic()
            return self._ids


_sites = _KnownSites()


def _store() -> Store:
    store = adopted()
    if store is None:
        raise RuntimeError("the wall needs the store `givingday serve` opens")
    return store


def answer(p: bigscreen.ScreenParams, celebrate: str | None) -> Response:
    """The screen for one refresh. May wait for the database (a site's first snapshot, the roster once a
    minute) or render a page nobody asked for yet, so the route calls it off the event loop unless `quick`."""
    store = _store()
    if p.site is not None and p.site not in _sites.ids(store):
        return PlainTextResponse(
            f"未知点位 unknown site {p.site!r}: the site ids are in the roster (sites.csv)", 404, headers=NO_STORE
        )
    feed = screen_feed.shared(store, FEED_PERIOD)
    milestone = feed.snapshot(p.site).milestone_passed()
    page = feed.html(p.site, p.view_now(), p.lang, _celebrated(milestone, celebrate))
    headers = {**NO_STORE, "X-Milestone": str(milestone or ""), "X-Refresh": str(p.refresh)}
    return HTMLResponse(page, headers=headers)


def _celebrated(milestone: int | None, asked: str | None) -> int | None:
    """The milestone the screen asks to celebrate, if the total has reached it (the page's script decides when)."""
    return milestone if asked is not None and asked == str(milestone) else None


def quick(p: bigscreen.ScreenParams, celebrate: str | None) -> bool:
    """Whether `answer` will only read strings already made: the usual refresh."""
    store = adopted()
    if store is None or (p.site is not None and not _sites.fresh(store)):
        return False
    feed = screen_feed.shared(store, FEED_PERIOD)
    if not feed.has(p.site):
        return False
    celebrated = _celebrated(feed.snapshot(p.site).milestone_passed(), celebrate)
    return feed.ready(p.site, p.view_now(), p.lang, celebrated)


async def feed(request: Request) -> Response:
    p = bigscreen.screen_params(request.query_params.get)
    celebrate = request.query_params.get("celebrate")
    if quick(p, celebrate):  # no reason to hop threads
        return answer(p, celebrate)
    return await run_in_threadpool(answer, p, celebrate)


@cache
def _page() -> str:
    return PAGE_FILE.read_text(encoding="utf-8")


async def page(request: Request) -> Response:
    return HTMLResponse(_page(), headers=NO_STORE)


def routes() -> list[Route]:
    return [Route("/wall", page, methods=["GET"]), Route("/wall/feed", feed, methods=["GET"])]
