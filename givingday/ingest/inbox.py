"""The inbox: files dropped into a folder are imported by one background worker in the process that holds
the store (no other process can open a DuckDB file while it is held), then moved to `processed/` or
`failed/` with a JSON report beside them.

Writers should write under a hidden or `.part` name and rename when done (as `hand_to_inbox` does); files
written in place are picked up once their size has stopped changing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from givingday.ingest.batch import ImportReport, import_file
from givingday.ingest.profiles import ProfileError, find_profile
from givingday.store.database import Store

log = logging.getLogger(__name__)
PROFILE_SUFFIX = ".profile"
_IGNORED_SUFFIXES = (".part", ".tmp", PROFILE_SUFFIX, ".crdownload")


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    n = 1
    while target.exists():
        target = folder / f"{Path(name).stem}.{n}{Path(name).suffix}"
        n += 1
    return target


def hand_to_inbox(path: Path, inbox: Path, profile: str | None = None) -> Path:
    """Copy a file into the inbox atomically (and its profile choice beside it); returns its inbox path."""
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = _unique(inbox, f"{stamp}-{path.name}")
    if profile:
        Path(str(dest) + PROFILE_SUFFIX).write_text(profile, encoding="utf-8")
    part = inbox / f".{dest.name}.part"
    shutil.copyfile(path, part)
    os.replace(part, dest)
    return dest


def _waiting(inbox: Path) -> list[Path]:
    if not inbox.exists():
        return []
    return [
        p
        for p in sorted(inbox.iterdir())
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_IGNORED_SUFFIXES)
    ]


def _ready(inbox: Path, sizes: dict[str, int]) -> list[Path]:
    """Files whose size is the same as at the previous look (so not still being written)."""
    ready = []
    seen = {}
    for p in _waiting(inbox):
        size = p.stat().st_size
        seen[p.name] = size
        if sizes.get(p.name) == size:
            ready.append(p)
    sizes.clear()
    sizes.update(seen)
    return ready


def process_file(store: Store, path: Path) -> ImportReport:
    """Import one inbox file and move it (with its report) to processed/ or failed/."""
    sidecar = Path(str(path) + PROFILE_SUFFIX)
    profile = None
    try:
        if sidecar.exists():
            profile = find_profile(sidecar.read_text(encoding="utf-8").strip())
        report = import_file(store, path, profile, source=path.name)
    except ProfileError as exc:
        report = ImportReport(file=path.name, outcome="unreadable", message=str(exc))
    except Exception as exc:  # the worker must survive anything one file does
        log.exception("inbox: importing %s failed", path)
        report = ImportReport(file=path.name, outcome="error", message=f"{type(exc).__name__}: {exc}")
    folder = path.parent.parent / ("processed" if report.outcome == "committed" else "failed")
    folder.mkdir(parents=True, exist_ok=True)
    target = _unique(folder, path.name)
    os.replace(path, target)
    if sidecar.exists():
        sidecar.unlink()
    Path(str(target) + ".report.json").write_text(
        json.dumps(report.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    log.info("inbox: %s", report.summary())
    return report


def process_pending(store: Store, inbox: Path | None = None) -> list[ImportReport]:
    """Import every file now in the inbox (no stability wait): for the command line and tests."""
    return [process_file(store, p) for p in _waiting(inbox or store.inbox)]


class InboxWorker(threading.Thread):
    """Polls the inbox ten times a second; one per server process (see `start_once`)."""

    def __init__(self, store: Store, inbox: Path | None = None, poll_seconds: float = 0.1):
        super().__init__(name="givingday-inbox", daemon=True)
        self.store = store
        self.inbox = inbox or store.inbox
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.last_report: ImportReport | None = None
        self.files_done = 0
        self.last_poll_at: float | None = None

    def run(self) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        sizes: dict[str, int] = {}
        while not self.stopping.is_set():
            self.last_poll_at = time.time()
            try:
                for path in _ready(self.inbox, sizes):
                    self.last_report = process_file(self.store, path)
                    self.files_done += 1
                    sizes.pop(path.name, None)
                self.store.renew_if_due()
            except Exception:
                log.exception("inbox: scan failed")
            self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        self.stopping.set()


_worker: InboxWorker | None = None
_worker_lock = threading.Lock()


def start_once(store: Store) -> InboxWorker:
    """The process's single inbox worker, started on first call."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = InboxWorker(store)
            _worker.start()
        return _worker


def stop_worker() -> None:
    """Stop the process's worker (tests, and a server shutting down)."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.stop()
            _worker.join(5)
            _worker = None
