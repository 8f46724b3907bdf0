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


def test_the_stream_sends_the_new_screen_right_after_an_import_commits(page_store):
    import_bytes(page_store, GIFT.encode(), "g.csv")

    async def watch() -> tuple[dict, dict, float]:
        response = await stream.stream(request("site=S001&lang=en"))
        assert response.media_type == "text/event-stream" and response.headers["cache-control"] == "no-store"
        body = response.body_iterator
        assert await anext(body) == stream.RETRY
        first = screen_of(await anext(body))
        started = time.monotonic()
        await asyncio.to_thread(import_bytes, page_store, MORE.encode(), "m.csv")
        second = screen_of(await asyncio.wait_for(anext(body), 1.5))
        elapsed = time.monotonic() - started
        await body.aclose()
        return first, second, elapsed

    first, second, elapsed = asyncio.run(watch())
    assert 'id="site-total" data-fen="15000"' in first["html"] and (first["milestone"], first["refresh"]) == (None, 5)
    assert 'id="site-total" data-fen="215000"' in second["html"]  # the snapshot taken on commit, not on the timer
    assert elapsed < 1.0  # the feed's period is 2 s: only the commit could have brought it this soon
    assert (
        'id="site-total" data-fen="215000"' in screen_feed.shared(page_store).cached("S001", "overview", "en", None)[0]
    )


def test_a_burst_of_commits_is_one_snapshot_per_gap(page_store):
    feed = screen_feed.ScreenFeed(page_store, period=60, gap=0.3)
    feed.html(None, "overview", "zh", None)  # a screen watches the district
    taken = []
    feed.on_refresh(lambda written: taken.append(time.monotonic()) if written else None)
    feed.start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            feed.written()  # what the store says after each commit
            time.sleep(0.01)
        import_bytes(page_store, GIFT.encode(), "g.csv")  # the store's own hook
        time.sleep(0.5)
    finally:
        feed.stop()
    assert 3 <= len(taken) <= 6  # about 100 commits in 1.3 s: a snapshot every 0.3 s at most, none on the timer
    assert all(b - a >= 0.29 for a, b in zip(taken, taken[1:], strict=False))
    assert feed.snapshot(None).totals["total_fen"] == 15000  # the last one came after the last commit


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
    assert 'new EventSource("wall/stream?"' in page and 'get("wall/feed?"' in page  # relative, under any base path
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
