"""The wall's push: each wall page holds one server-sent-events stream (`/wall/stream` with the page's own query)
and gets its screen again as soon as the feed has made a new one (givingday/screens/feed.py takes a snapshot
right after a commit), so a gift reaches the plaza in well under a second instead of at the next refresh.

No thread per screen: the feed's thread makes each page's message once per snapshot, site by site as the pass
renders them, the district's first (and compresses it, for the screens that accept gzip, as browsers do: a piece
deflated on its own fits any gzip stream, so one compression serves every screen showing that page), and the
event loop hands the same bytes to every screen of that site at once, on uvicorn straight to its socket
(`Direct`). A screen holds at most the latest message: one that reads slowly skips to
the newest and never piles messages up. A comment every `KEEPALIVE_SECONDS` keeps proxies from closing a quiet
stream. Figures for 10,000 screens: docs/performance.md.
Past `MAX_STREAMS` open streams a page is answered 503 and asks `/wall/feed` every few seconds instead, as it
does whenever its stream cannot be opened or goes quiet (givingday/screens/wall.html)."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from givingday.screens import boards, wall
from givingday.screens import feed as screen_feed
from givingday.screens import render as bigscreen
from givingday.screens.snapshot import Snapshot

MAX_STREAMS = 10_000
KEEPALIVE_SECONDS = 15.0
KEEPALIVE = b": keep-alive\n\n"
RETRY = b"retry: 3000\n\n"  # how long the browser's EventSource waits before it opens a dropped stream again
HEADERS = {**wall.HEADERS, "X-Accel-Buffering": "no"}  # nginx would otherwise hold the messages back
GZIP_HEADERS = {**HEADERS, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
GZIP_START = bytes.fromhex("1f8b08000000000000ff")  # a gzip stream's header: deflate, no name, no time
LEVEL = 1  # zlib's fastest: a screen's 21 KB message is 5.9 KB, against 5.2 KB at level 6 in three times as long

Key = tuple[str | None, str, str, int]  # site, view, lang, refresh: the screens that get the same message


def message(page: str, snap: Snapshot, refresh: int) -> bytes:
    """One server-sent event: the page and what the wall's script reads from `/wall/feed`'s headers."""
    data = json.dumps(
        {"milestone": snap.milestone_passed(), "goals": snap.goals_reached(), "refresh": refresh, "html": page},
        ensure_ascii=False,
    )
    return b"event: screen\ndata: " + data.encode() + b"\n\n"


def deflated(data: bytes) -> bytes:
    """`data` deflated on its own and flushed to a byte boundary: it may follow any other such piece in a gzip
    stream, so the screens showing one page get the same bytes, compressed once."""
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)


def chunk(data: bytes) -> bytes:
    """`data` as one chunk of an HTTP/1.1 response whose length was not said (chunked transfer coding)."""
    return b"%x\r\n" % len(data) + data + b"\r\n"


@dataclass(frozen=True)
class Message:
    """One event, for a screen that reads it plain and for one that takes gzip; each also framed as a chunk,
    for the screens written to directly."""

    plain: bytes
    deflated: bytes
    plain_chunk: bytes
    deflated_chunk: bytes

    @classmethod
    def of(cls, plain: bytes) -> Message:
        small = deflated(plain)
        return cls(plain, small, chunk(plain), chunk(small))


GZIP_RETRY = GZIP_START + deflated(RETRY)
GZIP_KEEPALIVE = deflated(KEEPALIVE)
KEEPALIVE_MESSAGE = Message(KEEPALIVE, GZIP_KEEPALIVE, chunk(KEEPALIVE), chunk(GZIP_KEEPALIVE))
BEHIND_BYTES = 256 * 1024  # a screen with this much not yet taken by its socket gets no more until it drains


def made_now(feed: screen_feed.ScreenFeed, key: Key) -> bytes:
    """The message of a page nobody asked for yet: it may wait for the database, so it runs in a thread."""
    site, view, lang, refresh = key
    return message(feed.html(site, view, lang, None), feed.snapshot(site), refresh)


@dataclass(eq=False)
class Screen:
    params: bigscreen.ScreenParams
    gzip: bool = False
    latest: bytes | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    offered_at: float = 0.0
    counted: Key | None = None  # its page among the pages streamed (`Streams.keys`)
    transport: asyncio.WriteTransport | None = None  # written to directly (`Direct`), not through a task

    def key(self) -> Key:
        p = self.params
        return p.site, p.view_now(), p.lang, p.refresh

    def offer(self, message: Message) -> None:
        """Written at once to a screen held directly, unless its socket still holds `BEHIND_BYTES` (it gets a
        later snapshot); else it replaces a message not sent yet: a screen is only ever behind by one."""
        self.offered_at = time.monotonic()
        if self.transport is not None:
            if not self.transport.is_closing() and self.transport.get_write_buffer_size() < BEHIND_BYTES:
                self.transport.write(message.deflated_chunk if self.gzip else message.plain_chunk)
            return
        self.latest = message.deflated if self.gzip else message.plain
        self.ready.set()

    def due(self, now: float) -> bool:
        """Whether a snapshot nothing was written for is sent: at the screen's refresh, as polling would."""
        return now - self.offered_at >= self.params.refresh - 0.5

    async def next(self, timeout: float) -> bytes:
        """The latest message, or a keep-alive after `timeout` seconds without one (a timer, not a task, per
        wait: 10,000 screens wait at once)."""
        if not self.ready.is_set():
            timer = asyncio.get_running_loop().call_later(timeout, self.ready.set)
            try:
                await self.ready.wait()
            finally:
                timer.cancel()
        self.ready.clear()
        latest, self.latest = self.latest, None
        return latest or (GZIP_KEEPALIVE if self.gzip else KEEPALIVE)


