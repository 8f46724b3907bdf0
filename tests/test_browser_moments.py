"""Goal moments, 人数 and approved messages on the wall and the Streamlit big screen, and the moderation page, in a
real browser (Chromium, Playwright) against a running board; screenshots in screenshots/."""

import pytest

from givingday.store import messages
from tests.conftest import FIXTURES, open_store, run_cli, wait_until
from tests.test_browser import SHOTS, _open, _sign_in, add_organizer, browser, serving, settle  # noqa: F401
from tests.test_messages import GIFTS
from tests.test_moments import LATER

GOALS = LATER.split("\n")[:2]  # the header and G3, which takes P002 and T002 past their goals: two moments

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """The fixture roster with the messages' gifts: M1 and M2 approved, M3 pending, M4 denied; served."""
    folder = tmp_path_factory.mktemp("moments")
    db = folder / "g.duckdb"
    store = open_store(db, FIXTURES / "roster")
    from givingday.ingest.batch import import_bytes

    import_bytes(store, GIFTS.encode(), "m.csv")
    with store.writing() as conn:
        messages.decide(conn, "msg:M1", "approved", "ana")
        messages.decide(conn, "msg:M2", "approved", "ana")
        messages.decide(conn, "msg:M4", "denied", "ana")
    store.dispose()
    add_organizer(db)
    (folder / "later.csv").write_text("\n".join(GOALS) + "\n", encoding="utf-8")
    with serving(db) as url:
        yield url, db, folder / "later.csv"


def test_a_goal_moment_and_approved_messages_on_both_screens(board, browser):  # noqa: F811
    url, db, later = board
    wall = _open(browser, url + "/wall", 1920, 1080)
    big = _open(browser, url + "/?embed=true", 1920, 1080)
    for page in (wall, big):
        text = page.inner_text("body")
        assert "加油！电话***" in text and "<script>alert(1)</script> **粗体**" in text  # approved, as typed
        assert "待审核的留言" not in text and "不予展示的留言" not in text
        assert "达成目标" not in text  # the first look celebrates nothing
        assert page.inner_text("#headline-donors") == "5"
    r = run_cli("import", str(later), db=db)  # the board holds the store: handed to its inbox
    assert r.returncode == 0, r.stderr
    for name, page in (("wall", wall), ("big-screen", big)):
        page.wait_for_selector(".celebrate.goal", timeout=30_000)
        settle(page)
        assert page.inner_text(".celebrate.goal") in {  # the first moment, or by now the second (8 s each)
            "关爱老兵、情暖二七 达成目标！感谢每一份爱心",
            "张**的一起捐 达成目标！感谢每一份爱心",
        }
        assert "<script>alert(1)</script> **粗体**" in page.inner_text(".ticker")  # still among the five newest
        size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.ticker .msg')).fontSize)")
        assert size >= 24
        page.screenshot(path=str(SHOTS / f"{name}-goal-moment.png"))
    wait_until(lambda: "张**的一起捐 达成目标" in wall.inner_text("body"), 30, "the second moment")
    wall.screenshot(path=str(SHOTS / "wall-goal-moment-second.png"))
    assert wall.inner_text("#headline-donors") == "6"


def test_the_moderation_page(board, browser):  # noqa: F811
    url, *_ = board
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _sign_in(page, url, "/moderation")
    page.get_by_text("待审核的留言").wait_for(timeout=30_000)
    settle(page)
    page.screenshot(path=str(SHOTS / "moderation.png"), full_page=True)
    page.get_by_role("button", name="通过 Approve").first.click()
    page.get_by_text("的留言：已通过 Approved").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "moderation-approved.png"), full_page=True)
