"""The big screen in a real browser: Debian's Chromium, driven by Playwright, against a running server on a
seeded store. Screenshots land in screenshots/ to be looked at."""

import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from givingday.config import ROOT
from givingday.money import format_yuan
from givingday.screens import map as site_map
from tests.conftest import run_cli

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser test password"
SHOTS = ROOT / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(db: Path, **env: str) -> Iterator[str]:
    """A board on the store `db` (the live feed off, so the figures hold still), as its own process; its URL."""
    port = _free_port()
    env = {**os.environ, "GIVINGDAY_DB": str(db), "GIVINGDAY_DEMO": "0", **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "givingday", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the board did not start: " + (proc.stdout.read() if proc.stdout else ""))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(20)


def add_organizer(db: Path) -> None:
    r = run_cli("user", "add", "ana", "--role", "organizer", db=db, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A seeded demo store (day one up to 12:00), served."""
    db = tmp_path_factory.mktemp("browser") / "g.duckdb"
    r = run_cli("simulate", "--start", "2020-09-07", "--backfill-until", "12:00", "--scale", "0.2", db=db)
    assert r.returncode == 0, r.stderr
    totals = json.loads(run_cli("totals", "--json", db=db).stdout)
    sites = {x["key"]: x for x in json.loads(run_cli("totals", "--by", "site", "--json", db=db).stdout)}
    projects = {x["key"]: x for x in json.loads(run_cli("totals", "--by", "project", "--json", db=db).stdout)}
    add_organizer(db)
    with serving(db) as url:
        yield url, totals, sites, projects


@pytest.fixture(scope="module")
def browser():
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run tools/install_browser.sh as root"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


# The page has settled: its fonts and images are loaded and Streamlit is not running a script.
SETTLED = """() => document.fonts.status === 'loaded' && [...document.images].every(i => i.complete)
    && !document.querySelector('[data-testid="stStatusWidget"]')"""
# Which view of the big screen is showing, from its text.
VIEW = """() => { const b = document.body.innerText;
    return b.includes('点位地图') ? 'map' : b.includes('项目榜') && b.includes('队伍榜') ? 'overview' : 'single'; }"""


def settle(page) -> None:
    page.wait_for_function(SETTLED, timeout=30_000)


def _open(browser, url: str, width: int, height: int, polling: bool = False):
    """The page loaded and settled; `polling`, a wall page whose stream is refused, as a proxy may do."""
    page = browser.new_page(viewport={"width": width, "height": height})
    if polling:
        page.route("**/wall/stream*", lambda route: route.abort())
    page.goto(url)
    page.wait_for_selector("#headline-total", timeout=30_000)
    settle(page)
    return page


def _no_scrollbars(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth"
    )


def test_headline_equals_totals_at_both_resolutions(server, browser):
    url, totals, *_ = server
    SHOTS.mkdir(exist_ok=True)
    for width, height, name in ((1920, 1080, "big-screen-1080p.png"), (3840, 2160, "big-screen-4k.png")):
        page = _open(browser, url + "/?embed=true", width, height)
        headline = page.locator("#headline-total")
        assert int(headline.get_attribute("data-fen")) == totals["total_fen"]
        wan = f"{totals['total_fen'] / 1_000_000:,.2f}万元"
        assert headline.inner_text() == wan
        assert "演示数据" in page.inner_text("body")
        assert _no_scrollbars(page)
        box = headline.bounding_box()
        assert box["height"] > height * 0.05  # readable from ten metres: the total is tall on any screen
        page.screenshot(path=str(SHOTS / name))
        page.close()


def test_site_screen_and_other_views(server, browser):
    url, totals, sites, _ = server
    page = _open(browser, url + "/?site=S001", 1920, 1080)
    assert int(page.locator("#site-total").get_attribute("data-fen")) == sites["S001"]["total_fen"]
    assert int(page.locator("#headline-total").get_attribute("data-fen")) == totals["total_fen"]
    assert "升龙广场" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "big-screen-site-S001.png"))
    page.close()
    for query, text in (("view=map&lang=en", "Site map"), ("view=teams", "队伍榜"), ("view=sites", "点位榜")):
        page = _open(browser, f"{url}/?{query}", 1920, 1080)
        assert text in page.inner_text("body")
        assert _no_scrollbars(page)
        page.screenshot(path=str(SHOTS / f"big-screen-{query.split('&')[0].replace('=', '-')}.png"))
        page.close()


# What a plaza screen must not show: text under `min` px (24 at 1920 wide), a list row cut by its card's edge, a
# one-line figure wrapped onto two lines; and the map's scale, for its names' size.
READABLE = """min => { const gd = document.querySelector('.gd'), out = {small: [], cut: [], wrapped: []};
  for (const el of gd.querySelectorAll('*')) {
    const fs = parseFloat(getComputedStyle(el).fontSize);
    if ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && fs < min - 0.5)
      out.small.push(`${el.textContent.trim().slice(0, 20)} ${fs}px`); }
  for (const ol of gd.querySelectorAll('ol')) {  // what shows of a list: its box within its card's
    const a = ol.getBoundingClientRect(), c = ol.closest('.card').getBoundingClientRect();
    const right = Math.min(a.right, c.right), bottom = Math.min(a.bottom, c.bottom);
    for (const li of ol.children) { const r = li.getBoundingClientRect();
      if (r.left < right - 1 && r.top < bottom - 1 && (r.bottom > bottom + 0.5 || r.right > right + 0.5))
        out.cut.push(li.textContent.slice(0, 20)); } }
  const lines = '.head div.count:not(.card), .head .card.count > div, .head .split, h3, .peak, li .name, li .amt, li .sub';
  for (const el of gd.querySelectorAll(lines))
    if (el.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(el).fontSize))
      out.wrapped.push(el.textContent.slice(0, 30));
  const map = gd.querySelector('img[alt="点位地图"], img[alt="Site map"]');
  if (map) { const r = map.getBoundingClientRect(); out.map_scale = Math.min(r.width / WIDTH, r.height / HEIGHT); }
  return out; }"""
WALL = ("", "view=projects", "view=teams", "view=sites", "view=map", "site=S001", "lang=en", "lang=en&view=sites")
SCREENS = tuple(f"/wall?{q}" for q in WALL) + ("/?embed=true", "/?embed=true&view=map")  # the same HTML in Streamlit


def test_every_view_is_readable_from_ten_metres_at_both_resolutions(server, browser):
    url, *_ = server
    check = READABLE.replace("WIDTH", str(site_map.WIDTH)).replace("HEIGHT", str(site_map.HEIGHT))
    for (width, height), query in itertools.product(((1920, 1080), (3840, 2160)), SCREENS):
        page = _open(browser, url + query, width, height)
        found = page.evaluate(check, 24 * width / 1920)
        name = f"screen-{re.sub(r'[^a-z0-9]+', '-', query).strip('-')}-{height}p.png"
        page.screenshot(path=str(SHOTS / name))
        found["fits"] = _no_scrollbars(page)
        page.close()
        assert (found["small"], found["cut"], found["wrapped"], found["fits"]) == ([], [], [], True), (query, found)
        if "map_scale" in found:  # the map's names: 18 px at 1920 wide at least
            assert site_map.LABEL_UNITS * found["map_scale"] >= 18 * width / 1920, (query, width, found)


def test_rotation_cycles_views_unattended(server, browser):
    url, *_ = server
    page = _open(browser, url + "/?rotate=3", 1920, 1080)
    first = page.evaluate(VIEW)
    page.wait_for_function(f"first => ({VIEW})() !== first", arg=first, timeout=20_000)  # rotates every 3 s
    seen = {first, page.evaluate(VIEW)}
    page.close()
    assert len(seen) >= 2, seen


def test_wall_shows_the_big_screen_and_says_what_is_wrong(server, browser):
    url, totals, sites, _ = server
    page = _open(browser, url + "/wall?site=S001", 1920, 1080)
    assert int(page.locator("#site-total").get_attribute("data-fen")) == sites["S001"]["total_fen"]
    assert int(page.locator("#headline-total").get_attribute("data-fen")) == totals["total_fen"]
    assert "升龙广场" in page.inner_text("body") and "演示数据" in page.inner_text("body")
    assert _no_scrollbars(page)
    assert page.locator("#headline-total").bounding_box()["height"] > 1080 * 0.05
    page.screenshot(path=str(SHOTS / "wall-site-S001.png"))
    page.close()
    page = _open(browser, url + "/wall?site=S001&refresh=1", 1920, 1080, polling=True)
    page.route("**/wall/feed*", lambda route: None)  # the network goes quiet: requests hang, nothing fails
    page.wait_for_selector("#wall-note.on", timeout=20_000)  # the page gives a request 10 s
    assert page.inner_text("#wall-note") == "与服务器失去连接，正在重试 · Connection lost, retrying"
    assert int(page.locator("#site-total").get_attribute("data-fen")) == sites["S001"]["total_fen"]  # still up
    page.screenshot(path=str(SHOTS / "wall-connection-lost.png"))
    page.unroute("**/wall/feed*")
    page.wait_for_selector("#wall-note:not(.on)", state="attached", timeout=10_000)  # back by itself
    page.close()


def test_an_unknown_site_gets_one_message_on_both_screens(server, browser):
    url, *_ = server
    for path, name in (("/wall?site=<b>S999</b>", "wall"), ("/?embed=true&site=<b>S999</b>", "big-screen")):
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url + path)
        page.wait_for_function("() => document.body.innerText.includes('Unknown site')", timeout=30_000)
        settle(page)
        body = page.inner_text("body")
        assert "未知点位 · <b>S999</b>" in body  # shown as text, never as markup
        assert "Unknown site <b>S999</b>: not in the roster; check site= in the address (ids in sites.csv)" in body
        assert page.locator("#headline-total").count() == 0  # nobody's figures under a name that is not there
        page.screenshot(path=str(SHOTS / f"{name}-unknown-site.png"))
        page.close()


def test_wall_celebrates_a_milestone_it_sees_passed(server, browser):
    """The page's own logic, with the feed's answers made up here: the server's store stays as it is."""
    url, *_ = server
    asked, state = [], {"milestone": ""}

    def answer(route):
        asked.append(urllib.parse.parse_qs(urllib.parse.urlsplit(route.request.url).query).get("celebrate"))
        headers = {"X-Refresh": "1", "X-Milestone": state["milestone"], "Content-Type": "text/html; charset=utf-8"}
        route.fulfill(status=200, headers=headers, body=f'<div id="headline-total">{len(asked)}</div>')

    def after(n: int) -> None:
        deadline = time.monotonic() + 20
        while len(asked) < n and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert len(asked) >= n, asked

    page = browser.new_page()
    page.route("**/wall/stream*", lambda route: route.abort())  # the page polls: only the feed is made up
    page.route("**/wall/feed*", answer)
    page.goto(url + "/wall?celebrate=100000000")  # a celebration cannot be asked for in the URL
    after(2)
    state["milestone"] = "100000000"  # the first milestone passes while the screen watches
    seen = len(asked)
    after(seen + 3)
    assert asked[:seen] == [None] * seen
    assert asked[seen + 1 : seen + 3] == [["100000000"], ["100000000"]]  # asked again at once, then each refresh
    state["milestone"] = "200000000"
    seen = len(asked)
    after(seen + 3)
    assert ["200000000"] in asked[seen:]  # a newer milestone replaces the party
    page.close()
    asked.clear()
    page = browser.new_page()
    page.route("**/wall/stream*", lambda route: route.abort())  # the page polls: only the feed is made up
    page.route("**/wall/feed*", answer)
    page.goto(url + "/wall")
    after(3)
    assert asked == [None] * len(asked)  # opened after the milestone passed: its first look is no celebration
    page.close()