class Streams:
    """The open streams of one feed, on one event loop."""

    def __init__(self, feed: screen_feed.ScreenFeed, loop: asyncio.AbstractEventLoop, limit: int = MAX_STREAMS):
        self.feed = feed
        self.loop = loop
        self.limit = limit
        self.screens: set[Screen] = set()
        self.sites: dict[str | None, set[Screen]] = {}  # the screens of each site, for a site's pages as they come
        self._told: set[str | None] = set()  # the sites whose pages this pass has sent (the feed's thread only)
        self.keys: dict[Key, int] = {}  # screens per page, copied by the feed's thread (a dict copies atomically)
        self._made: dict[Key, tuple[str, int | None, Message]] = {}  # the last message of each page, by its page
        self._making: set[Key] = set()
        self._keepalive = loop.create_task(self._keep_alive())
        feed.on_ready(self._ready, self.audience)
        feed.on_refresh(self._refreshed)

    def close(self) -> None:
        self.feed.drop_on_ready(self._ready, self.audience)
        self.feed.drop_on_refresh(self._refreshed)
        if not self.loop.is_closed():
            self._keepalive.cancel()

    async def _keep_alive(self) -> None:
        """A comment to each screen held directly that was sent nothing for `KEEPALIVE_SECONDS`."""
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS / 3)
            quiet = time.monotonic() - KEEPALIVE_SECONDS
            for screen in list(self.screens):
                if screen.transport is not None and screen.offered_at < quiet:
                    screen.offer(KEEPALIVE_MESSAGE)

    def add(self, screen: Screen) -> None:
        self.screens.add(screen)
        self.sites.setdefault(screen.params.site, set()).add(screen)
        screen.counted = key = screen.key()
        self.keys[key] = self.keys.get(key, 0) + 1

    def remove(self, screen: Screen) -> None:
        self.screens.discard(screen)
        of = self.sites.get(screen.params.site, set())
        of.discard(screen)
        if not of:
            self.sites.pop(screen.params.site, None)
        key = screen.counted
        if self.keys.get(key, 0) > 1:
            self.keys[key] -= 1
        else:
            self.keys.pop(key, None)

    def _ready(self, site: str | None, written: bool) -> None:
        """In the feed's thread, as soon as a pass has made a site's pages: their messages are made here (zlib lets
        go of the interpreter while it compresses) and handed to the event loop, before the next site's pages are
        rendered."""
        if self.loop.is_closed():
            return
        made = {key: self.cached(key) for key in self.keys.copy() if key[0] == site}
        self._told.add(site)
        self.loop.call_soon_threadsafe(self.publish_site, site, written, made)

    def _refreshed(self, written: bool) -> None:
        """In the feed's thread, after every pass: the screens of the sites the pass did not make pages for (it
        failed, or the site came since) get their page from the latest snapshot, saying how old it is."""
        told, self._told = self._told, set()
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.publish_rest, told, written)

    def audience(self) -> dict[str | None, int]:
        """How many screens watch each site: the feed renders the most watched first."""
        counts: dict[str | None, int] = {}
        for (site, *_), n in self.keys.copy().items():
            counts[site] = counts.get(site, 0) + n
        return counts

    def cached(self, key: Key) -> Message | None:
        """The page's message from the latest snapshot, made once per snapshot, if the feed has the page."""
        site, view, lang, refresh = key
        hit = self.feed.cached(site, view, lang, None)
        if hit is None:
            return None
        last = self._made.get(key)
        if last is not None and last[0] is hit[0] and last[1] == hit[1]:
            return last[2]
        made = Message.of(message(*hit, refresh))
        self._made[key] = (hit[0], hit[1], made)
        return made

    def publish(self, only: Key | None = None, written: bool = True, made: dict | None = None) -> None:
        """Offer every screen (or those of `only`) its page from the latest snapshot, one message per page: at
        once after a commit, else only to the screens whose refresh has come round (the page's "updated" time).
        `made`: the messages the feed's thread made for this snapshot."""
        self._offer(list(self.screens), only, written, made)

    def publish_site(self, site: str | None, written: bool, made: dict) -> None:
        """`publish` to the screens of one site, whose pages the feed has just made."""
        self._offer(list(self.sites.get(site, ())), None, written, made)

    def publish_rest(self, told: set[str | None], written: bool) -> None:
        """`publish` to the screens of every site but those in `told`."""
        self._offer([s for site, of in self.sites.items() if site not in told for s in of], None, written, None)

    def _offer(self, screens: list[Screen], only: Key | None, written: bool, made: dict | None) -> None:
        made = dict(made or {})
        now = time.monotonic()
        for screen in screens:
            key = screen.key()
            if (only is not None and key != only) or not (written or screen.due(now)):
                continue
            if made.get(key) is None:
                made[key] = self.cached(key)
            if made[key] is not None:
                screen.offer(made[key])
            elif key not in self._making:  # a rotation's next view: made in a thread
                self._making.add(key)
                self.loop.create_task(self._make(key))

    async def _make(self, key: Key) -> None:
        try:
            await run_in_threadpool(made_now, self.feed, key)
        finally:
            self._making.discard(key)
        self.publish(only=key)

    async def send(self, screen: Screen) -> AsyncIterator[bytes]:
        """A screen's stream through the ASGI server, one task per screen: where `Direct` cannot write itself."""
        self.add(screen)
        try:
            yield GZIP_RETRY if screen.gzip else RETRY
            while True:
                yield await screen.next(KEEPALIVE_SECONDS)
        finally:
            self.remove(screen)


