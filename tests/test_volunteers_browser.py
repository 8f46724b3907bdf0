"""The console's volunteers section in a real browser, on the demo's morning: the heat map, both lists and the
rule said in words. The screenshots land in screenshots/console-volunteers*.png."""

import pytest

from givingday.console import volunteers
from tests.test_browser import SHOTS, _sign_in, browser, server, settle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
CLICK_TAB = (
    """name => [...document.querySelectorAll('[data-testid="stTab"]')].find(t => t.innerText.trim() === name).click()"""
)


def test_volunteers_tab_shows_the_heat_map_and_both_lists(server, browser):  # noqa: F811
    url, *_ = server
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1800})
    _sign_in(page, url, "/console?day=2020-09-07")
    page.locator("h3", has_text="筛选范围内").wait_for(timeout=60_000)
    settle(page)
    # The fragment redraws the tab bar every 10 s, so Playwright may never see the tab stable: click it in the page.
    page.evaluate(CLICK_TAB, "志愿者")
    page.get_by_role("tab", name="志愿者", selected=True).wait_for(timeout=30_000)
    page.wait_for_selector("text=人手紧张 Short of hands", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)
    settle(page)
    body = page.inner_text("body")
    assert volunteers.RULE_WORDS.split("；")[0] in body
    assert "有人值守但冷清 Staffed but quiet" in body and "10:00" in body
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(SHOTS / "console-volunteers.png"), full_page=True)
    page.get_by_text("有人值守但冷清 Staffed but quiet").scroll_into_view_if_needed()
    settle(page)
    page.screenshot(path=str(SHOTS / "console-volunteers-lists.png"))
    page.close()
