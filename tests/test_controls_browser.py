"""Controls as people use them, in Chromium on a running board: the moderation page's approve and withdraw clicked
twice at once and the page reloaded after, its approved list staying open as it grows; the 核对 page's typed
figures compared with a double click, with a 统计时间 outside the event, and opened from a shared link with query
parameters. Each must act once, say it once, and keep nothing it should not."""

import pytest

from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import load_roster
from givingday.store.database import Store
from tests.conftest import CANONICAL_HEADER, FIXTURES
from tests.crawl_steps import Crawl
from tests.test_browser import SHOTS, _sign_in, add_organizer, browser, serving  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

GIFTS = (
    CANONICAL_HEADER.rstrip("\n")
    + ",message\n"
    + (
        "M1,2020-09-07 10:00:00,50,0,P001,,S001,qr,张三,加油二七\n"
        "M2,2020-09-07 10:05:00,20,0,P002,,S002,qr,李四,致敬老兵\n"
    )
)


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    db = tmp_path_factory.mktemp("controls") / "g.duckdb"
    store = Store(str(db))
    store.migrate()
    load_roster(store, FIXTURES / "roster")
    assert import_bytes(store, GIFTS.encode(), "messages.csv").rows_new == 2
    store.dispose()
    add_organizer(db)
    with serving(db) as url:
        yield url, db


def signed_in(browser, url: str, path: str) -> Crawl:  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _sign_in(page, url, path)
    crawl = Crawl(page, "organizer", SHOTS)
    crawl.where = path
    return crawl


def test_approve_and_withdraw_clicked_twice_act_once_and_a_reload_says_nothing(board, browser):  # noqa: F811
    url, db = board
    crawl = signed_in(browser, url, "/moderation")
    page = crawl.page
    page.get_by_role("button", name="通过 Approve").first.wait_for(timeout=60_000)
    crawl.settle()
    page.get_by_role("button", name="通过 Approve").first.dblclick()
    page.get_by_text("的留言：已通过 Approved").wait_for(timeout=60_000)
    crawl.settle()
    text = crawl.look("approve, double-clicked")
    assert "已审核过" not in text  # one outcome: the approval
    page.reload()
    page.get_by_role("button", name="通过 Approve").first.wait_for(timeout=60_000)
    crawl.settle()
    text = crawl.look("reload")
    assert "的留言：" not in text and "已审核过" not in text
    page.get_by_text("已通过 Approved", exact=True).click()  # opened to watch the approvals, and kept open
    withdraw = page.get_by_role("button", name="撤回通过 Withdraw approval")
    withdraw.first.wait_for(timeout=60_000)
    page.get_by_role("button", name="通过 Approve").first.click()  # the other message: the list grows to two
    page.get_by_text("1 条").wait_for(state="detached", timeout=60_000)
    crawl.settle()
    assert withdraw.count() == 2 and withdraw.first.is_visible()  # not folded away by the new count
    withdraw.first.dblclick()
    page.get_by_text("的留言：不予展示 Denied").wait_for(timeout=60_000)
    crawl.settle()
    text = crawl.look("withdraw, double-clicked")
    assert "已审核过" not in text
    crawl.shot("moderation-after-withdraw")
    assert crawl.found == []
    page.close()


def test_typed_figures_outside_the_event_are_refused_in_sight_and_nothing_is_kept(board, browser):  # noqa: F811
    url, db = board
    crawl = signed_in(browser, url, "/drift?tab=typed&project=P001")  # a shared link's parameters are harmless
    page = crawl.page
    page.get_by_role("tab", name="手工录入 Type a project's figures").wait_for(timeout=60_000)
    crawl.settle()
    crawl.look("open a shared link")
    page.get_by_role("tab", name="手工录入 Type a project's figures").click()
    page.get_by_label("已筹金额（元）Raised, yuan").fill("50")
    page.get_by_label("捐款人次 Gifts").fill("1")
    page.get_by_label("统计时间 As of", exact=True).fill("2029-09-07 21:00")
    page.get_by_role("button", name="核对 Compare").last.click()
    try:  # the refusal is in the tab the person is on: the page's rerun does not turn back to the first tab
        page.get_by_text("is outside the event's days").wait_for(timeout=30_000)
    finally:
        crawl.shot("drift-typed-2029")
    crawl.settle()
    crawl.look("compare as of 2029")
    assert "尚未核对" in page.inner_text("body")  # nothing kept
    assert crawl.found == []
    page.close()


def test_typed_figures_compared_with_a_double_click_are_kept_once(board, browser):  # noqa: F811
    url, db = board
    crawl = signed_in(browser, url, "/drift")
    page = crawl.page
    page.get_by_role("tab", name="手工录入 Type a project's figures").wait_for(timeout=60_000)
    crawl.settle()
    page.get_by_role("tab", name="手工录入 Type a project's figures").click()
    page.get_by_label("已筹金额（元）Raised, yuan").fill("50")
    page.get_by_label("捐款人次 Gifts").fill("1")
    page.get_by_label("统计时间 As of", exact=True).fill("2020-09-07 21:00")
    page.get_by_role("button", name="核对 Compare").last.dblclick()
    page.get_by_text("1 / 1 个项目的差异超出阈值").wait_for(timeout=30_000)
    crawl.settle()
    text = crawl.look("compare, double-clicked")
    crawl.shot("drift-typed-double-click")
    kept_checks = crawl.options("显示的核对 Comparison shown")
    assert [c.split(" · ")[0] for c in kept_checks] == ["#1"], f"a double click kept {kept_checks}"
    assert "请先选择" not in text
    assert crawl.found == []
    page.close()
