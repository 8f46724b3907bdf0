"""A wall screen that survives a server, in a real browser: two boards run as their own processes on two ports,
each on a copy of one seeded store (the same gifts, the same demo clock), both listed in the event's
`[screen] boards`. The page, served by the first, follows the first; `kill -9` of it, and the page moves to the
second and follows the figures there; the first started again, and the page comes back to it. Every total the
page showed on the way is a true one: the gifts' sum on the stores at that moment."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from givingday import config
from givingday.ops.latency import Senders
from givingday.ops.server import free_port
from tests.conftest import run_cli
from tests.test_browser import SHOTS, browser, settle  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

# Every headline total and board the page shows, in order, seen by the page itself.
RECORD = """() => {
    window.shown = [];
    const screen = document.getElementById("wall-screen");
    const note = () => document.getElementById("wall-note").textContent;
    const look = () => {
        const total = document.getElementById("headline-total");
        window.shown.push([total ? total.dataset.fen : null, screen.dataset.board, note()]);
    };
    new MutationObserver(look).observe(document.body, {childList: true, subtree: true, attributes: true});
    look();
}"""


class Board:
    """`givingday serve` on one store folder and one port, started and killed as the test says."""

    def __init__(self, db: Path, port: int, event: Path):
        self.db, self.port = db, port
        self.env = {**os.environ, "GIVINGDAY_DB": str(db), "GIVINGDAY_DEMO": "0", "GIVINGDAY_EVENT": str(event)}
        self.origin = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Board":
        log = open(self.db.parent / "server.log", "a")  # noqa: SIM115 - the process writes it until it ends
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "givingday", "serve", "--port", str(self.port)],
            cwd=config.ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(self.origin + "/healthz", timeout=2).read() == b"ok":
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail("the board did not start: " + (self.db.parent / "server.log").read_text())

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def hand(self, donation_id: str, fen: int) -> None:
        Senders("", config.beside_store(str(self.db), "inbox")).by_inbox(donation_id, fen)


@pytest.fixture(scope="module")
def two_boards(tmp_path_factory):
    """Two boards on copies of one store seeded by the demo (day one up to 12:00), each listing both."""
    folder = tmp_path_factory.mktemp("failover")
    first, second = folder / "first", folder / "second"
    first.mkdir()
    ports = free_port(), free_port()
    event = folder / "event.toml"
    listed = ", ".join(f'"http://127.0.0.1:{p}"' for p in ports)
    event.write_text(
        config.DEFAULT_EVENT.read_text(encoding="utf-8").replace("boards = []", f"boards = [{listed}]", 1),
        encoding="utf-8",
    )
    ran = run_cli(
        "simulate",
        "--start",
        "2020-09-07",
        "--backfill-until",
        "12:00",
        "--scale",
        "0.1",
        db=first / "g.duckdb",
    )
    assert ran.returncode == 0, ran.stderr
    shutil.copytree(first, second)  # the store, its salt and its demo clock: the same gifts at the same now
    total = json.loads(run_cli("totals", "--json", db=first / "g.duckdb").stdout)["total_fen"]
    assert json.loads(run_cli("totals", "--json", db=second / "g.duckdb").stdout)["total_fen"] == total
    boards = [Board(first / "g.duckdb", ports[0], event).start(), Board(second / "g.duckdb", ports[1], event).start()]
    try:
        yield boards, total
    finally:
        for board in boards:
            board.stop()


def _headline(page) -> int:
    return int(page.locator("#headline-total").get_attribute("data-fen"))


def test_the_wall_moves_to_the_second_board_when_the_first_dies_and_comes_back(two_boards, browser):  # noqa: F811
    (first, second), total = two_boards
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(first.origin + "/wall?refresh=2")
    page.wait_for_selector("#headline-total", timeout=30_000)
    settle(page)
    page.evaluate(RECORD)
    assert page.get_attribute("#wall-screen", "data-board") == first.origin + "/"
    assert _headline(page) == total
    page.screenshot(path=str(SHOTS / "failover-1-first-board.png"))

    first.kill()  # kill -9: its stream drops and its feed refuses
    page.wait_for_selector("#wall-note.on", timeout=15_000)  # the last true figures stay, with the note
    assert page.inner_text("#wall-note") == "与服务器失去连接，正在重试 · Connection lost, retrying"
    assert _headline(page) == total
    page.screenshot(path=str(SHOTS / "failover-2-connection-lost.png"))
    page.wait_for_selector(f'#wall-screen[data-board="{second.origin}/"]', state="attached", timeout=30_000)
    assert _headline(page) == total and page.inner_text("#wall-note") == ""
    page.screenshot(path=str(SHOTS / "failover-3-second-board.png"))

    # A gift reaches both stores: the second board takes it at once, the first when it starts again.
    for board in (first, second):
        board.hand("FAILOVER-1", 4_321)
    page.wait_for_function(f"() => document.getElementById('headline-total').dataset.fen === '{total + 4_321}'")
    page.screenshot(path=str(SHOTS / "failover-4-second-board-new-gift.png"))

    first.start()
    page.wait_for_selector(f'#wall-screen[data-board="{first.origin}/"]', state="attached", timeout=30_000)
    assert _headline(page) == total + 4_321
    assert page.inner_text("#wall-note") == ""
    page.screenshot(path=str(SHOTS / "failover-5-first-board-again.png"))

    shown = page.evaluate("() => window.shown")
    assert {fen for fen, _, _ in shown} == {str(total), str(total + 4_321)}  # nothing false on the way
    fens = [int(fen) for fen, _, _ in shown]
    assert fens == sorted(fens)  # never back in time
    boards = [board for _, board, _ in shown]
    firsts = [i for i, b in enumerate(boards) if b == second.origin + "/"]
    assert boards[0] == boards[-1] == first.origin + "/" and firsts  # first, then second, then first again
    assert all(b == second.origin + "/" for b in boards[firsts[0] : firsts[-1] + 1])
    page.close()
