"""An upload big enough to take a while, on /act in a real browser: the bar shows the rows judged and the time
left while the file is judged, then gives way to the outcome. Screenshots land in screenshots/ to be looked at."""

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import CANONICAL_HEADER, run_cli
from tests.test_browser import SHOTS, add_organizer, browser, serving, settle  # noqa: F401  (fixtures)
from tests.test_mapping_browser import _upload, _upload_tab

pytestmark = pytest.mark.browser

ROWS = 300_000
# Every text the progress bar shows, kept by the page as it is drawn: on a busy machine a state may come and go
# between two of Playwright's looks.
SEEN = """() => { window.barSaid = [];
    new MutationObserver(() => { for (const b of document.querySelectorAll('[data-testid="stProgress"]')) {
        const t = b.innerText; if (t && window.barSaid.at(-1) !== t) window.barSaid.push(t); } })
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def _big_file() -> bytes:
    rows = (
        f"G{i:07d},2020-09-07 {10 + i % 12:02d}:{i % 60:02d}:{i // 60 % 60:02d},{i % 9 + 1}.00,0,P00{1 + i % 8},,,"
        f"qr,张{i % 1000}"
        for i in range(ROWS)
    )
    return (CANONICAL_HEADER + "\n".join(rows) + "\n").encode()


def test_a_big_upload_shows_rows_and_time_left_then_the_outcome(browser, tmp_path):  # noqa: F811
    db = tmp_path / "g.duckdb"
    assert run_cli("init", "--demo", db=db).returncode == 0
    add_organizer(db)
    SHOTS.mkdir(exist_ok=True)
    with serving(db) as url:
        page = _upload_tab(browser, url)
        page.evaluate(SEEN)
        _upload(page, "big.csv", _big_file())
        bar = page.locator('[data-testid="stProgress"]')
        try:
            bar.get_by_text(re.compile(r"judging [\d,]+/300,000 rows .* about \d+ s left")).wait_for(timeout=120_000)
            page.screenshot(path=str(SHOTS / "act-upload-progress.png"))
        except PlaywrightTimeout:
            pass  # drawn and gone between two looks: what the bar said is in the page's record, read below
        outcome = page.locator('[data-testid^="stAlertContent"]').filter(has_text="big.csv：已入账，新增 300,000 笔")
        outcome.first.wait_for(timeout=180_000)  # the message, not the imports table's row of the same words
        said = [t for t in page.evaluate("() => window.barSaid") if "about" in t]
        assert said, page.evaluate("() => window.barSaid")
        assert re.search(r"判断 [\d,]+/300,000 行（\d+%）。judging [\d,]+/300,000 rows", said[0]), said
        assert re.search(r"剩余约 \d+ 秒 about \d+ s left", said[0]), said
        settle(page)
        assert page.locator('[data-testid="stProgress"]').count() == 0
        page.screenshot(path=str(SHOTS / "act-upload-done.png"))
        totals = json.loads(run_cli("totals", "--json", db=db).stdout)
        assert totals["total_fen"] == sum((i % 9 + 1) * 100 for i in range(ROWS))
