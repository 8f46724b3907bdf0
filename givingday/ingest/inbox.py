"""The inbox: files dropped into a folder are imported by one background worker in the process that holds
the store (on DuckDB only that process may open the file), then moved to `processed/` or `failed/` with a JSON
report beside them. Boards that share one PostgreSQL store and one inbox folder take each file once
(`store/leader.FileClaims`).

Writers should write under a hidden or `.part` name and rename when done (as `hand_to_inbox` does). A file
written in place is taken only when it is complete: its writer closed it (a file-system event, where the
system gives one) or it stopped changing for `QUIET_SECONDS` (a file already there at the board's start, its
modification time that old, once it is unchanged at the second look), and, if it is text, its last line ends in a line
break (one that does not is taken only after `UNTERMINATED_SECONDS` unchanged); a workbook only when its zip
directory is whole. So a row cut short by a writer's pause is never read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from givingday.ingest.batch import ImportReport, import_file, record_failure
from givingday.ingest.profiles import ProfileError, find_profile
from givingday.store.database import Store
from givingday.store.leader import FileClaims

log = logging.getLogger(__name__)
PROFILE_SUFFIX = ".profile"
REPORT_SUFFIX = ".report.json"
_IGNORED_SUFFIXES = (".part", ".tmp", PROFILE_SUFFIX, ".crdownload")
QUIET_SECONDS = 1.0  # unchanged this long, with no close event seen, counts as written
UNTERMINATED_SECONDS = 60.0  # text whose last line has no line break waits this long unchanged
# A file name, with the stamp, counter and report suffix it may get, must fit the file system's 255 bytes.
MAX_NAME_BYTES = 180


def _short_name(name: str) -> str:
    """The name cut to MAX_NAME_BYTES of UTF-8, keeping its suffix, so its report can sit beside it."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix.encode()) <= 16 else ""
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _unique(folder: Path, name: str) -> Path:
    name = _short_name(name)
    target = folder / name
    n = 1
    while target.exists() or target.is_symlink():
        target = folder / f"{Path(name).stem}.{n}{Path(name).suffix}"
        n += 1
    return target


def hand_to_inbox(path: Path, inbox: Path, profile: str | None = None) -> Path:
    """Copy a file into the inbox atomically (and its profile choice beside it); returns its inbox path."""
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = _unique(inbox, f"{stamp}-{_short_name(path.name)}")
    if profile:
        Path(str(dest) + PROFILE_SUFFIX).write_text(profile, encoding="utf-8")
    part = inbox / f".{dest.name}.part"
    shutil.copyfile(path, part)
    os.replace(part, dest)
    return dest


def _waiting(inbox: Path) -> list[Path]:
    """Files to take, in name order; links are listed too (they are refused, never followed)."""
    if not inbox.is_dir():
        return []
    return [
        p
        for p in sorted(inbox.iterdir())
        if (p.is_symlink() or p.is_file()) and not p.name.startswith(".") and not p.name.endswith(_IGNORED_SUFFIXES)
    ]


_OLE = b"\xd0\xcf\x11\xe0"  # an old .xls, or a workbook saved with a password: refused whole when read
_UTF16_ENDS = {b"\xff\xfe": (b"\n\x00", b"\r\x00"), b"\xfe\xff": (b"\x00\n", b"\x00\r")}