def _sign_in(page, url: str, path: str, name: str = "ana", password: str = PASSWORD) -> None:
    page.goto(url + path)
    page.get_by_label("用户名 User name").fill(name)
    page.get_by_label("密码 Password").fill(password)
    page.get_by_role("button", name="登录 Sign in").click()


def test_without_sign_in_every_console_url_shows_the_sign_in_form(server, browser):
    url, *_ = server
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    for path in ("/console", "/alerts", "/act", "/data", "/console?project=P001"):
        page.goto(url + path)
        page.get_by_role("heading", name="登录 Sign in").wait_for(timeout=30_000)
        body = page.inner_text("body")
        assert "Organizers' console" not in body and "录入捐款" not in body and "数据状态" not in body, path
        assert "Alerts" not in body and "筛选" not in body, path
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
    page.screenshot(path=str(SHOTS / "console-signed-out.png"))
    page.close()


def test_signed_in_console_filter_equals_givingday_totals(server, browser):
    url, totals, _, projects = server
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    _sign_in(page, url, "/console")
    headline = page.locator("h3", has_text="筛选范围内")
    headline.wait_for(timeout=30_000)
    assert format_yuan(totals["total_fen"]) in headline.inner_text()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="项目").first.click()
    page.get_by_role("option", name=re.compile(r"^P001 ")).click()
    page.wait_for_function("() => location.search.includes('project=P001')", timeout=30_000)
    expected = format_yuan(projects["P001"]["total_fen"])
    page.locator("h3", has_text=expected).wait_for(timeout=30_000)
    assert f"{projects['P001']['donations']:,} 人次" in page.locator("h3", has_text=expected).inner_text()
    settle(page)
    page.screenshot(path=str(SHOTS / "console-project-P001.png"), full_page=True)
    page.get_by_role("tab", name="地图").click()
    page.get_by_role("tab", name="地图", selected=True).wait_for(timeout=30_000)
    settle(page)
    page.screenshot(path=str(SHOTS / "console-map.png"), full_page=True)
    # the filtered view is shareable: the same URL in a new tab (signed in again) shows the same figure
    other = browser.new_page(viewport={"width": 1600, "height": 1000})
    _sign_in(other, url, "/console?project=P001")
    other.locator("h3", has_text=expected).wait_for(timeout=30_000)
    other.close()
    page.close()


