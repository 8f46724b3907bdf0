"""The store: one SQLAlchemy engine on a DuckDB file (or a server URL), its schema, and the named queries.
On PostgreSQL an optional read URL (`GIVINGDAY_DB_READ`, a streaming standby) serves the screens and the console
(`Store.reader`); every write stays on the primary.

Only one process may hold a DuckDB file, not even read-only beside it. Opening a file another process holds raises
`StoreLocked`, which the command line turns into a hand-off to the inbox.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from givingday import config
from givingday.labels import GIFT_FIELDS, both
from givingday.masking import DonorHasher, load_salt
from givingday.store.migrations import migrate

log = logging.getLogger(__name__)

# DuckDB keeps state for every row written since the database was opened (the primary key's index nodes, the
# bookkeeping of `on conflict`, appended row groups), outside its own memory accounting and `memory_limit`: about
# 1 KB a gift. Closing and reopening the database releases it all; the rows are in the file. The process
# renews it after this many rows written, or after RENEW_MAX_SECONDS with any written, never more often than
# RENEW_MIN_SECONDS (also the pause after one that gave up); a renewal also collects Python's garbage and trims
# malloc's free pages. Its cost, measured by `python -m givingday.ops.bench renew`: docs/performance.md.
RENEW_AFTER_ROWS = 250
RENEW_MAX_SECONDS = 60.0
RENEW_MIN_SECONDS = 10.0
RENEW_WAIT_SECONDS = 2.0
# Not renewed this soon after a commit (unless RENEW_AFTER_ROWS is far passed): the screen feed's snapshot of the
# new gift goes first, so a gift never waits on screen for a renewal that could have waited for it.
RENEW_QUIET_SECONDS = 1.0
INDEX_SCAN_ROWS = 64  # DuckDB reads a primary key's index only for a lookup of at most this many rows


# Every write transaction on PostgreSQL sends this notice as it commits: every board's screen feed hears it
# (givingday/store/notices.py).
COMMIT_CHANNEL = "givingday_commits"

# Up to when a standby's rows are known to be the primary's: everything the primary had written when it sent its
# last message, once replayed; else the commit time of the last transaction replayed (a true lower bound). The
# primary, or a standby that cannot tell (a user without pg_read_all_stats sees no receiver), says what it can.
_FIGURES_AT = """
select case
    when not pg_is_in_recovery() then statement_timestamp()
    when r.latest_end_lsn is not null and pg_last_wal_replay_lsn() >= r.latest_end_lsn then r.last_msg_send_time
    else pg_last_xact_replay_timestamp()
end as figures_at
from (select 1) as one left join pg_stat_wal_receiver as r on true
"""


class StoreLocked(RuntimeError):
    """Another process holds the DuckDB file (usually the running board)."""


class StoreUnreachable(RuntimeError):
    """A server store (PostgreSQL) does not answer or refuses the connection; the message names it, without its
    password, and says what the server said."""


class StoreDamaged(RuntimeError):
    """The store cannot be opened: its file or its write-ahead log is damaged. The message says which, and
    what to do; `wal` is the log's path when the log is what failed."""

    def __init__(self, message: str, wal: Path | None = None):
        super().__init__(message)
        self.wal = wal


_INCLUDE = re.compile(
    r"^(?P<indent>[ \t]*)-- include: (?P<name>[a-z0-9_]+)(?: with (?P<new>[a-z0-9_]+) for (?P<old>[a-z0-9_]+))?[ \t]*$",
    re.MULTILINE,
)


_EACH_RANGE = re.compile(r"^(?P<indent>[ \t]*)-- each range: (?P<name>[a-z0-9_]+)[ \t]*$", re.MULTILINE)
_RANGE_PARAMS = re.compile(r":(piece|from_at|to_at)\b")
_LEFT_MACRO = re.compile(r"\{[a-z_]+\(")  # a macro _one_branch does not know, or not written as it reads them
_ONLY_WITH = re.compile(r"^(?P<line>[^\n]*?)[ \t]*-- only with :(?P<param>[a-z][a-z0-9_]*)[ \t]*\n", re.MULTILINE)
_ALL_RANGES = re.compile(r"\{(?P<macro>piece|range_start|in_ranges)\((?P<column>[a-z_]+)\)\}")


