"""The summary page in a real browser: the figures on screen equal `totals`, and the printed page (Chromium's
print to PDF) is white paper without the controls. Screenshots and the printed PDF land in screenshots/."""

import subprocess

import pytest

from givingday.money import format_yuan
from tests.test_browser import SHOTS, _sign_in, browser, server, settle  # noqa: F401  (fixtures)
from tests.test_report_files import _tool

pytestmark = pytest.mark.browser

# Each key figure's text, and whether it is cut short (an element of it wider inside than it is shown).
CUT_FIGURES = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(m =>
  [m.innerText, [m, ...m.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)])"""


def test_summary_page_in_chromium_and_in_print(server, browser):  # noqa: F811
    url, totals, *_ = server
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    _sign_in(page, url, "/summary")  # an organizer; leaders see it too (tests/test_summary_page.py)
    page.wait_for_selector("text=项目目标完成情况", timeout=60_000)
    settle(page)
    body = page.inner_text("body")
    assert format_yuan(totals["total_fen"]) in body and format_yuan(totals["matched_fen"]) in body
    assert f"{totals['donations']:,}" in body and "演示数据" in body
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(SHOTS / "summary-page.png"))
    for width in (1440, 1280, 1024):  # a laptop and a tablet: no key figure cut to "¥300,000…"
        page.set_viewport_size({"width": width, "height": 2400})
        settle(page)
        cut = page.evaluate(CUT_FIGURES)
        assert len(cut) == 5 and not [text for text, is_cut in cut if is_cut], (width, cut)
    page.emulate_media(media="print")
    printed = SHOTS / "summary-print.pdf"
    page.pdf(path=str(printed), format="A4")
    page.close()
    text = subprocess.run([_tool("pdftotext"), str(printed), "-"], capture_output=True, text=True, check=True).stdout
    assert format_yuan(totals["total_fen"]) in text and "项目目标完成情况" in text
    assert "下载 PDF 报告" not in text and "指定截至时间" not in text  # the controls stay off paper
    subprocess.run([_tool("pdftoppm"), "-r", "50", "-png", str(printed), str(SHOTS / "summary-print")], check=True)
