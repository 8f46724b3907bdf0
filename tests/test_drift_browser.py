"""The 核对 page in Chromium on a running board: the command line's `drift` asks the board (which holds the store)
and the comparison it keeps is on the page; an organizer uploads a GBK download of the official totals with a
difference planted, and the page shows it flagged first, in yuan with thousands separators, with its cause."""

import json
import random

import pytest

from givingday.ingest.roster import load_roster
from givingday.store.database import Store
from tests.conftest import FIXTURES, run_cli
from tests.test_browser import SHOTS, _sign_in, add_organizer, browser, serving, settle  # noqa: F401 - a fixture
from tests.test_drift import at, gift_lines, import_gifts, official_copy

pytestmark = pytest.mark.browser


def test_the_page_shows_the_command_lines_comparison_and_an_upload_flagged_first(tmp_path, browser):  # noqa: F811
    db = tmp_path / "g.duckdb"
    store = Store(str(db))
    store.migrate()
    load_roster(store, FIXTURES / "roster")
    rng = random.Random(42)
    import_gifts(store, "morning-a.csv", gift_lines(rng, at(10, 0), 60, "A", 40))
    import_gifts(store, "morning-b.csv", gift_lines(rng, at(11, 0), 90, "B", 60))
    asked = tmp_path / "asked.csv"
    asked.write_text(official_copy(store, plant={"P002": (0, -1)}), encoding="utf-8-sig")
    uploaded = tmp_path / "官方汇总.csv"
    uploaded.write_bytes(official_copy(store, plant={"P001": (12_345_678, 0)}).encode("gbk"))
    store.dispose()
    add_organizer(db)
    with serving(db) as url:
        ran = run_cli("drift", str(asked), "--json", db=db)  # the board holds the store: it is asked
        assert ran.returncode == 1, ran.stderr
        assert [(r["project"], r["diff_donations"], r["flagged"]) for r in json.loads(ran.stdout)][0] == (
            "P002",
            1,
            True,
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1700})
        _sign_in(page, url, "/drift")
        # the command line's comparison, kept: P002's 人次 differ, the money agrees
        page.get_by_text("1 / 4 个项目的差异超出阈值（差额 = 本系统 − 平台，合计 ¥0.00）").wait_for(
            timeout=30_000
        )  # the command line's comparison, kept
        page.locator("input[type=file]").set_input_files(str(uploaded))
        page.get_by_role("button", name="核对 Compare").first.click()
        page.get_by_text("1 / 4 个项目的差异超出阈值（差额 = 本系统 − 平台，合计 -¥123,456.78）").wait_for(
            timeout=30_000
        )
        settle(page)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "drift.png"), full_page=True)
        # the grid fills its accessibility table a moment after it is drawn
        page.locator('[data-testid="stDataFrame"]').first.filter(has_text="P001").wait_for(timeout=30_000)
        grid = page.locator('[data-testid="stDataFrame"]').first.text_content()
        # the grid's cells as its accessibility table holds them (the canvas draws them with separators): P001 first
        assert grid.index("⚠ 是P001二七商圈青春志愿行") < grid.index("-123456.78") < grid.index("P000")
        page.close()