def _ends_complete(path: Path) -> bool:
    """A workbook with its zip directory whole; text whose last line ends in a line break (UTF-16 too: by its
    BOM); a file that is not text from its first bytes (refused when read) as it is. Text whose end is still zeros
    (a copier sets the size first, then fills it in) is not whole."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(b"PK"):
            return zipfile.is_zipfile(f)
        if head == _OLE or (b"\x00" in head and head[:2] not in _UTF16_ENDS):
            return True
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return False
        f.seek(max(0, size - 4096))
        tail = f.read()
    return tail.endswith(_UTF16_ENDS.get(head[:2], (b"\n", b"\r")))


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # when this size and time were first seen
    closed: bool = False  # a close-after-write event came after the last change
    waited: bool = False  # there at the first look, its time already QUIET_SECONDS old: the board was down


class Arrivals:
    """Which inbox files are complete: unchanged since a close event or for QUIET_SECONDS, and whole at the
    end (see the module's docstring). Kept per name; a changed file starts again."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._closed: set[str] = set()
        self._looked = False
        self._lock = threading.Lock()

    def closed(self, name: str) -> None:
        """The writer closed (or renamed in) this file: called from the file-system watcher's thread."""
        with self._lock:
            self._closed.add(name)

    def ready(self, inbox: Path, now: float) -> list[Path]:
        with self._lock:
            closed, self._closed = self._closed, set()
        first, self._looked = not self._looked, True
        ready, seen = [], {}
        for p in _waiting(inbox):
            if p.is_symlink():
                ready.append(p)
                continue
            try:
                st = p.stat()
            except OSError:
                continue
            old = self._seen.get(p.name)
            fresh = old is None or (old.size, old.mtime_ns) != (st.st_size, st.st_mtime_ns)
            if fresh:
                waited = first and time.time() - st.st_mtime_ns / 1e9 >= QUIET_SECONDS
                old = _Seen(st.st_size, st.st_mtime_ns, now, waited=waited)
            old.closed = old.closed or p.name in closed
            seen[p.name] = old
            quiet = now - old.since
            # A file there at the first look, old by its time and unchanged at the next look, counts as quiet: it
            # waited while the board was down. Its time only shortens the quiet wait (a copier's or another
            # machine's clock may be wrong), never the wait for a last line break.
            if not (old.closed or quiet >= QUIET_SECONDS or (old.waited and not fresh)):
                continue
            try:
                whole = _ends_complete(p)
            except OSError:
                continue
            if whole or quiet >= UNTERMINATED_SECONDS:
                ready.append(p)
        self._seen = seen
        return ready

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)


class _StoppedTheBoard(Exception):
    """A file that the board died importing, more than once."""


MAX_ATTEMPTS = 2  # a file whose import the board did not live through this often is moved aside


def _attempts_marker(path: Path) -> Path:
    """A hidden file beside an inbox file while it is imported: if the board dies meanwhile, it remains."""
    return path.parent / f".taking-{hashlib.sha1(path.name.encode()).hexdigest()[:16]}"


def process_file(store: Store, path: Path) -> ImportReport:
    """Import one inbox file and move it (with its report) to processed/ or failed/."""
    sidecar = Path(str(path) + PROFILE_SUFFIX)
    marker = _attempts_marker(path)
    profile = None
    try:
        attempts = int(marker.read_text() or 0) if marker.exists() else 0
        if attempts >= MAX_ATTEMPTS:
            raise _StoppedTheBoard(
                f"the board stopped {attempts} times while importing this file, so it is moved aside and not"
                " tried again; check its size and content, then drop it in again"
            )
        marker.write_text(str(attempts + 1))
        if path.is_symlink():
            raise ProfileError("the file is a link to another file; the inbox takes files only, and did not read it")
        if sidecar.exists():
            profile = find_profile(sidecar.read_text(encoding="utf-8").strip())
        report = import_file(store, path, profile, source=path.name)
    except (ProfileError, _StoppedTheBoard) as exc:
        report = ImportReport(file=path.name, outcome="unreadable", message=str(exc))
        record_failure(store, report)
    except Exception as exc:  # the worker must survive anything one file does
        log.exception("inbox: importing %s failed", path)
        report = ImportReport(file=path.name, outcome="error", message=f"{type(exc).__name__}: {exc}")
        record_failure(store, report)
    folder = path.parent.parent / ("processed" if report.outcome == "committed" else "failed")
    folder.mkdir(parents=True, exist_ok=True)
    target = _unique(folder, path.name)
    os.replace(path, target)
    if sidecar.exists():
        sidecar.unlink()
    marker.unlink(missing_ok=True)
    said = Path(str(target) + REPORT_SUFFIX)  # whole or not at all: the alerts page reads these while they appear
    partial = said.with_name(said.name + ".part")
    partial.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(partial, said)
    log.info("inbox: %s", report.summary())
    return report