BAND = re.compile(r"预计今日 [\d,.]+–[\d,.]+万元（80%），中间值 [\d,.]+万元。today expected to end at")


def test_the_console_and_the_summary_say_where_the_day_will_end(server, browser):
    url, *_ = server
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    _sign_in(page, url, "/console")
    for path, box, shot in (
        ("/console", "forecast", "console-forecast.png"),
        ("/summary", "summary-forecast", "summary-forecast.png"),
    ):
        if path != "/console":
            page.goto(url + path)
        page.locator(f".st-key-{box}").get_by_text("预计全程").wait_for(timeout=30_000)
        assert BAND.search(page.locator(f".st-key-{box}").inner_text()), path
        settle(page)
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    page.close()


OTHER_SITE = """<!doctype html><script>
window.results = {};
const ws = new WebSocket("ws://127.0.0.1:PORT/_stcore/stream", ["streamlit"]);
ws.onopen = () => { window.results.ws = "open"; ws.close(); };
ws.onerror = () => { window.results.ws = window.results.ws || "refused"; };
fetch("http://127.0.0.1:PORT/_stcore/upload_file/x/y", {method: "PUT", credentials: "include", body: "a"})
  .then(r => { window.results.upload = r.status; }, () => { window.results.upload = "refused"; });
</script>"""