def connection_of(receive: Receive) -> asyncio.WriteTransport | None:
    """The socket under an HTTP/1.1 request, when the server is uvicorn (its `receive` is a method of the
    request's cycle, which holds the transport; Starlette's middleware passes `receive` on unwrapped)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.WriteTransport) else None


class Direct(StreamingResponse):
    """A screen's stream written straight to its socket by whoever publishes, in chunks framed once per page:
    10,000 screens cost 10,000 `write` calls per snapshot, not 10,000 task switches through the ASGI stack. The
    response starts through the server as any other (its headers, the retry); its task then only waits for the
    screen to go. A server other than uvicorn, or HTTP/1.0, gets the usual streaming response."""

    def __init__(self, hub: Streams, screen: Screen, headers: dict[str, str]):
        super().__init__(hub.send(screen), media_type="text/event-stream", headers=headers)
        self.hub = hub
        self.screen = screen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = connection_of(receive)
        if transport is None or scope.get("http_version") != "1.1" or scope.get("method") != "GET":
            await super().__call__(scope, receive, send)
            return
        await self.body_iterator.aclose()  # never started: the screen is added below instead
        screen = self.screen
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": GZIP_RETRY if screen.gzip else RETRY, "more_body": True})
        latest, screen.latest = screen.latest, None
        screen.transport = transport
        self.hub.add(screen)
        try:
            if latest is not None:
                transport.write(chunk(latest))
            while (await receive())["type"] != "http.disconnect":
                pass
        finally:
            self.hub.remove(screen)


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
    gzip = "gzip" in request.headers.get("accept-encoding", "")
    screen = Screen(p, gzip)
    first = hub.cached(screen.key())
    if first is None:
        first = Message.of(await run_in_threadpool(made_now, shared, screen.key()))
    screen.offer(first)
    headers = {**(GZIP_HEADERS if gzip else HEADERS), **crossing}
    return Direct(hub, screen, headers)


def routes(base: str = "") -> list[Route]:
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [Route(f"{prefix}/wall/stream", stream, methods=["GET"])]
