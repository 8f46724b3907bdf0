"""An upload big enough to take a while, on /act in a real browser: the bar shows the rows judged and the time
left while the file is judged, then gives way to the outcome. Screenshots land in screenshots/ to be looked at."""

import json
import re

import pytest

from tests.conftest import CANONICAL_HEADER, run_cli
from tests.test_browser import SHOTS, add_organizer, browser, serving, settle  # noqa: F401  (fixtures)
from tests.test_mapping_browser import _upload, _upload_tab

pytestmark = pytest.mark.browser

ROWS = 300_000


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
        _upload(page, "big.csv", _big_file())
        bar = page.locator('[data-testid="stProgress"]')
        bar.get_by_text(re.compile(r"judging [\d,]+/300,000 rows .* about \d+ s left")).wait_for(timeout=120_000)
        said = bar.inner_text()
        page.screenshot(path=str(SHOTS / "act-upload-progress.png"))
        assert re.search(r"判断 [\d,]+/300,000 行（\d+%）。judging [\d,]+/300,000 rows", said), said
        assert re.search(r"剩余约 \d+ 秒 about \d+ s left", said), said
        outcome = page.locator('[data-testid^="stAlertContent"]').filter(has_text="big.csv：已入账，新增 300,000 笔")
        outcome.first.wait_for(timeout=180_000)  # the message, not the imports table's row of the same words
        settle(page)
        assert page.locator('[data-testid="stProgress"]').count() == 0
        page.screenshot(path=str(SHOTS / "act-upload-done.png"))
        totals = json.loads(run_cli("totals", "--json", db=db).stdout)
        assert totals["total_fen"] == sum((i % 9 + 1) * 100 for i in range(ROWS))
