"""The crawler: each role (signed out, leader, organizer, admin) opens every page its navigation offers and every
URL it must be refused, and operates every control there: each option of each select box, the day's time range,
each tab, each download, each expander of the moderation queue, each view and language of the screens. After each
step the page must show no exception and no raw Python value, and the figures that must agree do: the console's
filtered total equals the ledger's sum for the filters in its URL, and the unfiltered one equals `givingday totals`
asked of the running board.

The operated controls are printed and written to screenshots/crawl/controls.txt, with a screenshot per page."""

import json
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from givingday import config, labels
from givingday.console.figures import Filters
from givingday.money import format_wan, format_yuan
from tests.conftest import run_cli
from tests.crawl_steps import Crawl
from tests.crawl_store import PASSWORD, USERS, seed
from tests.test_browser import SHOTS, _sign_in, browser, serving  # noqa: F401 - browser is a fixture

pytestmark = pytest.mark.browser

CRAWL_SHOTS = SHOTS / "crawl"
PROTECTED = ("/console", "/alerts", "/act", "/data", "/drift", "/moderation", "/summary")
ROLE_PATHS = {
    "leader": ("/console", "/summary"),
    "organizer": PROTECTED,
    "admin": PROTECTED,
}
VIEWS = ("overview", "projects", "teams", "sites", "map")
CONSOLE_FILTERS = ("日期", "类别", "项目", "队伍", "街道", "点位", "渠道")
NOT_YOURS = "没有权限 Not for your role"
HEADLINE_IS = """expected => [...document.querySelectorAll('h3')].some(h => h.innerText.trim() === expected)"""


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    db = tmp_path_factory.mktemp("crawl") / "g.duckdb"
    ledger = seed(db)
    with serving(db) as url:
        yield url, ledger, db


@pytest.fixture(scope="module")
def log(request):
    """Every crawl's steps and findings; printed (past pytest's capture) and written out at the end."""
    CRAWL_SHOTS.mkdir(parents=True, exist_ok=True)
    steps: list[str] = []
    yield steps
    (CRAWL_SHOTS / "controls.txt").write_text("\n".join(steps) + "\n", encoding="utf-8")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\ncrawler: {len(steps)} steps (screenshots/crawl/controls.txt)\n" + "\n".join(steps))


def crawler(browser, url: str, role: str) -> Crawl:  # noqa: F811
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    if role != "signed-out":
        _sign_in(page, url, "/signin", USERS[role], PASSWORD)
        page.get_by_text("已登录 Signed in").wait_for(timeout=30_000)
        deadline = time.monotonic() + 10  # the session cookie comes a moment after the sign-in
        while not [c for c in context.cookies() if c["name"] == "givingday_session"] and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert [c for c in context.cookies() if c["name"] == "givingday_session"], "signed in at /signin: no cookie"
        page.wait_for_url(f"{url}/{labels.HOME_PAGE[role]}", timeout=30_000)  # and on to the role's first page
    return Crawl(page, role, CRAWL_SHOTS)


def finish(crawl: Crawl, log: list[str]) -> None:
    crawl.log("done")
    log.extend(crawl.steps)
    crawl.page.context.close()
    assert not crawl.found, "\n".join(crawl.found)


def console_agrees(crawl: Crawl, ledger) -> None:
    """The headline comes to equal the ledger's sum within the filters the URL holds (the URL changes first)."""
    params = crawl.page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
    event = config.load_event()
    fen, donations = ledger.total(Filters.from_params(params, event, ledger.roster), event.tz)
    expected = f"筛选范围内 {format_yuan(fen)}（{format_wan(fen)}元）· {donations:,} 人次"
    headline = crawl.page.locator("h3", has_text="筛选范围内")
    try:
        crawl.page.wait_for_function(HEADLINE_IS, arg=expected, timeout=20_000)
    except PlaywrightTimeout:
        shown = headline.first.inner_text() if headline.count() else "no headline"
        crawl.found.append(f"{crawl.role} console {params}: {shown!r}, the ledger says {expected!r}")


