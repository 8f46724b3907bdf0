"""Gift to pixel (`python -m givingday load --latency`): how long after a gift is sent a wall page in Chromium
shows it, while `--sessions` other wall screens hold their streams to the same board.

A board starts on a fresh demo store with nothing feeding it. Gifts are sent one at a time, in turn by each path:
a one-row file handed to the inbox (what `import` does while the board runs), `POST /api/gifts` with a token,
and the console's record form on `/act` in Chromium, signed in as an organizer. The wall page's own script notes
when its headline total (`data-fen`, exact to the fen) first shows the sum with the gift; the other screens
note when their stream first carries it. Figures: docs/performance.md."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from givingday import accounts, config, tokens
from givingday.ingest.inbox import hand_to_inbox
from givingday.money import format_yuan
from givingday.ops.load import fmt_load
from givingday.ops.server import demo_server
from givingday.ops.timing import percentile

HEADER = "donation_id,occurred_at,amount_yuan,matched_yuan,project,team,site,channel,donor_name\n"
TOKEN_NAME = "latency"
ORGANIZER, PASSWORD = "latency", "latency tool password"
FORM_AMOUNT, FORM_REASON, FORM_BUTTON = "金额（元）", "备注：谁收的、为什么由人工录入", "录入捐款"
CHROMIUM = "/usr/bin/chromium"
# The page's script notes, at the moment it puts a screen in place, each headline total it has not shown before.
WATCH = """() => { window.seenAt = {};
  const note = () => { const t = document.getElementById('headline-total');
    if (t && !(t.dataset.fen in window.seenAt)) window.seenAt[t.dataset.fen] = Date.now(); };
  note(); new MutationObserver(note).observe(document.getElementById('wall-screen'), {childList: true, subtree: true}); }"""

CLICKED = (
    "() => document.addEventListener('click', () => { window.clickedAt = Date.now(); }, {capture: true, once: true})"
)


@dataclass
class Screens:
    """The other screens' streams, held on their own event loop in a thread: when each first carried a total."""

    url: str
    count: int
    opened: int = 0
    refused: int = 0
    seen: dict[int, list[float]] = field(default_factory=dict)  # total fen -> when each screen first had it
    wanted: set[int] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    async def _hold(self, path: str) -> None:
        parts = urlsplit(self.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
        status = await reader.readline()
        if b" 200 " not in status:
            self.refused += 1
            writer.close()
            return
        self.opened += 1
        tail, had = b"", set()
        while not self.stop.is_set():
            chunk = await reader.read(65536)
            if not chunk:
                break
            text = tail + chunk
            for fen in self.wanted - had:
                if b'id=\\"headline-total\\" data-fen=\\"%d\\"' % fen in text:  # as JSON writes the page
                    had.add(fen)
                    self.seen.setdefault(fen, []).append(time.time())
            tail = text[-200:]
        writer.close()

    async def _run(self) -> None:
        tasks = []
        for i in range(self.count):
            lang = "&lang=en" if i % 4 == 3 else ""
            tasks.append(asyncio.create_task(self._hold(f"/wall/stream?view=overview{lang}")))
            if i % 50 == 49:
                await asyncio.sleep(0.2)  # a steady ramp, as screens are switched on
        while not self.stop.is_set():
            await asyncio.sleep(0.2)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="latency-screens", daemon=True)
        thread.start()
        return thread


def gift(donation_id: str, fen: int, site: str = "S001") -> bytes:
    row = f'{donation_id},2020-09-07 12:00:00,"{format_yuan(fen, "")}",0,P001,,{site},qr,测试\n'
    return (HEADER + row).encode()


@dataclass
class Senders:
    """The paths a gift takes to the board, each a method that sends one."""

    url: str
    inbox: Path
    token: str = ""
    form: Any = None  # the console's /act page in Chromium, signed in

    def by_inbox(self, donation_id: str, fen: int) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{donation_id}.csv"
            path.write_bytes(gift(donation_id, fen))
            hand_to_inbox(path, self.inbox)

    def by_api(self, donation_id: str, fen: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "text/csv"}
        request = urllib.request.Request(self.url + "/api/gifts", gift(donation_id, fen), headers, method="POST")
        urllib.request.urlopen(request, timeout=30).read()

    def by_form(self, donation_id: str, fen: int) -> float:
        """The organizer's record form: the gift is imported in the board's process when the button is pressed.
        Its time starts at the click, as the page saw it, not when Playwright set out to make it."""
        self.form.get_by_label(FORM_AMOUNT).first.fill(format_yuan(fen, ""))
        self.form.get_by_label(FORM_REASON).first.fill(donation_id)
        self.form.evaluate(CLICKED)
        self.form.get_by_role("button", name=FORM_BUTTON).click()
        return self.form.evaluate("() => window.clickedAt") / 1000

    def sign_in(self, page: Any) -> None:
        page.goto(self.url + "/act")
        page.get_by_label("用户名 User name").fill(ORGANIZER)
        page.get_by_label("密码 Password").fill(PASSWORD)
        page.get_by_role("button", name="登录 Sign in").click()
        page.get_by_role("button", name=FORM_BUTTON).wait_for(timeout=60_000)
        self.form = page


