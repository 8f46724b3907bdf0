"""The wall's stream in a real browser: a gift handed to the running board's inbox reaches a wall page through
its stream, with `/wall/feed` gone quiet; and a page whose stream is refused still follows the figures by polling.
Its own board (the demo store of givingday/ops/server.py, nothing feeding it), since the gifts change its totals."""

import os
import re
import signal
import time
from pathlib import Path

import pytest

from givingday import config
from givingday.money import format_yuan, parse_fen
from givingday.ops.latency import WATCH, Senders
from givingday.ops.server import demo_server
from tests.test_browser import SHOTS, _open, _sign_in, add_organizer, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board():
    made = {}

    def prepare(db: Path) -> None:
        made.update(db=db)
        add_organizer(db)  # for the console's test

    with demo_server(live=False, backfill_until="12:00", scale=0.2, prepare=prepare) as (url, pid):
        yield url, config.beside_store(str(made["db"]), "inbox"), pid


def _total(page) -> int:
    return int(page.locator("#headline-total").get_attribute("data-fen"))


def _sends(page, inbox: Path, donation_id: str, fen: int) -> float:
    """Hand one gift to the board's inbox; seconds until the page's headline shows the new total."""
    expected = _total(page) + fen
    page.evaluate(WATCH)
    sent = time.time()
    Senders("", inbox).by_inbox(donation_id, fen)
    page.wait_for_function("fen => fen in window.seenAt", arg=str(expected), timeout=15_000)
    assert _total(page) == expected
    return page.evaluate("fen => window.seenAt[fen]", str(expected)) / 1000 - sent


def test_a_gift_reaches_the_wall_through_its_stream(board, browser):  # noqa: F811
    url, inbox, _ = board
    page = _open(browser, url + "/wall?refresh=60", 1920, 1080)
    asked = []
    page.route("**/wall/feed*", lambda route: asked.append(route.request.url))  # polling would hang
    seconds = _sends(page, inbox, "STREAM-1", 12_345)
    assert seconds < 5 and asked == []  # the feed's period is 2 s and the page's refresh 60 s: only the stream
    assert page.inner_text("#wall-note") == ""
    page.screenshot(path=str(SHOTS / "wall-stream.png"))
    page.close()


def test_a_refused_stream_leaves_the_wall_polling(board, browser):  # noqa: F811
    url, inbox, _ = board
    page = _open(browser, url + "/wall?refresh=1", 1920, 1080, polling=True)
    _sends(page, inbox, "POLL-1", 678)
    assert page.inner_text("#wall-note") == ""
    page.close()


def test_a_wall_whose_stream_goes_quiet_says_so_and_comes_back(board, browser):  # noqa: F811
    url, inbox, pid = board
    page = _open(browser, url + "/wall?refresh=1", 1920, 1080)
    os.kill(pid, signal.SIGSTOP)  # the board freezes: its stream and every request go quiet, nothing fails
    try:
        page.wait_for_selector("#wall-note.on", timeout=40_000)  # 10 s without a screen, then a request's 10 s
        assert page.inner_text("#wall-note") == "与服务器失去连接，正在重试 · Connection lost, retrying"
    finally:
        os.kill(pid, signal.SIGCONT)
    page.wait_for_selector("#wall-note:not(.on)", state="attached", timeout=15_000)  # polling brings it back
    _sends(page, inbox, "BACK-1", 4_321)  # by polling, or by the stream opened again 30 s on
    page.close()


def test_the_consoles_headline_follows_a_gift_without_a_reload(board, browser):  # noqa: F811
    """The headline once stood outside the console's 10-second refresh: it kept its first figure while the windows
    under it moved on."""
    url, inbox, _ = board
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    _sign_in(page, url, "/console")
    headline = page.locator("h3", has_text="筛选范围内")
    headline.wait_for(timeout=60_000)
    shown = re.search(r"¥([\d,]+\.\d\d)", headline.inner_text()).group(1)
    expected = format_yuan(parse_fen(shown.replace(",", "")) + 4_321)
    Senders("", inbox).by_inbox("CONSOLE-1", 4_321)
    page.locator("h3", has_text=expected).wait_for(timeout=60_000)  # the page's own refresh, no reload
    page.screenshot(path=str(SHOTS / "console-headline-refreshed.png"))
    page.close()
