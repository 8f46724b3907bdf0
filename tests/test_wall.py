"""The wall (givingday/screens/wall.py): its feed answers as the server does, from the test's store. The page in a
real browser is in test_browser.py; many wall screens at once in test_load.py."""

import asyncio

import pytest
from starlette.requests import Request

from givingday.ingest.batch import import_bytes
from givingday.screens import feed as screen_feed
from givingday.screens import render as bigscreen
from givingday.screens import wall
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

GIFTS = CANONICAL_HEADER + (
    "W1,2020-09-07 10:00:30,100,50,P001,,S001,qr,李四\n"
    "W2,2020-09-07 10:01:10,2000,0,P002,T002,,corporate,<script>alert(1)</script>\n"  # T002's home is S001
)
BIG = CANONICAL_HEADER + "W3,2020-09-07 10:05:00,1000000,0,P001,,S002,corporate,某公司\n"  # the first milestone


def get(path_and_query: str):
    path, _, query = path_and_query.partition("?")
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": []}
    handler = wall.feed if path == "/wall/feed" else wall.page
    return asyncio.run(handler(Request(scope)))


def test_feed_answers_the_site_screen_from_the_store(page_store):
    import_bytes(page_store, GIFTS.encode(), "g.csv")
    r = get("/wall/feed?site=S001&view=teams&lang=en")
    body = r.body.decode()
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    assert 'id="site-total" data-fen="215000"' in body
    assert 'id="headline-total" data-fen="215000"' in body
    assert "Top teams" in body
    assert "<script>alert(1)</script>" not in body  # the donor's name is masked and escaped, as on the big screen
    assert (r.headers["x-refresh"], r.headers["x-milestone"]) == ("5", "")
    assert r.headers["x-content-type-options"] == "nosniff"
    feed = screen_feed.shared(page_store)
    page, milestone = feed.cached("S001", "teams", "en", None)  # the next refresh only reads, on the event loop
    assert page == body and milestone is None
    assert feed.cached("S001", "map", "en", None) is None  # never rendered: the refresh goes to a thread
    district = get("/wall/feed").body.decode()
    assert 'id="headline-total" data-fen="215000"' in district and 'id="site-total"' not in district


def test_feed_says_the_refresh_the_url_asks_within_bounds(page_store):
    asked = {"refresh=2": "2", "refresh=0": "1", "refresh=999": "60", "refresh=abc": "5", "": "5"}
    assert {q: get(f"/wall/feed?{q}").headers["x-refresh"] for q in asked} == asked


def test_unknown_site_is_refused_without_a_snapshot(page_store):
    r = get("/wall/feed?site=S999%3Cb%3E")
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=utf-8" and r.headers["x-refresh"] == "5"
    assert r.body.decode() == bigscreen.unknown_site("S999<b>")  # what the Streamlit big screen shows for it
    assert "未知点位 · S999&lt;b&gt;" in r.body.decode()
    assert not screen_feed.shared(page_store).has("S999<b>")  # a sweep of made-up ids cannot crowd the feed


def test_the_feed_keeps_no_unknown_site_for_the_streamlit_screen_either(page_store):
    feed = screen_feed.shared(page_store)
    assert feed.html("NOPE", "overview", "zh", None) == bigscreen.unknown_site("NOPE")
    assert not feed.knows("NOPE") and not feed.has("NOPE")
    assert feed.snapshot("S001").site["name"] == "升龙广场" and feed.has("S001")


def test_routes_follow_streamlits_base_url_path():
    assert [r.path for r in wall.routes("")] == ["/wall", "/wall/feed", "/healthz"]
    assert [r.path for r in wall.routes("/board/")] == ["/board/wall", "/board/wall/feed", "/board/healthz"]


def test_a_milestone_is_celebrated_only_once_reached(page_store):
    import_bytes(page_store, GIFTS.encode(), "g.csv")
    assert 'class="celebrate"' not in get("/wall/feed?celebrate=100000000").body.decode()
    import_bytes(page_store, BIG.encode(), "big.csv")
    screen_feed.shared(page_store).refresh()  # the feed's next pass, without waiting two seconds for it
    r = get("/wall/feed?celebrate=100000000")
    assert r.headers["x-milestone"] == "100000000"
    assert 'class="celebrate"' in r.body.decode() and "100.00万元" in r.body.decode()
    assert 'class="celebrate"' not in get("/wall/feed?celebrate=200000000").body.decode()  # not reached yet
    assert 'class="celebrate"' not in get("/wall/feed?celebrate=100000000.0").body.decode()  # only the exact value


def test_the_page_needs_nothing_from_elsewhere(page_store):
    r = get("/wall?site=S001")
    page = r.body.decode()
    assert r.status_code == 200
    assert "const CELEBRATE_MS = 30000;" in page and "let refreshMs = 5000," in page and "{{" not in page
    assert "const BOARDS = [];" in page and 'boards[board] + "wall/feed?"' in page  # no boards listed: its own
    assert 'location.pathname.replace(/wall\\/?$/, "")' in page  # under a base URL path or a proxy's prefix too
    assert "http://" not in page and "https://" not in page and "src=" not in page  # no CDN, no external script
