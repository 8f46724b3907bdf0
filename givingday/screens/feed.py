"""The screens' one feed: a thread takes the big screen's snapshot right after the store commits (at most one
per `GAP`, so a burst of files costs a few snapshots) and every `PERIOD` otherwise, and renders the pages
screens have asked for, the district's first; the wall's streams (givingday/screens/stream.py) send each site's
pages on as soon as they are made. A screen's refresh only reads the latest, so it never waits for the database
or for another screen: 500 open screens cost the database what one does, and Streamlit's per-refresh work stays
a string read. No refresh ever takes a snapshot, except the very first for a site, which has nothing to show yet
(figures: docs/performance.md).

One feed serves the process (`shared`): the Streamlit big screens and the wall (givingday/screens/wall.py) read the
same snapshots and the same rendered pages.

Nothing grows with time: a site nobody has asked for in `forget_after` seconds is dropped, and at most
`max_sites` sites and `max_pages` pages per site are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from givingday.screens import render as bigscreen
from givingday.screens.snapshot import Snapshot, take_snapshot, take_snapshots
from givingday.store import notices
from givingday.store.database import Store

log = logging.getLogger(__name__)

PageKey = tuple[str, str, int | str | None]  # view, lang, celebrated milestone or goal moment
PERIOD = 2.0  # seconds between snapshots when nothing is written: the "updated" time on every screen
GAP = 0.2  # at least this long between two snapshots, however many commits land: at most five a second
# Reading from a standby, a commit's snapshot may come before the standby replays it: one more follows this soon.
STANDBY_CATCH_UP = 0.3
# A site is forgotten when nobody asked for it for three of the slowest refreshes a screen may have.
FORGET_AFTER = 3.0 * bigscreen.REFRESH_RANGE[1]


@dataclass
class _Site:
    snapshot: Snapshot
    pages: dict[PageKey, str] = field(default_factory=dict)  # rendered from this snapshot
    asked: set[PageKey] = field(default_factory=set)  # shown from this snapshot: rendered ahead on the next
    asked_at: float = 0.0
    aged: int | None = None  # the pages were rendered with figures this many minutes old (-1: unknown), or fresh


def _aged(snap: Snapshot, at: dt.datetime) -> int | None:
    """How a page shown at `at` says the figures' age: None (fresh), else their minutes (-1: unknown)."""
    if not snap.figures_old(at):
        return None
    age = snap.figures_age(at)
    return -1 if age is None else int(age // 60)


class ScreenFeed:
    def __init__(
        self,
        store: Store,
        period: float = PERIOD,
        gap: float = GAP,
        forget_after: float = FORGET_AFTER,
        max_sites: int = 256,
        max_pages: int = 64,
    ):
        self.store = store
        self.period = period
        self.gap = gap
        self.forget_after = forget_after
        self.max_sites = max_sites
        self.max_pages = max_pages
        self._sites: dict[str | None, _Site] = {}
        self._lock = threading.Lock()  # guards _sites; held only to swap or read entries, never for a query
        self._first = threading.Lock()  # serialises first snapshots of sites nobody has seen yet
        self._stopping = threading.Event()
        self._written = threading.Event()  # a commit since the last snapshot: take the next one now
        self._on_refresh: list[Callable[[bool], None]] = []
        self._on_ready: list[Callable[[str | None, bool], None]] = []
        self._audiences: list[Callable[[], dict]] = []
        self._thread: threading.Thread | None = None
        self._listener: notices.CommitListener | None = None

    def cached(self, site_id: str | None, view: str, lang: str, celebrate: str | None) -> tuple[str, Snapshot] | None:
        """The page and the snapshot it shows (its milestone passed, its goals reached), if the page is already
        here: it never queries or renders, so an event loop may call it. None sends the caller to `snapshot` and
        `html`."""
        entry = self._sites.get(site_id)
        if entry is None or _aged(entry.snapshot, dt.datetime.now(dt.UTC)) != entry.aged:
            return None  # none yet, or its pages no longer say how old the figures are: `html` renders them again
        key = (view, lang, bigscreen.celebration(entry.snapshot, celebrate))
        page = entry.pages.get(key)
        if page is None:
            return None
        entry.asked_at = time.monotonic()
        if key not in entry.asked:
            with self._lock:
                entry.asked.add(key)  # rendered ahead from the next snapshot
        return page, entry.snapshot

    def has(self, site_id: str | None) -> bool:
        return site_id in self._sites

    def snapshot(self, site_id: str | None) -> Snapshot:
        return self._site(site_id).snapshot

    def html(self, site_id: str | None, view: str, lang: str, celebrate: int | str | None) -> str:
        """The rendered screen from the latest snapshot; rendered here only when nobody asked for it before. A
        site the roster does not have gets the message that says so (`render.unknown_site`), and no snapshot."""
        if not self.knows(site_id):
            return bigscreen.unknown_site(site_id)
        entry = self._site(site_id)
        now = dt.datetime.now(dt.UTC)
        aged = _aged(entry.snapshot, now)
        if aged != entry.aged:  # no new snapshot came (the feed or its database is stuck): say so on every page
            with self._lock:
                entry.pages, entry.aged = {}, aged
        key = (view, lang, celebrate)
        page = entry.pages.get(key)
        if page is None:
            page = bigscreen.render(entry.snapshot, view, lang, celebrate, site_id, at=now)
        with self._lock:
            if key in entry.pages or len(entry.pages) < self.max_pages:
                entry.pages[key] = page
                entry.asked.add(key)
        return page

    def knows(self, site_id: str | None) -> bool:
        """Whether the roster has the site (the district, None, always): the store keeps the roster in memory."""
        return site_id is None or any(s["site_id"] == site_id for s in self.store.roster()["sites"])

    def _site(self, site_id: str | None) -> _Site:
        """A site of the roster's entry, its first snapshot taken here. Callers ask `knows` first: a sweep of
        made-up ids must neither cost the database nor push real sites out."""
        entry = self._sites.get(site_id)
        if entry is None and not self.knows(site_id):
            raise LookupError(f"unknown site {site_id!r}")
        if entry is None:
            with self._first:
                entry = self._sites.get(site_id)
                if entry is None:
                    snap = take_snapshot(self.store.reader, site_id=site_id)
                    entry = _Site(snap, aged=_aged(snap, snap.taken_at))
                    with self._lock:
                        if len(self._sites) >= self.max_sites:
                            self._sites.pop(min(self._sites, key=lambda k: self._sites[k].asked_at))
                        self._sites[site_id] = entry
        entry.asked_at = time.monotonic()
        return entry

    def refresh(self, written: bool = True) -> None:
        """Take a new snapshot of every site someone is watching (one pass for all) and render the pages they
        showed, the most watched first (`order`): each site's pages are handed to the `on_ready` hooks as soon as
        they are made, so the district's screens hear of a gift before 137 site pages are rendered. `written`:
        whether a commit asked for this pass (else the period did)."""
        now = time.monotonic()
        with self._lock:
            for site_id in [k for k, v in self._sites.items() if now - v.asked_at > self.forget_after]:
                del self._sites[site_id]
            current = dict(self._sites)
        if not current:
            return
        snaps = take_snapshots(self.store.reader, list(current))
        parts: dict = {}  # the pieces every site's page of this pass shows alike, made once
        for site_id in self.order(current):
            snap = snaps[site_id]
            with self._lock:
                asked = set(current[site_id].asked)
            pages = {k: bigscreen.render(snap, k[0], k[1], k[2], site_id, parts) for k in asked}
            with self._lock:
                if site_id not in self._sites:
                    continue
                self._sites[site_id] = _Site(
                    snap, pages, set(), self._sites[site_id].asked_at, _aged(snap, snap.taken_at)
                )
            self._tell(self._on_ready, site_id, written)

    def order(self, sites: Iterable[str | None]) -> list[str | None]:
        """The order a pass renders the sites in: the district first, then the sites with most screens (as the
        `audiences` count them), so a page many screens wait for is never behind one a single screen shows."""
        counts: dict[str | None, int] = {}
        for audience in list(self._audiences):
            for site_id, n in audience().items():
                counts[site_id] = counts.get(site_id, 0) + n
        return sorted(sites, key=lambda s: (s is not None, -counts.get(s, 0)))

    def on_ready(self, hook: Callable[[str | None, bool], None], audience: Callable[[], dict] | None = None) -> None:
        """Call `hook(site, written)` (in the feed's thread) as soon as a pass has made that site's pages;
        `audience()` says how many screens watch each site, for the order the sites are rendered in."""
        self._on_ready.append(hook)
        if audience is not None:
            self._audiences.append(audience)

    def drop_on_ready(self, hook: Callable[[str | None, bool], None], audience: Callable[[], dict] | None) -> None:
        with contextlib.suppress(ValueError):
            self._on_ready.remove(hook)
            self._audiences.remove(audience)

    @staticmethod
    def _tell(hooks: list[Callable], *args: object) -> None:
        """Each hook, in turn; one that fails is logged and the others still hear."""
        for hook in list(hooks):
            try:
                hook(*args)
            except Exception:
                log.exception("screen feed: a hook failed")

    def on_refresh(self, hook: Callable[[bool], None]) -> None:
        """Call `hook` (in the feed's thread) after every pass, failed or not, saying whether a commit asked for it
        (else the period did): the wall's streams send what `on_ready` has not (a page saying the figures are old)."""
        self._on_refresh.append(hook)

    def drop_on_refresh(self, hook: Callable[[bool], None]) -> None:
        with contextlib.suppress(ValueError):
            self._on_refresh.remove(hook)

    def written(self) -> None:
        """The store committed: the next snapshot is taken now, not at the end of the period."""
        self._written.set()

    def run(self) -> None:
        last = 0.0
        again = False  # one more snapshot soon: a standby may not have replayed the commit the last one was for
        while not self._stopping.is_set():
            self._written.wait(STANDBY_CATCH_UP if again else self.period)
            if self._stopping.wait(max(0.0, last + self.gap - time.monotonic())):
                break  # the gap folds the commits of a burst of files into one snapshot
            committed = self._written.is_set()
            written = committed or again
            again = committed and self.store.reader is not self.store
            self._written.clear()
            last = time.monotonic()
            try:
                self.refresh(written)
            except Exception:  # a failed snapshot leaves the last one showing, with its age once too old
                log.exception("screen feed: snapshot failed")
            self._tell(self._on_refresh, written)

    def start(self) -> ScreenFeed:
        self.store.on_commit(self.written)
        self._listener = notices.listen(self.store, self.written)  # other boards' commits (PostgreSQL)
        self._thread = threading.Thread(target=self.run, name="givingday-screens", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.store.drop_on_commit(self.written)
        if self._listener is not None:
            self._listener.stop()
        self._stopping.set()
        self._written.set()
        if self._thread is not None:
            self._thread.join(10)

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()


_shared: ScreenFeed | None = None
_shared_lock = threading.Lock()


def shared(store: Store) -> ScreenFeed:
    """The process's one feed on `store`, started on first use (again after `stop_shared`, or for a new store)."""
    global _shared
    feed = _shared
    if feed is not None and feed.store is store and not feed.stopped:
        return feed  # the usual case, read without the lock (every refresh of every screen asks)
    old = None
    with _shared_lock:
        if _shared is None or _shared.store is not store or _shared.stopped:
            old, _shared = _shared, ScreenFeed(store).start()
        feed = _shared
    if old is not None:
        old.stop()  # outside the lock: its thread may take a while to finish a pass
    return feed


def stop_shared() -> None:
    global _shared
    with _shared_lock:
        old, _shared = _shared, None
    if old is not None:
        old.stop()