def process_pending(store: Store, inbox: Path | None = None) -> list[ImportReport]:
    """Import every file now in the inbox (no stability wait): for the command line and tests."""
    return [process_file(store, p) for p in _waiting(inbox or store.inbox)]


class _CloseEvents(FileSystemEventHandler):
    """Tells the worker at once when a writer closes a file in the inbox or renames one into it."""

    def __init__(self, arrivals: Arrivals, wake: threading.Event):
        self.arrivals = arrivals
        self.wake = wake

    def on_closed(self, event: FileSystemEvent) -> None:
        self._arrived(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        self._arrived(event.dest_path)

    def _arrived(self, path: str | bytes) -> None:
        self.arrivals.closed(Path(os.fsdecode(path)).name)
        self.wake.set()


class InboxWorker(threading.Thread):
    """Takes each complete file from the inbox as soon as it is known complete: at once on a file-system close
    or rename event, else by looking every `poll_seconds`. One per server process (see `start_once`)."""

    def __init__(self, store: Store, inbox: Path | None = None, poll_seconds: float = 0.1):
        super().__init__(name="givingday-inbox", daemon=True)
        self.store = store
        self.inbox = inbox or store.inbox
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.arrivals = Arrivals()
        self.last_report: ImportReport | None = None
        self.files_done = 0
        self.last_poll_at: float | None = None
        self.problem: str | None = None  # why the inbox cannot be read now, said once in the log
        self._observer: BaseObserver | None = None
        self._watched: tuple[int, int] | None = None
        self.claims = FileClaims(store)  # boards sharing the folder (PostgreSQL) take each file once
        self.first_look = threading.Event()  # the files complete at the start have been taken (or failed)
        self.passes = 0

    def start(self) -> None:
        """Watch the folder before the first look, so a file that lands meanwhile is not left to the quiet wait."""
        with contextlib.suppress(OSError):  # said by the first look
            self._ensure_inbox()
        super().start()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.last_poll_at = time.time()
                try:
                    self._ensure_inbox()
                    for path in self.arrivals.ready(self.inbox, time.monotonic()):
                        with self.claims.claim(path) as mine:
                            if not mine or not (path.exists() or path.is_symlink()):
                                continue  # another board takes it, or took it
                            self.last_report = process_file(self.store, path)
                        self.files_done += 1
                        self.arrivals.forget(path.name)
                    self.passes += 1
                    if self.passes >= 2:  # a file waiting at the start is taken at the second look (`Arrivals`)
                        self.first_look.set()
                    self.store.renew_if_due()
                    self.problem = None
                except Exception as exc:
                    said = f"{type(exc).__name__}: {exc}"
                    if said != self.problem:  # once per kind of trouble, not ten times a second
                        log.exception("inbox: cannot take files from %s", self.inbox)
                    self.problem = said
                    self.first_look.set()  # said in the log; the board does not wait on it
                self.wake.wait(self.poll_seconds)
                self.wake.clear()
        finally:
            self._unwatch()
            self.claims.close()

    def _ensure_inbox(self) -> None:
        """The inbox folder exists and is watched; a plain file in its place is a problem, reported once."""
        if not self.inbox.is_dir():
            if self.inbox.exists() or self.inbox.is_symlink():
                raise NotADirectoryError(f"the inbox {self.inbox} is not a folder")
            self.inbox.mkdir(parents=True, exist_ok=True)
        st = self.inbox.stat()
        if self._watched != (st.st_dev, st.st_ino):
            self._unwatch()
            self._watched = (st.st_dev, st.st_ino)
            try:
                observer = Observer()
                observer.schedule(_CloseEvents(self.arrivals, self.wake), str(self.inbox), recursive=False)
                observer.start()
                self._observer = observer
            except Exception as exc:  # no inotify here, or no watches left: looking every poll still works
                log.warning(
                    "inbox: no file-system events for %s (%s); looking every %.1f s", self.inbox, exc, self.poll_seconds
                )

    def _unwatch(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(2)
            self._observer = None
        self._watched = None

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


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
