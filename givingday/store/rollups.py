"""Keeping the rollup tables in step with the ledger, inside the transaction that writes the events.

`add_events` takes a SQL `select` of ledger-shaped rows (occurred_at, amount_fen, matched_fen,
donation_count, project_id, team_id, site_id, channel, kind, gift_at) and adds them to every rollup: the
screens' totals and minutes, and the console's cells (every filter's dimension per day, hour and minute). The
totals stay exact: a test compares every rollup with the ledger after imports, refunds and corrections.

On PostgreSQL several boards write at once. An upsert alone loses no update (`on conflict do update` adds to the
row as committed), but two imports may reach the same rollup rows in different orders (a hash aggregate's order
depends on what else the file holds) and deadlock, one of them failing. So a write takes the rollups' lock
(`pg_advisory_xact_lock`, freed at its commit) before its first rollup row: the rollup updates of concurrent
writes take turns, for the milliseconds from their upserts to their commit, while their gifts are stored at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from givingday.store import bulk
from givingday.store.leader import lock_key

ROLLUPS_LOCK = lock_key("givingday:rollups")

_TOTALS = """
insert into rollup_totals (dim, key, amount_fen, matched_fen, donations, last_gift_at)
select dim, key, cast(sum(amount_fen) as bigint), cast(sum(matched_fen) as bigint),
       cast(sum(donation_count) as bigint), max(gift_at)
from (
    select 'all' as dim, '' as key, amount_fen, matched_fen, donation_count, gift_at from new_events
    union all select 'project', project_id, amount_fen, matched_fen, donation_count, gift_at from new_events
    union all select 'team', coalesce(team_id, ''), amount_fen, matched_fen, donation_count, gift_at from new_events
    union all select 'site', coalesce(site_id, ''), amount_fen, matched_fen, donation_count, gift_at from new_events
    union all select 'channel', channel, amount_fen, matched_fen, donation_count, gift_at from new_events
) events
group by dim, key
on conflict (dim, key) do update set
    amount_fen = rollup_totals.amount_fen + excluded.amount_fen,
    matched_fen = rollup_totals.matched_fen + excluded.matched_fen,
    donations = rollup_totals.donations + excluded.donations,
    last_gift_at = greatest(rollup_totals.last_gift_at, excluded.last_gift_at)
"""

_MINUTES = """
insert into rollup_minutes (minute_at, amount_fen, matched_fen, donations, gifts)
select date_trunc('minute', occurred_at), cast(sum(amount_fen) as bigint), cast(sum(matched_fen) as bigint),
       cast(sum(donation_count) as bigint),
       cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint)
from new_events
group by date_trunc('minute', occurred_at)
on conflict (minute_at) do update set
    amount_fen = rollup_minutes.amount_fen + excluded.amount_fen,
    matched_fen = rollup_minutes.matched_fen + excluded.matched_fen,
    donations = rollup_minutes.donations + excluded.donations,
    gifts = rollup_minutes.gifts + excluded.gifts
"""

# A cell's key, one column (migration 0013): DuckDB looks a one-column key up in an upsert but reads the whole
# table for a key of five. Its parts joined by the unit separator, which no id holds (control characters are
# stripped from every text a file brings).
CELL_KEY = (
    "cast(cast(extract(epoch from minute_at) as bigint) as varchar) || chr(31) || project_id || chr(31) || team_key"
    " || chr(31) || site_key || chr(31) || channel"
)

# The cells of `new_events` at the grain `unit`, one row each with its key.
_CELL_ROWS = f"""
select {CELL_KEY} as cell_key, minute_at, project_id, team_key, site_key, channel, amount_fen, matched_fen, donations,
       gifts, received, last_gift_at