def crawl_console(crawl: Crawl, url: str, ledger, thorough: bool) -> None:
    crawl.open("/console", url)
    console_agrees(crawl, ledger)
    crawl.shot("console")
    for label in CONSOLE_FILTERS if thorough else ("日期",):
        crawl.every_option(label, then=lambda _: console_agrees(crawl, ledger))
    crawl.choose("日期", 2)  # the second day, and a time range within it
    crawl.set_time("从", "10:00")
    console_agrees(crawl, ledger)
    crawl.set_time("到", "12:00")
    console_agrees(crawl, ledger)
    crawl.shot("console-day-range")
    crawl.page.get_by_role("button", name="清除筛选 Clear").click()
    crawl.settle()
    crawl.look("button 清除筛选 Clear")
    console_agrees(crawl, ledger)
    crawl.type_into("搜索名称或编号 Search", "P00")
    crawl.every_tab(lambda i, name: (thorough and crawl.downloads(), crawl.shot(f"console-tab-{i}")))
    crawl.type_into("搜索名称或编号 Search", "")


def crawl_summary(crawl: Crawl, url: str, ledger, thorough: bool) -> None:
    crawl.open("/summary", url)
    total = format_yuan(sum(r.total_fen for r in ledger.rows))
    try:  # the page may still be drawing its figures: wait for them, then they must be the ledger's
        expect(crawl.page.locator('[data-testid="stMetric"]').first).to_contain_text(total, timeout=20_000)
    except AssertionError:
        crawl.found.append(f"{crawl.role} /summary: 善款总额 is not {total}")
    crawl.shot("summary")
    for button in crawl.page.locator('[data-testid="stButtonGroup"] button').all():
        name = button.inner_text()
        button.click()
        crawl.settle()
        crawl.look(f"scope {name}")
    crawl.page.get_by_text("指定截至时间").click()
    crawl.settle()
    crawl.look("toggle 指定截至时间")
    crawl.set_time("截至时间", "11:00")
    if thorough:
        crawl.downloads()
    crawl.shot("summary-until")


ACT_SELECTS = {0: ("渠道", "项目", "队伍（可选）", "点位（可选）"), 1: ("项目",), 2: ("项目", "队伍", "点位")}


def crawl_act(crawl: Crawl, url: str, thorough: bool) -> None:
    crawl.open("/act", url)

    def tab(i: int, name: str) -> None:
        if thorough:
            if i == 2:
                crawl.type_into("捐款编号（订单号）", "K0002")  # a gift: its correction form
            for label in ACT_SELECTS.get(i, ()):
                crawl.every_option(label)
            if i == 2:
                crawl.type_into("捐款编号（订单号）", "K0000")  # the refunded gift
            crawl.downloads()
        crawl.shot(f"act-tab-{i}")

    crawl.every_tab(tab)


def crawl_pages(crawl: Crawl, url: str, ledger, thorough: bool) -> None:
    paths = ROLE_PATHS[crawl.role]
    for path in PROTECTED:
        if path not in paths:
            crawl.refused(path, url, NOT_YOURS)
    with crawl.part("console"):
        crawl_console(crawl, url, ledger, thorough)
    with crawl.part("summary"):
        crawl_summary(crawl, url, ledger, thorough)
    if "/act" not in paths:
        return
    with crawl.part("act"):
        crawl_act(crawl, url, thorough)
    with crawl.part("alerts"):
        crawl.open("/alerts", url)
        for minutes in ("5", "120") if thorough else ():
            crawl.type_into("点位安静多少分钟算提醒", minutes)
        if thorough:
            crawl.downloads()
        crawl.shot("alerts")
    crawl.open("/data", url)
    crawl.shot("data")
    with crawl.part("drift"):
        crawl.open("/drift", url)
        crawl.every_tab(lambda i, name: crawl.shot(f"drift-tab-{i}"))
    with crawl.part("moderation"):
        crawl.open("/moderation", url)
        for expander in crawl.page.locator('[data-testid="stExpander"] summary').all():
            expander.click()
            crawl.settle()
            crawl.look(f"open {expander.inner_text().strip().splitlines()[-1]}")  # without its icon's name
        crawl.shot("moderation")


def test_signed_out_sees_the_screens_and_is_refused_the_rest(board, browser, log):  # noqa: F811
    url, ledger, _ = board
    crawl = crawler(browser, url, "signed-out")
    total = sum(r.total_fen for r in ledger.rows)
    screens = [f"/wall?view={v}&lang={lang}" for v in VIEWS for lang in ("zh", "en")]
    screens += ["/wall?site=S001", "/wall?site=S002&lang=en", "/?view=overview", "/?view=map&lang=en", "/?site=S001"]
    for path in screens:
        crawl.open(path, url, ready="#headline-total")
        shown = crawl.page.locator("#headline-total").get_attribute("data-fen")
        if shown != str(total):
            crawl.found.append(f"{path}: the headline says {shown} fen, the ledger {total}")
        crawl.shot("screen" + path.replace("/", "-").replace("?", "-").replace("&", "-").replace("=", "-"))
    for path in PROTECTED:
        crawl.refused(path, url, "登录 Sign in")
    finish(crawl, log)