PATHS = {"inbox": Senders.by_inbox, "api": Senders.by_api, "console form": Senders.by_form}


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<30} none"
    return (
        f"{name:<30} n={len(values):<6} p50 {statistics.median(values):.3f} s   p95 {percentile(values, 0.95):.3f} s"
        f"   max {max(values):.3f} s"
    )


def measure(senders: Senders, others: int, gifts: int) -> int:
    from playwright.sync_api import sync_playwright

    url = senders.url
    screens = Screens(url, others)
    screens.start()
    deadline = time.monotonic() + 120
    while screens.opened + screens.refused < others and time.monotonic() < deadline:
        time.sleep(0.5)
    print(f"{screens.opened:,} other wall screens streaming, {screens.refused:,} refused", flush=True)
    rng = random.Random(42)
    by_path: dict[str, list[float]] = {p: [] for p in PATHS}
    slowest: list[tuple[float, str, float]] = []  # seconds, path, seconds into the run
    started = time.monotonic()
    others_lag: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        senders.sign_in(browser.new_page(viewport={"width": 1400, "height": 900}))
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url + "/wall")
        page.wait_for_selector("#headline-total", timeout=60_000)
        page.evaluate(WATCH)
        total = int(page.locator("#headline-total").get_attribute("data-fen"))
        for i in range(gifts):
            path = list(PATHS)[i % len(PATHS)]
            fen = 100 + rng.randrange(1, 100_000)
            total += fen
            screens.wanted.add(total)
            sent = time.time()
            sent = PATHS[path](senders, f"LAT-{i}-{rng.randrange(10**9)}", fen) or sent
            page.wait_for_function("fen => fen in window.seenAt", arg=str(total), timeout=30_000)
            by_path[path].append(page.evaluate("fen => window.seenAt[fen]", str(total)) / 1000 - sent)
            slowest.append((by_path[path][-1], path, time.monotonic() - started))
            time.sleep(0.5 + rng.random())  # others catch up; the next gift lands anywhere in the feed's period
            others_lag += [t - sent for t in screens.seen.get(total, [])]
        page.screenshot(path=str(config.ROOT / "screenshots" / "latency-wall.png"))
        senders.form.screenshot(path=str(config.ROOT / "screenshots" / "latency-form.png"))
        browser.close()
    screens.stop.set()
    everything = [x for v in by_path.values() for x in v]
    print(f"gift to pixel, {gifts} gifts, {others:,} other wall screens, load average {fmt_load(os.getloadavg())}")
    for path, values in by_path.items():
        print(line(f"  Chromium, by {path}", values))
    print(line("  Chromium, every path", everything))
    print(line("  other screens' streams", others_lag))
    print("  slowest: " + ", ".join(f"{s:.2f} s by {p} at {t:.0f} s" for s, p, t in sorted(slowest)[-3:][::-1]))
    return 0 if everything and percentile(everything, 0.95) <= 1.0 else 1


def main(args: argparse.Namespace) -> int:
    made: dict[str, Any] = {}

    def prepare(db: Path) -> None:
        made["token"] = tokens.add_token(TOKEN_NAME, str(db))
        made["inbox"] = config.beside_store(str(db), "inbox")  # the board's, as board_env leaves it
        accounts.add_user(ORGANIZER, "organizer", PASSWORD, str(db))

    with demo_server(args.port, live=False, backfill_until=args.backfill_until or "20:30", prepare=prepare) as (
        url,
        pid,
    ):
        print(f"board on {url} (pid {pid}), load average {fmt_load(os.getloadavg())}", flush=True)
        return measure(Senders(url, made["inbox"], made["token"]), args.sessions, args.gifts)