OWN_SOCKET = """() => new Promise(done => { const ws = new WebSocket("ws://127.0.0.1:PORT/_stcore/stream", ["streamlit"]);
    ws.onopen = () => { ws.close(); done("open"); }; ws.onerror = () => done("refused"); })"""


def test_a_signed_in_browser_keeps_its_session_and_lends_it_to_no_other_site(server, browser, tmp_path):
    url, *_ = server
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    _sign_in(page, url, "/console")
    page.locator("h3", has_text="筛选范围内").wait_for(timeout=30_000)
    deadline = time.monotonic() + 10
    while not [c for c in context.cookies() if c["name"] == "givingday_session"] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    (cookie,) = [c for c in context.cookies() if c["name"] == "givingday_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("() => document.cookie").find("givingday_session") == -1, "scripts cannot read it"

    page.reload()  # a reload keeps the session: no sign-in form
    page.locator("h3", has_text="筛选范围内").wait_for(timeout=30_000)
    shared = context.new_page()  # a shared link in the same browser
    shared.goto(url + "/console?project=P001")
    shared.locator("h3", has_text="筛选范围内").wait_for(timeout=30_000)
    assert "密码 Password" not in shared.inner_text("body")

    with shared.expect_download() as got:  # a download link answers this browser only
        shared.get_by_role("button", name="下载 CSV").first.click()
    link = got.value.url
    assert context.request.get(link).status == 200
    stranger = browser.new_context()
    assert stranger.request.get(link).status == 403
    stranger.close()

    # A page of another site (another port of the same host counts as the same site for SameSite=Lax)
    port = url.rsplit(":", 1)[1]
    (tmp_path / "index.html").write_text(OTHER_SITE.replace("PORT", port))
    other_port = _free_port()
    site = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(other_port), "--bind", "127.0.0.1", "-d", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        evil = context.new_page()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                evil.goto(f"http://127.0.0.1:{other_port}/index.html")
                break
            except Exception:  # noqa: BLE001 - the little server is still starting
                evil.wait_for_timeout(200)
        evil.wait_for_function("() => window.results.ws && window.results.upload", timeout=15_000)
        results = evil.evaluate("() => window.results")
        assert results["ws"] == "refused" and results["upload"] in (403, "refused"), results
        own = page.evaluate(OWN_SOCKET.replace("PORT", port))  # the board's own page may, so the refusal is the guard
        assert own == "open"
    finally:
        site.terminate()
        site.wait(10)

    page.get_by_role("button", name="退出登录 Sign out").click()  # sign-out drops the cookie
    page.get_by_label("用户名 User name").wait_for(timeout=30_000)
    deadline = time.monotonic() + 10
    while [c for c in context.cookies() if c["name"] == "givingday_session"] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert not [c for c in context.cookies() if c["name"] == "givingday_session"]
    page.reload()
    page.get_by_label("用户名 User name").wait_for(timeout=30_000)
    context.close()
