"""Every board hears of every commit to a shared PostgreSQL store: `Store.writing` sends `NOTIFY` in the write's
own transaction (PostgreSQL delivers it when the transaction commits, and never if it rolls back), and each board
`LISTEN`s on a connection of its own (`CommitListener`, a thread), so a gift taken in by one board reaches the
screens of every board as fast as its own (the screen feed's snapshot is taken at once, as after a local commit).

A lost connection is opened again every `leader.RETRY_SECONDS`; the hook is called once it is back, since commits
made meanwhile were not heard.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from givingday.store import leader
from givingday.store.database import COMMIT_CHANNEL, Store

log = logging.getLogger(__name__)

WAIT_SECONDS = 1.0  # how long one wait for a notice lasts before the thread looks whether it should stop


class CommitListener(threading.Thread):
    def __init__(self, store: Store, hook: Callable[[], None], retry_seconds: float = leader.RETRY_SECONDS):
        super().__init__(name="givingday-listen", daemon=True)
        self.store = store
        self.hook = hook
        self.retry_seconds = retry_seconds
        self.stopping = threading.Event()
        self.listening = threading.Event()  # set while a connection listens (tests wait for it)
        self.heard = 0

    def run(self) -> None:
        missed = False  # a connection was lost: commits made meanwhile were not heard
        while not self.stopping.is_set():
            try:
                with leader.connect(self.store) as conn:
                    conn.execute(f"listen {COMMIT_CHANNEL}")
                    self.listening.set()
                    if missed:
                        missed = False
                        self.hook()
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=WAIT_SECONDS):
                            self.heard += 1
                            self.hook()
            except psycopg.Error as exc:
                if self.listening.is_set():
                    log.warning("listen: lost the database connection (%s)", str(exc).strip().splitlines()[0])
                missed = True
            self.listening.clear()
            self.stopping.wait(self.retry_seconds)

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(2 * WAIT_SECONDS + 1)


def listen(store: Store, hook: Callable[[], None]) -> CommitListener | None:
    """Start hearing other boards' commits on a PostgreSQL store (None on DuckDB: no other process writes)."""
    if store.is_duckdb:
        return None
    listener = CommitListener(store, hook)
    listener.start()
    return listener