@cache
def query_text(name: str, kinds: tuple[str, ...] = (), given: frozenset[str] | None = None) -> str:
    """The SQL of `queries/<name>.sql`. Code refers to a query only by this name.

    A line `-- include: other` stands for the body of `queries/other.sql` (its leading comment, the header,
    left out), so SQL that several questions share is written once and each file still reads as a whole:
    `with filtered as (\n    -- include: console_filtered\n)`; `-- include: other with new_table for old_table` reads
    `new_table` wherever the body names `old_table` (a whole word), for SQL that differs only in the table it reads
    (a table, a view or a name of the including file's `with`). A line `-- each range: part` stands for the
    `union all` branches that read `kinds`' ranges (`Store.query_ranges`): the body of `queries/part_<kind>.sql`,
    a branch a range, its :piece, :from_at and :to_at numbered, except a part that says `{in_ranges(column)}`,
    one branch for every range of its kind (`_one_branch`); with no kinds, `part_minute` once, its parameters as
    they are. A line that ends `-- only with :param` is kept only when `given` holds `param` (its value is not null):
    a filter written `(:p is null or column = :p)` hides the comparison from DuckDB's scan, which then cannot skip row
    groups for an `order by … limit` (`Store.query` gives the names with a value); `given` None keeps every line."""
    text = _EACH_RANGE.sub(lambda m: _branches(m["name"], m["indent"], kinds), _with_includes(name))
    text = _ONLY_WITH.sub(lambda m: m["line"] + "\n" if given is None or m["param"] in given else "", text)
    return _one_branch(text, [""])  # a part read alone (tests): its one range's parameters as they are


@cache
def _marked(name: str) -> frozenset[str]:
    """The parameters that lines of `queries/<name>.sql` (or of a file it includes) are kept only with."""
    return frozenset(m["param"] for m in _ONLY_WITH.finditer(_with_includes(name)))


def _executable(text: str) -> str:
    """The statement as sent: its whole-line comments left out. A parameter named in a comment but not in the SQL
    (a header's list, once a marked line is left out) would be bound all the same, and DuckDB refuses a value that the
    statement does not use."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _given(name: str, params: dict[str, Any]) -> frozenset[str] | None:
    """The marked parameters of `name` that have a value in `params` (None: the file marks no line)."""
    marked = _marked(name)
    return frozenset(p for p in marked if params.get(p) is not None) if marked else None


@cache
def _with_includes(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad query name {name!r}")
    text = (config.QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: _included(m["name"], m["indent"], m["old"], m["new"]), text)


def _branches(part: str, indent: str, kinds: tuple[str, ...]) -> str:
    if not kinds:
        return _included(f"{part}_minute", indent)
    branches: list[str] = []
    together: dict[str, list[str]] = {}  # the body of a part read in one branch, and its ranges' suffixes
    for i, kind in enumerate(kinds):
        body = _included(f"{part}_{kind}", indent)
        if _ALL_RANGES.search(body):
            together.setdefault(body, []).append(f"_{i}")
        else:
            branches.append(_RANGE_PARAMS.sub(rf":\1_{i}", body))
    branches += [_one_branch(body, places) for body, places in together.items()]
    return f"\n{indent}union all\n".join(branches)


def _one_branch(body: str, places: list[str]) -> str:
    """A part's one branch for all its ranges (`places`: their parameters' suffixes, "_3" for the statement's
    fourth), where a branch each would cost a scan each: a console refresh's partial minutes are a dozen short
    ranges of the ledger (docs/performance.md). `{in_ranges(c)}` stands for "column c lies in one of the ranges",
    `{piece(c)}` for the place of the first range it lies in, `{range_start(c)}` for that range's start."""

    def within(i: str, column: str) -> str:
        return f"({column} >= :from_at{i} and {column} < :to_at{i})"

    def case(column: str, value: Callable[[str], str]) -> str:
        return "case " + " ".join(f"when {within(i, column)} then {value(i)}" for i in places) + " end"

    def expand(m: re.Match) -> str:
        column = m["column"]
        if m["macro"] == "in_ranges":
            return "(" + " or ".join(within(i, column) for i in places) + ")"
        if m["macro"] == "piece":
            return case(column, lambda i: f"cast(:piece{i} as integer)")
        return case(column, lambda i: f"cast(:from_at{i} as timestamp with time zone)")

    text = _ALL_RANGES.sub(expand, body)
    if places != [""] and (_RANGE_PARAMS.search(text) or _LEFT_MACRO.search(text)):
        raise ValueError(f"a part read for several ranges names a range's parameter or macro it cannot: {text}")
    return text