from (
    select date_trunc('{{unit}}', occurred_at) as minute_at, project_id, coalesce(team_id, '') as team_key,
           coalesce(site_id, '') as site_key, channel,
           cast(sum(amount_fen) as bigint) as amount_fen, cast(sum(matched_fen) as bigint) as matched_fen,
           cast(sum(donation_count) as bigint) as donations,
           cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as gifts,
           cast(count(gift_at) as bigint) as received, max(gift_at) as last_gift_at
    from new_events
    group by date_trunc('{{unit}}', occurred_at), project_id, coalesce(team_id, ''), coalesce(site_id, ''), channel
) cells
"""

_CELL_COLUMNS = (
    "cell_key, minute_at, project_id, team_key, site_key, channel, amount_fen, matched_fen, donations, gifts, received,"
    " last_gift_at"
)


def _added(source: str) -> str:
    """A stored cell plus the cell `source` names (the upsert's `excluded`, the join's new cell)."""
    sums = ",\n".join(
        f"    {c} = {{table}}.{c} + {source}.{c}"
        for c in ("amount_fen", "matched_fen", "donations", "gifts", "received")
    )
    return f"{sums},\n    last_gift_at = greatest({{table}}.last_gift_at, {source}.last_gift_at)"


_CELLS = f"""
insert into {{table}} ({_CELL_COLUMNS})
{_CELL_ROWS}
on conflict (cell_key) do update set
{_added("excluded")}
"""

# Many events at once on DuckDB (`add_events`'s `rows` at least MANY_EVENTS and at least 1/bulk.SCAN_SHARE of a cell
# table's rows): their cells summed once into `_NEW_CELLS`, then one update of the stored cells they meet and one
# insert of the others, each a join. The upsert above checks and updates row by row: a third more CPU for a million
# gifts' cells, and the most of a bulk import's time. The update comes first, so it never meets a cell just inserted.
MANY_EVENTS = 10_000
_NEW_CELLS = "new_cells"

_UPDATE_CELLS = f"""
update {{table}} set
{_added("n")}
from {_NEW_CELLS} n
where {{table}}.cell_key = n.cell_key
"""

_INSERT_CELLS = f"""
insert into {{table}} ({_CELL_COLUMNS})
select {_CELL_COLUMNS} from {_NEW_CELLS} n
where not exists (select 1 from {{table}} t where t.cell_key = n.cell_key)
"""

# The console's cells at each grain (migration 0012_rollup_grains): a range is read as whole days, whole hours and
# whole minutes (console/rollup_figures.py). Days and hours are the event's, the session's zone.
CELL_TABLES = {"day": "rollup_cells_day", "hour": "rollup_cells_hour", "minute": "rollup_cells"}

IMPORTED_GIFTS = "donations where import_id = :import_id"


def new_gifts(source: str = IMPORTED_GIFTS) -> str:
    """The gifts of `source` (an import's stored gifts, or the Arrow table of them as staged) as ledger rows."""
    return f"""
select occurred_at, amount_fen, matched_fen, 1 as donation_count, project_id, team_id, site_id, channel,
       cast('gift' as varchar) as kind, occurred_at as gift_at
from {source}
"""


NEW_GIFTS = new_gifts()

NEW_ADJUSTMENTS = """
select occurred_at, amount_delta_fen as amount_fen, matched_delta_fen as matched_fen,
       donation_delta as donation_count, project_id, team_id, site_id, channel, kind,
       cast(null as timestamp with time zone) as gift_at
from adjustments where adjustment_id in :ids
"""


def take_turn(conn: sa.Connection) -> None:
    """On PostgreSQL, wait for the rollups' lock, held until this transaction ends (see the module's docstring)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("select pg_advisory_xact_lock(:key)"), {"key": ROLLUPS_LOCK})


def add_events(conn: sa.Connection, select_sql: str, params: dict[str, Any], rows: int = 0) -> None:
    """Add the rows of `select_sql` to every rollup (one CTE, an upsert a table). `rows`, how many there are when
    the caller knows, lets DuckDB add many by joins instead of an upsert (`MANY_EVENTS`)."""
    take_turn(conn)

    def run(sql: str, before: str = "") -> None:
        stmt = sa.text(f"{before}with new_events as ({select_sql}) {sql}")
        if "ids" in params:
            stmt = stmt.bindparams(sa.bindparam("ids", expanding=True))
        conn.execute(stmt, params)

    for upsert in (_TOTALS, _MINUTES):
        run(upsert)
    for unit, table in CELL_TABLES.items():
        if not _by_joins(conn, table, rows):
            run(_CELLS.format(table=table, unit=unit))
            continue
        run(_CELL_ROWS.format(unit=unit), before=f"create temporary table {_NEW_CELLS} as ")
        conn.execute(sa.text(_UPDATE_CELLS.format(table=table)))
        conn.execute(sa.text(_INSERT_CELLS.format(table=table)))
        conn.execute(sa.text(f"drop table {_NEW_CELLS}"))


def _by_joins(conn: sa.Connection, table: str, rows: int) -> bool:
    """Whether `rows` events are added to `table` by an update and an insert (see `MANY_EVENTS`)."""
    if conn.dialect.name != "duckdb" or rows < MANY_EVENTS:
        return False
    return rows * bulk.SCAN_SHARE >= conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()


# Where a gift's time counts as a last gift: the totals of its own attribution, as `add_events` credits it.
_GIFT_KEYS = {
    "all": "''",
    "project": "d.project_id",
    "team": "coalesce(d.team_id, '')",
    "site": "coalesce(d.site_id, '')",
    "channel": "d.channel",
}


def refresh_last_gift(conn: sa.Connection, donation_id: str, old: dt.datetime, new: dt.datetime) -> None:
    """After a gift's time moved from `old` to `new` (a correction): the last gift of every total it counts in,
    from every gift's time now (`gift_times`). It may be earlier than before (`add_events` only moves it later);
    a total whose last gift is neither the old time nor earlier than the new one is left as it is."""
    take_turn(conn)
    for dim, key_sql in _GIFT_KEYS.items():
        conn.execute(
            sa.text(
                "update rollup_totals set last_gift_at = ("
                " select max(g.occurred_at) from gift_times g join donations d on d.donation_id = g.donation_id"
                f" where {key_sql} = rollup_totals.key)"
                f" where dim = :dim and key = (select {key_sql} from donations d where d.donation_id = :id)"
                " and (last_gift_at = :old or last_gift_at < :new)"
            ),
            {"dim": dim, "id": donation_id, "old": old, "new": new},
        )
