"""The wall's stream (givingday/screens/stream.py) and the feed's snapshot on commit, in-process: the page holding a
stream in a real browser is in test_browser_stream.py."""

import asyncio
import json
import time

import pytest
from starlette.requests import Request

from givingday.ingest.batch import import_bytes
from givingday.screens import feed as screen_feed
from givingday.screens import render as bigscreen
from givingday.screens import stream
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

GIFT = CANONICAL_HEADER + "S1,2020-09-07 10:00:30,100,50,P001,,S001,qr,李四\n"
MORE = CANONICAL_HEADER + "S2,2020-09-07 10:02:00,2000,0,P002,,S001,qr,王五\n"


def request(query: str = "") -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/wall/stream", "query_string": query.encode(), "headers": []}
    )


def screen_of(chunk: bytes) -> dict:
    event, data = chunk.decode().rstrip("\n").split("\n")
    assert event == "event: screen"
    return json.loads(data.removeprefix("data: "))


def test_the_stream_sends_the_new_screen_right_after_an_import_commits(page_store, monkeypatch):
    import_bytes(page_store, GIFT.encode(), "g.csv")
    # A feed whose timer would not come round for a minute: only the commit can bring the second screen.
    monkeypatch.setattr(screen_feed, "_shared", screen_feed.ScreenFeed(page_store, period=60).start())

    async def watch() -> tuple[dict, dict]:
        response = await stream.stream(request("site=S001&lang=en"))
        assert response.media_type == "text/event-stream" and response.headers["cache-control"] == "no-store"
        body = response.body_iterator
        assert await anext(body) == stream.RETRY
        first = screen_of(await anext(body))
        await asyncio.to_thread(import_bytes, page_store, MORE.encode(), "m.csv")
        second = screen_of(await asyncio.wait_for(anext(body), 30))
        await body.aclose()
        return first, second

    first, second = asyncio.run(watch())
    assert 'id="site-total" data-fen="15000"' in first["html"] and (first["milestone"], first["refresh"]) == (None, 5)
    assert 'id="site-total" data-fen="215000"' in second["html"]  # the snapshot taken on commit, not on the timer
    assert (
        'id="site-total" data-fen="215000"' in screen_feed.shared(page_store).cached("S001", "overview", "en", None)[0]
    )


def test_a_burst_of_commits_is_one_snapshot_per_gap(page_store):
    feed = screen_feed.ScreenFeed(page_store, period=60, gap=0.3)
    feed.html(None, "overview", "zh", None)  # a screen watches the district
    taken = []  # when each snapshot began: the gap runs from one start to the next
    refresh = feed.refresh
    feed.refresh = lambda written=True: (taken.append(time.monotonic()), refresh(written))
    feed.start()
    commits = 0
    try:
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            feed.written()  # what the store says after each commit
            commits += 1
            time.sleep(0.01)
        import_bytes(page_store, GIFT.encode(), "g.csv")  # the store's own hook
        commits += 1
        deadline = time.monotonic() + 30  # however loaded the machine, the last commit gets its snapshot
        while feed.snapshot(None).totals["total_fen"] != 15000 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.4)  # a snapshot more than the gap after the last one would show here
        span = time.monotonic() - started
    finally:
        feed.stop()
    assert feed.snapshot(None).totals["total_fen"] == 15000  # the last one came after the last commit
    # Never two snapshots closer than the gap, so at most one per gap however many commits came (none on the timer).
    assert all(b - a >= 0.29 for a, b in zip(taken, taken[1:], strict=False))
    assert 1 <= len(taken) <= span / 0.3 + 1 and len(taken) < commits / 3


def test_a_slow_screen_holds_only_the_latest_message(page_store):
    async def flood() -> tuple[list[bytes], int, int]:
        feed = screen_feed.ScreenFeed(page_store)  # not started: the snapshots come only when the test says
        hub = stream.Streams(feed, asyncio.get_running_loop())
        slow = stream.Screen(bigscreen.screen_params({}.get))
        hub.screens.add(slow)
        feed.html(None, "overview", "zh", None)
        for _ in range(500):
            hub.publish()  # snapshots keep coming; the screen reads none of them
        held = len(slow.latest)
        import_bytes(page_store, GIFT.encode(), "g.csv")
        feed.refresh()
        hub.publish()
        return [await slow.next(1), await slow.next(0.05)], held, len(hub.screens)

    (latest, then), held, screens = asyncio.run(flood())
    assert 'id="headline-total" data-fen="15000"' in screen_of(latest)["html"]  # the newest, not the first of 501
    assert then == stream.KEEPALIVE  # nothing else was kept behind it
    assert held < 100_000 and screens == 1


def test_a_full_board_and_an_unknown_site_send_the_page_to_polling(page_store, monkeypatch):
    async def ask(query: str, limit: int):
        hub = stream.streams(screen_feed.shared(page_store))
        monkeypatch.setattr(hub, "limit", limit)
        return await stream.stream(request(query))

    full = asyncio.run(ask("site=S001", 0))
    assert (full.status_code, full.media_type) == (503, "text/plain")  # EventSource gives up; the page polls
    unknown = asyncio.run(ask("site=NOPE", 10))
    assert unknown.status_code == 404 and unknown.body.decode() == bigscreen.unknown_site("NOPE")
    assert not screen_feed.shared(page_store).has("NOPE")


def test_the_page_falls_back_to_polling_and_keeps_its_note():
    page = (stream.wall.PAGE_FILE).read_text(encoding="utf-8")
    assert 'new EventSource(boards[board] + "wall/stream?"' in page and 'get(boards[board] + "wall/feed?"' in page
    assert "if (streaming()) return;" in page  # a tick polls only when the stream has gone quiet
    assert "与服务器失去连接，正在重试 · Connection lost, retrying" in page