def _included(name: str, indent: str, old: str | None = None, new: str | None = None) -> str:
    lines = _with_includes(name).rstrip().removesuffix(";").splitlines()
    while lines and lines[0].startswith("--"):
        lines.pop(0)
    body = "\n".join(indent + line if line else line for line in lines)
    if not old:
        return body
    body, swapped = re.subn(rf"\b{old}\b", new, body)
    if not swapped:  # the included file no longer reads that table: the including one would read the wrong one
        raise ValueError(f"queries/{name}.sql does not name {old}, which its includer reads as {new}")
    return body


ROSTER_TABLES = {"project_id": "projects", "team_id": "teams", "site_id": "sites"}


def unknown_roster_id(conn: sa.Connection, **ids: str | None) -> str | None:
    """Which of the given `project_id`, `team_id`, `site_id` the roster lacks ("unknown team 'T9'"), or None."""
    for column, value in ids.items():
        table = ROSTER_TABLES[column]
        if (
            value
            and not conn.execute(sa.text(f"select count(*) from {table} where {column} = :v"), {"v": value}).scalar()
        ):
            return both(f"未知{GIFT_FIELDS[column]} {value!r}", f"unknown {column.removesuffix('_id')} {value!r}")
    return None


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


class _ConnectionGate:
    """Counts the connections in use, and lets `Store.renew` hold new ones off until those in use come back."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_use = 0
        self._closed = False

    def checkout(self, *_args: Any) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._closed)
            self._in_use += 1

    def checkin(self, *_args: Any) -> None:
        with self._cond:
            self._in_use -= 1
            self._cond.notify_all()

    def close(self, timeout: float) -> int:
        """Stop new checkouts and wait for those in use; returns how many are still in use (0: closed)."""
        with self._cond:
            self._closed = True
            self._cond.wait_for(lambda: self._in_use <= 0, timeout)
            return self._in_use

    def open(self) -> None:
        with self._cond:
            self._closed = False
            self._cond.notify_all()


def _release_freed_memory() -> None:
    """Give the pages glibc's malloc keeps after a large free back to the system (no-op elsewhere)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Queries:
    """The named queries, on `engine`: the store's, or its reader's; each call on a connection of its own, unless
    read through one `reading`."""

    engine: sa.Engine

    def _connection(self) -> AbstractContextManager[sa.Connection]:
        """A connection whose transaction sees the store as of one moment, whatever commits meanwhile. DuckDB's
        transaction is one snapshot; PostgreSQL's is at `repeatable read` (at its default, `read committed`, each
        statement would see the commits made before it began). Reads only: a read-only transaction at that level
        never fails for another's write. (A standby may still cancel a read that conflicts with its replay, as it
        may any read; a reading lasts one refresh, well under the server's delay before it does.)"""
        conn = self.engine.connect()
        if not self.is_duckdb:  # DuckDB has one isolation level, and refuses to be asked for another
            conn.execution_options(isolation_level="REPEATABLE READ")
        return conn

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """Reads that must agree with each other (the windows, tables and newest gifts of one console refresh, one
        pass of the screens): the same queries, all on one connection and transaction (`_connection`), so every
        statement sees the same moment. Nothing is written: the transaction ends rolled back."""
        with self._connection() as conn:
            yield Reading(self, conn)

    def query(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run `queries/<name>.sql` with named bind parameters: `store.query("totals_by_site", since=None, until=None)`."""
        return self.query_many({"": (name, params)})[""]

    def query_many(self, calls: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        """Several named queries as of one moment (`_connection`): {label: (query name, params)}."""
        answers = {}
        with self._connection() as conn:
            for label, (name, params) in calls.items():
                result = conn.execute(_statement(name, _given(name, params)), params)
                keys = tuple(result.keys())  # once: a row's mapping would make its keys again (a third of a snapshot)
                answers[label] = [dict(zip(keys, row, strict=True)) for row in result.fetchall()]
        return answers

    def query_ranges(
        self, name: str, ranges: list[tuple[str, dt.datetime, dt.datetime]], **params: Any
    ) -> list[dict[str, Any]]:
        """`queries/<name>.sql` over several half-open ranges at once (`query_text`'s `-- each range`), each
        (kind, from, to), its rows tagged with the range's place in `ranges` (`piece`): a range of cells is a
        `union all` branch of its own, its range a constant the scan skips to; the ledger's partial minutes are one
        branch for them all (`_one_branch`), which gives an event to the first range it lies in, so ranges of one
        kind must not overlap."""
        for kind in {kind for kind, _, _ in ranges}:
            spans = sorted((a, b) for k, a, b in ranges if k == kind)
            if any(b > a2 for (_, b), (a2, _) in pairwise(spans)):
                raise ValueError(f"{name}: ranges of kind {kind} overlap: {spans}")
        numbered = {
            f"{p}_{i}": v for i, (_, a, b) in enumerate(ranges) for p, v in (("piece", i), ("from_at", a), ("to_at", b))
        }
        with self._connection() as conn:
            kinds = tuple(kind for kind, _, _ in ranges)
            result = conn.execute(_ranges_statement(name, kinds, _given(name, params)), {**params, **numbered})
            keys = tuple(result.keys())  # once, as query_many: a chart's rows are thousands
            return [dict(zip(keys, row, strict=True)) for row in result.fetchall()]

    def query_rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Ad-hoc SQL for tests and diagnostics; product code uses `query` with a named file."""
        with self._connection() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]

    def scalar(self, sql: str, **params: Any) -> Any:
        """Ad-hoc SQL for tests and diagnostics; product code uses `query` with a named file."""
        with self._connection() as conn:
            return conn.execute(sa.text(sql), params).scalar()


class Reading(_Queries):
    """The store (or its reader) as of one moment (`_Queries.reading`): its queries on one connection and
    transaction; everything else (roster, event, location, a standby's `figures_at`) is the source's, on a
    connection of its own when it reads."""

    def __init__(self, source: _Queries, conn: sa.Connection):
        self.source = source
        self.conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)

    def _connection(self) -> AbstractContextManager[sa.Connection]:
        return nullcontext(self.conn)

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        yield self  # already one moment


