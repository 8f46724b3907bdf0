"""The store: one SQLAlchemy engine on a DuckDB file (or a server URL), its schema, and the named queries.

Only one process may hold a DuckDB file (BRIEF constraint 1). Opening a file another process holds raises
`StoreLocked`, which the command line turns into a hand-off to the inbox.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from givingday import config
from givingday.masking import DonorHasher, load_salt
from givingday.migrations import migrate


class UnsupportedStore(RuntimeError):
    """The store is a server database and the operation is DuckDB-only so far (bulk import)."""


class StoreLocked(RuntimeError):
    """Another process holds the DuckDB file (usually the running board)."""


@cache
def query_text(name: str) -> str:
    """The SQL of `queries/<name>.sql`. Code refers to a query only by this name."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad query name {name!r}")
    return (config.QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


_adopted: Store | None = None


def adopt(store: Store) -> None:
    """`givingday serve` opens the store before the server starts; the pages then use that one."""
    global _adopted
    _adopted = store


def adopted() -> Store | None:
    return _adopted


class Store:
    """The donation store. Cheap to share: pages, the inbox worker and the CLI all go through one."""

    def __init__(self, location: str | None = None, event: config.Event | None = None):
        self.location = config.db_location(location)
        self.url = config.db_url(self.location)
        self.event = event or config.load_event()
        self.is_duckdb = self.url.startswith("duckdb:")
        file = config.db_file(self.location)
        if file:
            file.parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url)
        if self.is_duckdb:
            tz = self.event.timezone

            @sa.event.listens_for(self.engine, "connect")
            def _set_zone(dbapi_conn, _record):
                dbapi_conn.execute(f"set TimeZone = '{tz}'")
                dbapi_conn.execute("set enable_progress_bar = false")

        try:
            with self.engine.connect():
                pass
        except sa.exc.SQLAlchemyError as exc:
            if _is_lock_error(exc):
                raise StoreLocked(f"{self.location} is held by another process (is the board running?)") from exc
            raise
        self._hasher: DonorHasher | None = None
        self._write_lock = threading.RLock()
        self._roster: dict[str, list[dict[str, Any]]] | None = None

    @property
    def inbox(self) -> Path:
        return config.inbox_dir(self.location)

    @property
    def hasher(self) -> DonorHasher:
        if self._hasher is None:
            self._hasher = DonorHasher(load_salt(config.beside_store(self.location, "donor_salt.key")))
        return self._hasher

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One write transaction at a time in this process: the inbox worker, the pages' forms and the
        command line take turns, so concurrent rollup upserts never conflict and a form never waits on a retry."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def migrate(self) -> list[str]:
        return migrate(self.engine)

    def query(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run `queries/<name>.sql` with named bind parameters: `store.query("totals_by", dim="site")`."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(query_text(name)), params).mappings().all()]

    def roster(self) -> dict[str, list[dict[str, Any]]]:
        """Projects, teams and sites, read once and kept: only `roster.load_roster` changes them, and it is
        the only writer of the roster while this process holds the store (constraint 1)."""
        if self._roster is None:
            self._roster = self.query_many({k: (f"roster_{k}", {}) for k in ("projects", "teams", "sites")})
        return self._roster

    def forget_roster(self) -> None:
        self._roster = None

    def query_many(self, calls: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        """Several named queries on one connection and one snapshot: {label: (query name, params)}."""
        out = {}
        with self.engine.connect() as conn:
            for label, (name, params) in calls.items():
                out[label] = [dict(r) for r in conn.execute(sa.text(query_text(name)), params).mappings().all()]
        return out

    def query_rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Ad-hoc SQL for tests and diagnostics; product code uses `query` with a named file."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]

    def scalar(self, sql: str, **params: Any) -> Any:
        """Ad-hoc SQL for tests and diagnostics; product code uses `query` with a named file."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def dispose(self) -> None:
        self.engine.dispose()