def test_routes_follow_streamlits_base_url_path():
    assert [r.path for r in stream.routes("/board/")] == ["/board/wall/stream"]


def test_a_snapshot_nothing_was_written_for_waits_for_the_screens_refresh(page_store):
    async def timer_only() -> list[bool]:
        feed = screen_feed.ScreenFeed(page_store)
        hub = stream.Streams(feed, asyncio.get_running_loop())
        feed.html(None, "overview", "zh", None)
        screen = stream.Screen(bigscreen.screen_params({"refresh": "1"}.get))
        hub.screens.add(screen)
        hub.publish(written=True)  # after a commit: at once
        sent = [screen.ready.is_set()]
        screen.ready.clear()
        hub.publish(written=False)  # the period's snapshot, 0 s after the last message: not yet
        sent.append(screen.ready.is_set())
        await asyncio.sleep(0.6)  # the screen's refresh (1 s) has come round, less half a second of slack
        hub.publish(written=False)
        return [*sent, screen.ready.is_set()]

    assert asyncio.run(timer_only()) == [True, False, True]


def test_a_screen_on_uvicorn_is_written_directly_as_one_gzip_stream(page_store):
    """The wall's route on a real uvicorn: the screen's socket is written by the publisher (no task per screen),
    and what a browser receives, gzip accepted, is one valid gzip stream of the same events as the plain one."""
    import socket

    import uvicorn
    from starlette.applications import Starlette

    import_bytes(page_store, GIFT.encode(), "g.csv")

    async def watch() -> tuple[bytes, bytes, list[stream.Screen]]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(Starlette(routes=stream.routes()), port=port, log_level="warning"))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /wall/stream?lang=en HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            got = b""
            while got.count(b"\r\n") < 4:  # two chunks: the retry, then the first screen
                got += await reader.read(65536)
            await asyncio.to_thread(import_bytes, page_store, MORE.encode(), "m.csv")  # the feed pushes it
            deadline = time.monotonic() + 5
            while b"215000" not in _unchunked_gunzip(got) and time.monotonic() < deadline:
                got += await asyncio.wait_for(reader.read(65536), 5)
            held = list(stream.streams(screen_feed.shared(page_store)).screens)
            writer.close()
            return head, got, held
        finally:
            server.should_exit = True
            await serving

    head, body, held = asyncio.run(watch())
    assert b"content-encoding: gzip" in head.lower() and b"transfer-encoding: chunked" in head.lower()
    assert [s.transport is not None for s in held] == [True]  # written straight to its socket
    events = _unchunked_gunzip(body).decode().split("\n\n")
    assert events[0] == stream.RETRY.decode().rstrip("\n")
    screens = [json.loads(e.split("\ndata: ", 1)[1])["html"] for e in events if e.startswith("event: screen")]
    assert 'id="headline-total" data-fen="15000"' in screens[0]
    assert 'id="headline-total" data-fen="215000"' in screens[-1]  # the gift, pushed after its commit


def _unchunked_gunzip(body: bytes) -> bytes:
    """The chunks' contents joined and gunzipped as far as they go, as a browser reads the stream."""
    import zlib

    data, at = b"", 0
    while (line := body.find(b"\r\n", at)) >= 0:
        size = int(body[at:line], 16)
        if len(body) < line + 2 + size + 2:
            break
        data += body[line + 2 : line + 2 + size]
        at = line + 4 + size
    return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data)


class Recording:
    """An event loop that runs what the feed's thread hands it at once, writing down each site's publish."""

    def __init__(self, events: list):
        self.events = events

    def is_closed(self) -> bool:
        return False

    def create_task(self, coroutine):
        coroutine.close()  # the keep-alive timer: not wanted here

    def call_soon_threadsafe(self, callback, *args):
        if callback.__name__ == "publish_site":
            self.events.append(("publish", args[0]))
        callback(*args)


def test_a_pass_publishes_the_districts_page_before_it_renders_the_sites(page_store, monkeypatch):
    import_bytes(page_store, GIFT.encode(), "g.csv")
    events: list = []
    feed = screen_feed.ScreenFeed(page_store)  # not started: the pass runs when the test says
    hub = stream.Streams(feed, Recording(events))
    screens = {}
    for site, many in ((None, 1), ("S001", 1), ("S002", 3)):  # S002's page has the most screens of the sites
        feed.html(site, "overview", "en", None)
        for _ in range(many):
            screens.setdefault(site, []).append(
                stream.Screen(bigscreen.screen_params({"site": site, "lang": "en"}.get))
            )
            hub.add(screens[site][-1])
    render = screen_feed.bigscreen.render
    monkeypatch.setattr(
        screen_feed.bigscreen, "render", lambda snap, *a: (events.append(("render", a[3])), render(snap, *a))[1]
    )
    feed.refresh()
    assert events == [
        *[("render", None), ("publish", None)],  # the district's screens have their page before any site's is made
        *[("render", "S002"), ("publish", "S002")],  # then the site most screens watch
        *[("render", "S001"), ("publish", "S001")],
    ]
    district = screen_of(screens[None][0].latest)["html"]
    assert 'id="headline-total" data-fen="15000"' in district and 'id="site-total"' not in district
    assert 'id="site-total" data-fen="15000"' in screen_of(screens["S001"][0].latest)["html"]
    many = screens["S002"]
    assert 'id="site-total" data-fen="0"' in screen_of(many[0].latest)["html"]
    assert many[0].latest is many[1].latest is many[2].latest  # one message for every screen of a page
