"""The mapping screen in a real browser: an unknown statement uploaded on /act, mapped, previewed, saved and
imported on confirm, then the same layout uploaded again and recognised by the saved profile. Screenshots land
in screenshots/ to be looked at."""

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.conftest import run_cli
from tests.test_browser import SHOTS, _sign_in, add_organizer, browser, serving, settle  # noqa: F401  (fixtures)
from tests.test_mapping import PREAMBLE, SAVED, STATEMENT

pytestmark = pytest.mark.browser

NEXT_MONTH = "流水号,入账日期,入账时间,收款金额,付款人,备注\nB1,08/09/2020,09:30:00,88.80,钱七,\n".encode()


def _total_fen(db) -> int:
    """The store's total, asked of the running board (it holds the store)."""
    r = run_cli("totals", "--json", db=db)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["total_fen"]


def _said(page, text: str) -> None:
    """Wait for the page's message of an import's outcome (the imports table below may show the same words)."""
    page.locator('[data-testid^="stAlertContent"]').filter(has_text=text).first.wait_for(timeout=30_000)


def _upload(page, name: str, data: bytes) -> None:
    settle(page)  # a file given while the page reruns goes to an uploader that is about to be replaced
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.locator('[data-testid="stFileChip"]').wait_for(timeout=30_000)
    page.get_by_role("button", name="导入", exact=True).click()


def _choose(page, label: str, typed: str) -> None:
    """Pick in the selectbox labelled `label` the option found by typing `typed`."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    options = page.locator('[role="option"]')
    for _ in range(10):  # a click while the page reruns can be lost with the list it opened: keys then go nowhere
        settle(page)
        box.click()
        try:
            options.first.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    page.keyboard.type(typed)
    page.locator('[role="option"]').filter(has_text=typed).first.wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    # the choice is made, not only typed
    expect(box.get_by_role("combobox")).to_have_value(re.compile(re.escape(typed)), timeout=30_000)
    settle(page)


@pytest.fixture
def board(tmp_path):
    """A board on an empty store of the demo roster, its profiles in their own folder: its URL, store and folder."""
    db, profiles = tmp_path / "g.duckdb", tmp_path / "profiles"
    assert run_cli("init", "--demo", db=db).returncode == 0
    add_organizer(db)
    SHOTS.mkdir(exist_ok=True)
    with serving(db, GIVINGDAY_PROFILES=str(profiles)) as url:
        yield url, db, profiles


def _upload_tab(browser, url: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    _sign_in(page, url, "/act")
    page.get_by_role("tab", name="上传文件").click()
    page.get_by_role("tab", name="上传文件", selected=True).wait_for(timeout=30_000)
    settle(page)
    return page


def _mapping_opened(browser, url: str, name: str, data: bytes):  # noqa: F811
    """An organizer's upload of a file nothing recognises, on /act, once the mapping screen is up."""
    page = _upload_tab(browser, url)
    _upload(page, name, data)
    page.get_by_role("heading", name="对应各列 Map the columns").wait_for(timeout=30_000)
    settle(page)
    return page


