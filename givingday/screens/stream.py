"""The wall's push: each wall page holds one server-sent-events stream (`/wall/stream` with the page's own query)
and gets its screen again as soon as the feed has made a new one (givingday/screens/feed.py takes a snapshot
right after a commit), so a gift reaches the plaza in well under a second instead of at the next refresh.

Everything runs on the event loop, with no thread per screen. A screen is a slot for the latest message: one
that reads slowly skips to the newest and never piles messages up. The screens showing the same page share one
message, made once per snapshot. A comment every `KEEPALIVE_SECONDS` keeps proxies from closing a quiet stream.
Past `MAX_STREAMS` open streams a page is answered 503 and asks `/wall/feed` every few seconds instead, as it
does whenever its stream cannot be opened or goes quiet (givingday/screens/wall.html)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from givingday.screens import boards, wall
from givingday.screens import feed as screen_feed
from givingday.screens import render as bigscreen
from givingday.screens.snapshot import Snapshot

MAX_STREAMS = 10_000
KEEPALIVE_SECONDS = 15.0
KEEPALIVE = b": keep-alive\n\n"
RETRY = b"retry: 3000\n\n"  # how long the browser's EventSource waits before it opens a dropped stream again
HEADERS = {**wall.HEADERS, "X-Accel-Buffering": "no"}  # nginx would otherwise hold the messages back

Key = tuple[str | None, str, str, int]  # site, view, lang, refresh: the screens that get the same message


def message(page: str, snap: Snapshot, refresh: int) -> bytes:
    """One server-sent event: the page and what the wall's script reads from `/wall/feed`'s headers."""
    data = json.dumps(
        {"milestone": snap.milestone_passed(), "goals": snap.goals_reached(), "refresh": refresh, "html": page},
        ensure_ascii=False,
    )
    return b"event: screen\ndata: " + data.encode() + b"\n\n"


def made_now(feed: screen_feed.ScreenFeed, key: Key) -> bytes:
    """The message of a page nobody asked for yet: it may wait for the database, so it runs in a thread."""
    site, view, lang, refresh = key
    return message(feed.html(site, view, lang, None), feed.snapshot(site), refresh)


@dataclass(eq=False)
class Screen:
    params: bigscreen.ScreenParams
    latest: bytes | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    offered_at: float = 0.0

    def key(self) -> Key:
        p = self.params
        return p.site, p.view_now(), p.lang, p.refresh

    def offer(self, message: bytes) -> None:
        """Replaces a message not sent yet: a screen is only ever behind by one."""
        self.latest = message
        self.offered_at = time.monotonic()
        self.ready.set()

    def due(self, now: float) -> bool:
        """Whether a snapshot nothing was written for is sent: at the screen's refresh, as polling would."""
        return now - self.offered_at >= self.params.refresh - 0.5

    async def next(self, timeout: float) -> bytes:
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except TimeoutError:
            return KEEPALIVE
        self.ready.clear()
        latest, self.latest = self.latest, None
        return latest or KEEPALIVE


class Streams:
    """The open streams of one feed, on one event loop."""

    def __init__(self, feed: screen_feed.ScreenFeed, loop: asyncio.AbstractEventLoop, limit: int = MAX_STREAMS):
        self.feed = feed
        self.loop = loop
        self.limit = limit
        self.screens: set[Screen] = set()
        self._making: set[Key] = set()
        feed.on_refresh(self._refreshed)

    def close(self) -> None:
        self.feed.drop_on_refresh(self._refreshed)

    def _refreshed(self, written: bool) -> None:
        """In the feed's thread, right after a snapshot."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.publish, None, written)

    def cached(self, key: Key) -> bytes | None:
        site, view, lang, refresh = key
        hit = self.feed.cached(site, view, lang, None)
        return None if hit is None else message(*hit, refresh)

    def publish(self, only: Key | None = None, written: bool = True) -> None:
        """Offer every screen (or those of `only`) its page from the latest snapshot, one message per page: at
        once after a commit, else only to the screens whose refresh has come round (the page's "updated" time)."""
        made: dict[Key, bytes | None] = {}
        now = time.monotonic()
        for screen in list(self.screens):
            key = screen.key()
            if (only is not None and key != only) or not (written or screen.due(now)):
                continue
            if key not in made:
                made[key] = self.cached(key)
                if made[key] is None and key not in self._making:  # a rotation's next view: made in a thread
                    self._making.add(key)
                    self.loop.create_task(self._make(key))
            if made[key] is not None:
                screen.offer(made[key])

    async def _make(self, key: Key) -> None:
        try:
            await run_in_threadpool(made_now, self.feed, key)
        finally:
            self._making.discard(key)
        self.publish(only=key)

    async def send(self, screen: Screen) -> AsyncIterator[bytes]:
        self.screens.add(screen)
        try:
            yield RETRY
            while True:
                yield await screen.next(KEEPALIVE_SECONDS)
        finally:
            self.screens.discard(screen)


_streams: Streams | None = None


def streams(feed: screen_feed.ScreenFeed) -> Streams:
    """The process's streams on the feed the wall reads (a new feed or a new loop gets new ones)."""
    global _streams
    loop = asyncio.get_running_loop()
    if _streams is None or _streams.feed is not feed or _streams.loop is not loop:
        if _streams is not None:
            _streams.close()
        _streams = Streams(feed, loop)
    return _streams


async def stream(request: Request) -> Response:
    """A wall page's stream: its screen now, then again after every snapshot. An unknown site gets the feed's
    404 with its message, and a full board a 503: either way the page asks `/wall/feed` instead."""
    p = bigscreen.screen_params(request.query_params.get)
    shared = screen_feed.shared(wall.store())
    crossing = boards.cross_origin(request, shared.store.event)  # a page of another of the event's boards
    if not shared.knows(p.site):
        return HTMLResponse(bigscreen.unknown_site(p.site), 404, headers={**wall.HEADERS, **crossing})
    hub = streams(shared)
    if len(hub.screens) >= hub.limit:
        refused = "Too many screens stream: this one refreshes instead"
        return PlainTextResponse(refused, 503, headers={**wall.HEADERS, **crossing})
    screen = Screen(p)
    screen.offer(hub.cached(screen.key()) or await run_in_threadpool(made_now, shared, screen.key()))
    return StreamingResponse(hub.send(screen), media_type="text/event-stream", headers={**HEADERS, **crossing})


def routes(base: str = "") -> list[Route]:
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [Route(f"{prefix}/wall/stream", stream, methods=["GET"])]