@cache
def _statement(name: str, given: frozenset[str] | None = None) -> sa.TextClause:
    """`queries/<name>.sql` as a statement (with the marked lines of the parameters `given`), made once: `sa.text`
    parses the text for its parameters each time it is called, a real share of a big-screen snapshot's Python when
    made for every query (docs/performance.md). Bounded: a file marks a handful of parameters."""
    return sa.text(_executable(query_text(name, given=given)))


@lru_cache(maxsize=512)
def _ranges_statement(name: str, kinds: tuple[str, ...], given: frozenset[str] | None = None) -> sa.TextClause:
    """`query_text(name, kinds)` as a statement, kept for the next call with the same kinds of ranges: a console
    refresh asks a handful of ranged questions whose shapes (the kinds of their pieces, in order) recur from refresh to
    refresh, and making the text (its includes and branches) and parsing it cost milliseconds each time; the same
    statement object also lets SQLAlchemy reuse its compiled form. Bounded: a shape is a few dozen kinds at most, and
    the shapes a board meets are the console's filters and ranges."""
    return sa.text(_executable(query_text(name, kinds, given)))


class Store(_Queries):
    """The donation store. Cheap to share: pages, the inbox worker and the CLI all go through one."""

    def __init__(self, location: str | None = None, event: config.Event | None = None, read: str | None = None):
        self.location = config.db_location(location)
        self.url = config.db_url(self.location)
        self.event = event or config.load_event()
        self.is_duckdb = self.url.startswith("duckdb:")
        file = config.db_file(self.location)
        if file:
            file.parent.mkdir(parents=True, exist_ok=True)
        tz = self.event.timezone
        # The session's zone is the event's, on either database: a day or an hour of a query is the event's.
        pg_session = {} if self.is_duckdb else {"connect_args": {"options": f"-c TimeZone={tz}"}}
        self.engine = sa.create_engine(self.url, **pg_session)
        if self.is_duckdb:

            @sa.event.listens_for(self.engine, "connect")
            def _set_zone(dbapi_conn, _record):
                dbapi_conn.execute(f"set TimeZone = '{tz}'")
                dbapi_conn.execute("set enable_progress_bar = false")
                # A range of a few thousand rows (today's minutes) reads faster by the table's zone maps than
                # through the primary key's index (docs/performance.md); a lookup by id, a few rows, still takes
                # the index.
                dbapi_conn.execute(f"set index_scan_max_count = {INDEX_SCAN_ROWS}")
                dbapi_conn.execute("set index_scan_percentage = 0")
                # A small top-N (the tickers' newest gifts) reads its row group once with every column it shows,
                # not its rows' ids first and then the row group again for their columns (DuckDB's late
                # materialization; docs/performance.md).
                dbapi_conn.execute("set late_materialization_max_rows = 0")

        try:
            with self.engine.connect():
                pass
        except sa.exc.SQLAlchemyError as exc:
            if _is_lock_error(exc):
                raise StoreLocked(f"{self.location} is held by another process (is the board running?)") from exc
            if not self.is_duckdb:
                said = " ".join(line.strip() for line in str(getattr(exc, "orig", exc)).splitlines())
                raise StoreUnreachable(f"cannot open the store {self.shown}: {said}") from None
            if file is None:
                raise
            self.engine.dispose()
            said = str(getattr(exc, "orig", exc)).splitlines()[0]
            if "WAL" in said:
                wal = Path(f"{file}.wal")
                raise StoreDamaged(
                    f"{file}: its write-ahead log {wal.name} is damaged and cannot be replayed ({said}). "
                    f"The board sets it aside when it starts and imports again from processed/ what it held.",
                    wal,
                ) from None
            raise StoreDamaged(
                f"{file} cannot be opened as a DuckDB store ({said}): it is damaged or not a store. "
                "Move it aside and restore the last backup, or start a new store and import processed/ again."
            ) from None
        self.renewable = self.is_duckdb and file is not None
        self._gate = _ConnectionGate()
        if self.renewable:
            sa.event.listen(self.engine, "checkout", self._gate.checkout)
            sa.event.listen(self.engine, "checkin", self._gate.checkin)
        self._rows_since_renewal = 0
        self._renewed_at = self._tried_at = time.monotonic()
        self.renewals = 0
        self._hasher: DonorHasher | None = None
        self._write_lock = threading.RLock()
        self._roster: dict[str, list[dict[str, Any]]] | None = None
        self._on_commit: list[Callable[[], None]] = []
        self._committed_at = 0.0
        read = None if self.is_duckdb else config.db_read_location(read)
        self.reader: Store | Reader = self
        if read:
            self.reader = Reader(self, sa.create_engine(config.db_url(read), **pg_session))

    @property
    def shown(self) -> str:
        """The store as messages name it: the file, or the server's URL as given, without its password."""
        if "://" not in self.location:
            return self.location
        return sa.engine.make_url(self.location).render_as_string(hide_password=True)

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
            if not self.is_duckdb:
                conn.execute(sa.text(f"notify {COMMIT_CHANNEL}"))
        self._committed_at = time.monotonic()
        self._tell()  # after the commit and the lock: a hook may read what was written

    def _tell(self) -> None:
        for hook in list(self._on_commit):
            hook()

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every write transaction commits (the screen feed takes its next snapshot at once), and
        after a renewal (the reopened database's first queries are its slow ones: better before a gift than after
        it). It runs in the writer's thread, so it only signals."""
        self._on_commit.append(hook)

    def drop_on_commit(self, hook: Callable[[], None]) -> None:
        with suppress(ValueError):
            self._on_commit.remove(hook)

    def wrote(self, rows: int) -> None:
        """The importer reports the rows it committed, for `renew_if_due`."""
        self._rows_since_renewal += rows

    def renew_if_due(self, now: float | None = None) -> bool:
        """Renew the database when enough has been written since the last time (see RENEW_AFTER_ROWS).
        The inbox worker calls this between files, holding no connection."""
        now = time.monotonic() if now is None else now
        since = now - self._renewed_at
        rows = self._rows_since_renewal
        due = rows >= RENEW_AFTER_ROWS or (rows > 0 and since >= RENEW_MAX_SECONDS)
        quiet = now - self._committed_at >= RENEW_QUIET_SECONDS or rows >= 4 * RENEW_AFTER_ROWS
        if not (self.renewable and due and quiet and now - self._tried_at >= RENEW_MIN_SECONDS):
            return False
        self._tried_at = now
        return self.renew(now=now)

    def renew(self, wait: float | None = None, now: float | None = None) -> bool:
        """Close and reopen the DuckDB database so it lets go of what it holds for rows written so far.

        Between writes (it takes the write lock) and with no connection in use: new checkouts wait, those in use
        get `wait` seconds to come back, else it gives up (`renew_if_due` waits RENEW_MIN_SECONDS before the next
        try, so a long-held connection cannot keep the gate shut). Closing checkpoints the write-ahead log, so the
        reopened database starts from the file alone."""
        if not self.renewable:
            return False
        wait = RENEW_WAIT_SECONDS if wait is None else wait
        t0 = time.perf_counter()
        with self._write_lock:
            try:
                busy = self._gate.close(wait)
                if busy:
                    log.warning("store: not renewed, %d connection(s) still in use after %.0f s", busy, wait)
                    return False
                self.engine.dispose()
                gc.collect()
                _release_freed_memory()
            finally:
                self._gate.open()
            rows, self._rows_since_renewal = self._rows_since_renewal, 0
            self._renewed_at = self._tried_at = time.monotonic() if now is None else now  # a try, and a success
            self.renewals += 1
        log.info(
            "store: renewed the database after %d rows written, in %.0f ms", rows, (time.perf_counter() - t0) * 1000
        )
        self._tell()
        return True

    def migrate(self) -> list[str]:
        return migrate(self.engine)

    def roster(self) -> dict[str, list[dict[str, Any]]]:
        """Projects, teams and sites, read once and kept: only `roster.load_roster` changes them, and it is
        the only writer of the roster while this process holds the store, and no other process can open it."""
        if self._roster is None:
            self._roster = self.query_many({k: (f"roster_{k}", {}) for k in ("projects", "teams", "sites")})
        return self._roster

    def forget_roster(self) -> None:
        self._roster = None

    def figures_at(self) -> dt.datetime | None:
        """Up to when the rows read next are the store's: now, on the store itself (the primary, or DuckDB)."""
        return dt.datetime.now(dt.UTC)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.reader is not self:
            self.reader.engine.dispose()


class Reader(_Queries):
    """The store as the screens and the console read it, on the read URL: its named queries there, and up to when
    its rows are the primary's (`figures_at`); everything else (roster, event, location) is the store's."""

    def __init__(self, store: Store, engine: sa.Engine):
        self.store = store
        self.engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def figures_at(self) -> dt.datetime | None:
        """The standby's replay point as a moment on the primary's clock; None when it cannot tell."""
        return self.scalar(_FIGURES_AT)