def test_an_unknown_layout_is_mapped_saved_imported_and_then_recognised(browser, board):  # noqa: F811
    url, db, profiles = board
    page = _mapping_opened(browser, url, "community.csv", STATEMENT)
    assert "community.csv：没有认出这种文件" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "mapping-unknown-file.png"))

    page.get_by_text("两列：日期、时刻 Two: date, time of day").click()
    settle(page)
    _choose(page, "日期 Date", "入账日期")
    _choose(page, "时刻 Time of day", "入账时间")
    _choose(page, "项目 Project", "P001")
    _choose(page, "渠道 Channel", "bank")
    page.get_by_label("导入配置名 Profile name").fill("community")
    page.get_by_label("标题 Title").fill("社区收款流水")
    page.get_by_label("标题 Title").press("Enter")
    total = page.locator('[data-testid="stMetric"]').filter(has_text="合计 Total")
    total.filter(has_text="¥1,200.50").wait_for(timeout=30_000)
    settle(page)
    metrics = [m.inner_text().split() for m in page.locator('[data-testid="stMetric"]').all()]
    assert metrics == [
        ["将新增", "New", "gifts", "2"],
        ["合计", "Total", "¥1,200.50"],
        ["重复", "Duplicates", "1"],
        ["跳过", "Skipped", "0"],
        ["退回", "Rejected", "2"],
    ]  # the rows and reasons, drawn on a canvas here, are read in tests/test_mapping_page.py
    page.screenshot(path=str(SHOTS / "mapping-preview.png"), full_page=True)
    assert _total_fen(db) == 0 and not profiles.exists()  # the preview stored nothing

    page.get_by_role("button", name="保存导入配置 Save profile").click()
    page.get_by_text("已保存导入配置 community").wait_for(timeout=30_000)
    assert (profiles / "community.toml").read_text(encoding="utf-8") == SAVED
    assert _total_fen(db) == 0
    confirm = page.get_by_role("button", name="确认导入 Import 2 笔，¥1,200.50")
    confirm.scroll_into_view_if_needed()
    settle(page)
    page.screenshot(path=str(SHOTS / "mapping-saved.png"))
    confirm.click()
    _said(page, "community.csv：已入账，新增 2 笔（捐款 ¥1,200.50，配捐 ¥0.00），重复 1 笔，退回 2 行。")
    settle(page)
    assert page.get_by_role("heading", name="对应各列 Map the columns").count() == 0
    page.screenshot(path=str(SHOTS / "mapping-imported.png"), full_page=True)
    assert _total_fen(db) == 120_050

    _upload(page, "community-2.csv", NEXT_MONTH)
    _said(page, "community-2.csv：已入账，新增 1 笔")
    assert "按导入配置 community 读取" in page.inner_text("body")
    assert page.get_by_role("heading", name="对应各列 Map the columns").count() == 0
    page.screenshot(path=str(SHOTS / "mapping-recognised.png"))
    assert _total_fen(db) == 120_050 + 8_880
    page.close()


def test_a_bill_with_a_preamble_and_expenses_is_mapped_and_recognised_again(browser, board):  # noqa: F811
    url, db, profiles = board
    page = _mapping_opened(browser, url, "bill.csv", PREAMBLE)
    header = page.get_by_role("combobox", name="表头所在行 The header is on line")
    assert header.input_value() == "5：单号, 时间, 收/支, 金额, 对方"
    _choose(page, "项目 Project", "P001")
    total = page.locator('[data-testid="stMetric"]').filter(has_text="合计 Total")
    total.filter(has_text="¥10.00").wait_for(timeout=30_000)
    skipped = page.locator('[data-testid="stMetric"]').filter(has_text="跳过 Skipped")
    assert skipped.inner_text().split() == ["跳过", "Skipped", "1"]
    settle(page)
    page.screenshot(path=str(SHOTS / "mapping-bill-preview.png"))
    page.get_by_role("button", name="保存导入配置 Save profile").click()
    page.get_by_role("button", name="确认导入 Import 1 笔，¥10.00").click()
    _said(
        page,
        "bill.csv：已入账，新增 1 笔（捐款 ¥10.00，配捐 ¥0.00），重复 0 笔，退回 0 行。按导入配置 bill 读取。跳过 1 行",
    )
    assert "跳过 1 行（1 行非收入 not income），不是捐款。" in page.inner_text("body")
    assert _total_fen(db) == 1_000
    assert "header_within = 25" in (profiles / "bill.toml").read_text(encoding="utf-8")
    _upload(page, "bill-again.csv", PREAMBLE)  # the same bill again: recognised, and nothing counts twice
    _said(page, "bill-again.csv：已入账，新增 0 笔")
    assert _total_fen(db) == 1_000
    page.close()


def test_a_double_clicked_import_takes_the_file_once_and_says_so(browser, board):  # noqa: F811
    """The form used to empty itself on submit: a double click's second click came with no file, stopped the
    first's run before it imported, and the page said only 请先选择文件."""
    url, db, _ = board
    before = _total_fen(db)
    page = _upload_tab(browser, url)
    notes = "导出时间：2020-09-07 12:00\n说明：两行说明\noccurred_at,amount_yuan,project,donation_id\n"
    data = (notes + "2020-09-07 10:00:00,12.34,P001,DBL-1\n2020-09-07 10:01:00,-5,P001,DBL-2\n").encode()
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "notes.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.locator('[data-testid="stFileChip"]').wait_for(timeout=30_000)
    page.get_by_role("button", name="导入", exact=True).dblclick()
    _said(page, "新增 1 笔")
    settle(page)
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "upload-double-click.png"), full_page=True)
    assert "请先选择文件" not in body and "重复 1 笔" not in body  # one import, said once
    assert "新增 1 笔" in body and "退回 1 行" in body
    assert _total_fen(db) == before + 1_234
