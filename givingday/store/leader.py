"""Once-only work when several boards share one PostgreSQL store, chosen through the database.

`Leadership`: the board that holds a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
own does the work that must happen once (playing the demo). The others try again every `RETRY_SECONDS`; when the
leader dies its connection drops, the server frees the lock, and another board takes it within seconds. A board
that loses its connection stops the work before anyone else can start it again.

`FileClaims`: boards that share an inbox folder take each file once. A board imports a file only while it holds
the file's advisory lock, and only if the file is still there once it holds it (the board before may have moved
it to processed/). A board that dies mid-file frees the lock, so the file is taken by another.

On DuckDB one process holds the store, so it always leads and every claim is granted at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import sqlalchemy as sa

from givingday.store.database import Store

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # how often a board that does not lead tries the lock, and the leader checks its connection
ONCE_ONLY = "givingday:once-only"
# A dead peer or a cut network is noticed by the server within seconds, not the system's two hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for a name (the same on every board)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def conninfo(store: Store, url: str | None = None) -> str:
    """The store's URL as psycopg takes it (the SQLAlchemy driver name left out)."""
    parsed = sa.engine.make_url(url or store.url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def connect(store: Store, url: str | None = None) -> psycopg.Connection:
    """A connection of its own, outside the engine's pool, in autocommit: a lock or a LISTEN held on it lasts as
    long as the connection and ends with it."""
    return psycopg.connect(conninfo(store, url), autocommit=True, connect_timeout=5, **KEEPALIVES)


class Leadership(threading.Thread):
    """Holds the once-only lock when it can; `on_gain` runs when this board starts to lead, `on_lose` when it stops
    (its connection lost, or `stop`). Both run in this thread, so they must not block for long."""

    def __init__(
        self,
        store: Store,
        on_gain: Callable[[], None] = lambda: None,
        on_lose: Callable[[], None] = lambda: None,
        name: str = ONCE_ONLY,
        retry_seconds: float = RETRY_SECONDS,
    ):
        super().__init__(name="givingday-leader", daemon=True)
        self.store = store
        self.on_gain, self.on_lose = on_gain, on_lose
        self.key = lock_key(name)
        self.retry_seconds = retry_seconds
        self.leading = threading.Event()
        self.stopping = threading.Event()
        self._conn: psycopg.Connection | None = None

    def start(self) -> Leadership:
        if self.store.is_duckdb:  # the one process that holds the file leads, from the start, as always
            self.leading.set()
            self.on_gain()
        else:
            super().start()
        return self

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._step()
            except psycopg.Error as exc:
                log.warning("leader: lost the database connection (%s)", str(exc).strip().splitlines()[0])
                self._drop()
            self.stopping.wait(self.retry_seconds)
        self._drop()

    def _step(self) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.store)
        if self.leading.is_set():
            self._conn.execute("select 1")  # still connected, so still holding the lock
        elif self._conn.execute("select pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
            self._gain()

    def _gain(self) -> None:
        self.leading.set()
        log.info("leader: this board does the once-only work")
        try:
            self.on_gain()
        except Exception:  # the lock stays held: another board starting the same work would fail the same way
            log.exception("leader: the once-only work failed to start")

    def _drop(self) -> None:
        """Close the connection (the server frees the lock with it) and stop the work if it was ours."""
        if self._conn is not None:
            with suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
        if self.leading.is_set():
            self.leading.clear()
            log.warning("leader: this board no longer does the once-only work")
            self.on_lose()

    def stop(self) -> None:
        self.stopping.set()
        if self.store.is_duckdb:
            if self.leading.is_set():
                self.leading.clear()
                self.on_lose()
        elif self.is_alive():
            self.join(10)


class FileClaims:
    """Each inbox file taken by one board. Used by the one inbox worker thread of a board."""

    def __init__(self, store: Store):
        self.store = store
        self._conn: psycopg.Connection | None = None

    @contextmanager
    def claim(self, path: Path) -> Iterator[bool]:
        """True while this board holds the file (always on DuckDB); False when another board has it or the
        database cannot be asked (the file waits for the next look)."""
        if self.store.is_duckdb:
            yield True
            return
        key = lock_key(f"inbox:{path.resolve().parent}/{path.name}")
        try:
            if self._conn is None or self._conn.closed:
                self._conn = connect(self.store)
            mine = self._conn.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
        except psycopg.Error as exc:
            log.warning("inbox: cannot claim %s (%s)", path.name, str(exc).strip().splitlines()[0])
            self.close()
            mine = False
        try:
            yield mine
        finally:
            if mine:
                try:
                    self._conn.execute("select pg_advisory_unlock(%s)", (key,))
                except psycopg.Error:
                    self.close()  # the lock went with the connection

    def close(self) -> None:
        if self._conn is not None:
            with suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
