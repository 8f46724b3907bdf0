"""The crawler's hands and eyes: operate a Streamlit control in Chromium, then look at the page as a person would
(an exception, a raw Python value), and keep the list of what was operated and what was found."""

from __future__ import annotations

import contextlib
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.test_browser import SETTLED

# Raw values no person should read: Python's None, pandas' missing values, an object's or a timestamp's repr.
RAW = re.compile(
    r"(?<![A-Za-z])(None|nan|NaN|NaT|null|undefined)(?![A-Za-z])|<[\w.]+ object at 0x|Traceback \(most recent"
    r"|\b(Timestamp|datetime\.\w+|Decimal|numpy\.\w+|np\.\w+)\("
)
# Text of the tables (their accessible copy: the grid itself is drawn on a canvas) and of every other element.
PAGE_TEXT = """() => document.body.innerText + '\\n' + [...document.querySelectorAll('[data-testid="stDataFrame"] table')]
    .map(t => t.innerText).join('\\n')"""


@dataclass
class Crawl:
    """One browser page crawled by one role: every step is logged, every defect seen is kept (not raised), so one
    run lists them all."""

    page: Page
    role: str
    shots: Path
    steps: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    where: str = ""
    started: float = field(default_factory=time.monotonic)

    def settle(self, pause: float = 0.25) -> None:
        """Let the click reach the server, then wait until Streamlit has run the script and the page is drawn."""
        self.page.wait_for_timeout(pause * 1000)
        try:
            self.page.wait_for_function(SETTLED, timeout=30_000)
        except PlaywrightTimeout:
            self.found.append(f"{self.role} {self.where}: the page did not settle in 30 s")

    def open(self, path: str, url: str, ready: str = "[data-testid='stMain'] h1, #headline-total") -> None:
        self.where = path
        self.page.goto(url + path)
        try:
            self.page.locator(ready).first.wait_for(timeout=30_000)
        except PlaywrightTimeout:
            self.found.append(f"{self.role} {path}: nothing drawn in 30 s")
        self.settle()
        self.look(f"open {path}")

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        """A part of the crawl that a control gone missing stops; what it saw is kept, and the crawl goes on."""
        try:
            yield
        except PlaywrightError as exc:
            self.shot(f"stopped-{name}")
            self.found.append(f"{self.role} {self.where}: {name} stopped: {str(exc).splitlines()[0]}")

    def log(self, step: str) -> None:
        self.steps.append(f"{time.monotonic() - self.started:5.0f} s  {self.role:<10} {self.where:<28} {step}")

    def look(self, step: str) -> str:
        """Log the step, and keep what is wrong on the page after it. Returns the page's text."""
        self.log(step)
        for e in self.page.locator('[data-testid="stException"]').all():
            self.found.append(f"{self.role} {self.where} after {step}: exception {e.inner_text()[:300]!r}")
        text = self.page.evaluate(PAGE_TEXT)
        self.raw_values(text, f"after {step}")
        return text

    def raw_values(self, text: str, what: str) -> None:
        for m in RAW.finditer(text):
            context = text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ⏎ ")
            self.found.append(f"{self.role} {self.where} {what}: {m.group(0)!r} in …{context}…")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.role}-{name}.png"), full_page=True)

    def select_box(self, label: str):
        label_el = self.page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(f"^{re.escape(label)}$"))
        return self.page.locator('[data-testid="stSelectbox"]:visible').filter(has=label_el).first

    def options(self, label: str) -> list[str]:
        self.select_box(label).click()
        texts = [o.inner_text() for o in self.page.locator('[role="option"]').all()]
        self.page.keyboard.press("Escape")
        return texts

    def choose(self, label: str, index: int) -> str:
        self.select_box(label).click()
        option = self.page.locator('[role="option"]').nth(index)
        text = option.inner_text()
        option.click()
        self.settle()
        return text

    def every_option(self, label: str, then=None) -> None:
        """Each option of a select box in turn, looked at after each; then back to the first (usually "all")."""
        for i, _ in enumerate(self.options(label)):
            text = self.choose(label, i)
            self.look(f"select {label} = {text}")
            if then:
                then(text)
        self.choose(label, 0)

    def every_tab(self, each=None) -> None:
        for i, tab in enumerate(self.page.get_by_role("tab").all()):
            name = tab.inner_text()
            tab.click()
            self.settle()
            self.look(f"tab {name}")
            if each:
                each(i, name)

    def type_into(self, label: str, text: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Enter")
        self.settle()
        self.look(f"type {label} = {text}")

    def set_time(self, label: str, hh_mm: str) -> None:
        """A time input (hours and minutes typed into its segments, as a person does), then leave it."""
        self.page.get_by_label(label, exact=True).locator('[role="spinbutton"]').first.click()
        self.page.keyboard.type(hh_mm.replace(":", ""))
        self.page.keyboard.press("Tab")
        self.settle()
        self.look(f"time {label} = {hh_mm}")

    def downloads(self) -> None:
        """Every download button in view: the file comes, is what its name says, and holds no raw value."""
        for button in self.page.locator('[data-testid="stDownloadButton"] button').all():
            if not button.is_visible():
                continue
            label = button.inner_text().strip().splitlines()[-1]  # without its icon's name
            for _ in range(3):  # a click can land while the page's refresh redraws the button: try again
                try:
                    with self.page.expect_download(timeout=15_000) as got:
                        button.click()
                    break
                except PlaywrightTimeout:
                    continue
            else:
                self.found.append(f"{self.role} {self.where}: {label} gave no file")
                continue
            name = got.value.suggested_filename
            data = Path(got.value.path()).read_bytes()
            self.log(f"download {label} → {name} ({len(data):,} bytes)")
            self.check_file(name, data)

    def check_file(self, name: str, data: bytes) -> None:
        if name.endswith(".csv"):
            self.raw_values(data.decode("utf-8-sig"), f"in {name}")
        elif name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                cells = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/sharedStrings"))
            self.raw_values(re.sub(r"<[^>]+>", " ", cells), f"in {name}")
        elif name.endswith(".pdf"):
            if not data.startswith(b"%PDF"):
                self.found.append(f"{self.role} {self.where}: {name} is not a PDF")
        else:
            self.found.append(f"{self.role} {self.where}: unexpected download {name}")

    def refused(self, path: str, url: str, heading: str) -> None:
        """A URL this role may not open answers with `heading` and shows nothing of the page."""
        self.where = path
        self.page.goto(url + path)
        try:
            self.page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
        except PlaywrightTimeout:
            self.found.append(f"{self.role} {path}: not refused with {heading!r}")
        self.settle()
        text = self.look(f"refused ({heading})")
        self.shot("refused" + path.replace("/", "-"))
        if "筛选范围内" in text or "录入捐款" in text or self.page.locator('[data-testid="stFileUploader"]').count():
            self.found.append(f"{self.role} {path}: a refused page shows its content")