def test_leader(board, browser, log):  # noqa: F811
    url, ledger, db = board
    crawl = crawler(browser, url, "leader")
    crawl_pages(crawl, url, ledger, thorough=False)
    asked = json.loads(run_cli("totals", "--json", db=db).stdout)  # the command line, asking the running board
    assert asked["total_fen"] == sum(r.total_fen for r in ledger.rows)
    tz = config.load_event().tz
    for by, field in (("project", "project_id"), ("team", "team_id"), ("site", "site_id"), ("channel", "channel")):
        rows = json.loads(run_cli("totals", "--by", by, "--json", db=db).stdout)
        asked = {r["key"]: r["total_fen"] for r in rows if r["key"]}
        assert asked == {key: ledger.total(Filters(**{field: key}), tz)[0] for key in asked}, by
    finish(crawl, log)


def test_organizer(board, browser, log):  # noqa: F811
    url, ledger, _ = board
    crawl = crawler(browser, url, "organizer")
    crawl_pages(crawl, url, ledger, thorough=True)
    finish(crawl, log)


def test_admin(board, browser, log):  # noqa: F811
    url, ledger, _ = board
    crawl = crawler(browser, url, "admin")
    crawl_pages(crawl, url, ledger, thorough=False)
    finish(crawl, log)


def test_a_double_click_books_once_and_a_reload_books_nothing(board, browser, log):  # noqa: F811
    """Last, as it adds a gift and refunds one: the record form and the refund form, clicked twice at once."""
    url, ledger, db = board
    crawl = crawler(browser, url, "organizer")
    page = crawl.page

    def booked() -> int:
        return json.loads(run_cli("totals", "--json", db=db).stdout)["donations"]

    before = booked()
    crawl.open("/act", url)
    page.get_by_label("金额（元）", exact=True).fill("66")
    page.get_by_label("备注：谁收的、为什么由人工录入").fill("现金箱，双击")
    page.get_by_role("button", name="录入捐款").dblclick()
    page.get_by_text("已录入 线下现金 捐款 ¥66.00").wait_for(timeout=30_000)
    crawl.settle()
    crawl.look("record a gift, double-clicked")
    assert booked() == before + 1
    assert page.get_by_label("金额（元）", exact=True).input_value() == ""  # the form starts afresh
    page.reload()
    page.get_by_label("金额（元）", exact=True).wait_for(timeout=30_000)
    crawl.settle()
    crawl.look("reload")
    assert booked() == before + 1 and "已录入" not in page.inner_text("body")
    page.get_by_role("tab", name="更正 / 退款").click()

    def look_up(gift_id: str) -> None:
        page.get_by_label("捐款编号（订单号）").fill(gift_id)
        page.get_by_label("捐款编号（订单号）").press("Enter")
        crawl.settle()  # the page looks the gift up: a click while it reruns is lost with the radio it lands on

    look_up("K0003")
    page.get_by_text("全额退款").click()
    crawl.settle()
    page.get_by_label("原因（必填）").fill("捐赠人要求退款")
    page.get_by_role("button", name="提交").dblclick()
    page.get_by_text("已退款：K0003").wait_for(timeout=30_000)
    crawl.settle()
    text = crawl.look("refund, double-clicked")
    assert "已全额退款" not in text and "already been refunded" not in text  # one outcome: the success
    assert booked() == before
    crawl.shot("act-after-refund")
    look_up("K0004")
    page.get_by_label("更正后的金额（元，不改则留空）").fill("12.34")
    page.get_by_label("原因（必填）").fill("金额录错，双击")
    page.get_by_role("button", name="提交").dblclick()
    page.get_by_text("已更正：K0004").wait_for(timeout=30_000)
    crawl.settle()
    text = crawl.look("correction, double-clicked")
    assert "没有任何更改" not in text and "Nothing was changed" not in text  # one outcome: the success
    assert booked() == before
    look_up("K0004")
    assert "¥12.34" in page.inner_text("body")
    crawl.shot("act-after-correction")
    finish(crawl, log)
