"""Schema changes as named migrations, each applied once, in order, in one transaction, and recorded.

The SQL is the subset that both DuckDB and PostgreSQL accept, so a server can replace the embedded file. A
statement given as (dialect, sql) runs on that database only, and the migration is recorded on both: indexes
PostgreSQL needs for ranges of time, which DuckDB answers from its zone maps (an index there would only slow
every import). Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

MIGRATIONS: list[tuple[str, list[str | tuple[str, str]]]] = [
    (
        "0001_roster",
        [
            """create table projects (
                project_id varchar primary key,
                name varchar not null unique,
                parent_id varchar,
                category varchar,
                goal_fen bigint
            )""",
            """create table sites (
                site_id varchar primary key,
                name varchar not null unique,
                street varchar not null,
                kind varchar not null,
                lng double precision,
                lat double precision
            )""",
            """create table teams (
                team_id varchar primary key,
                name varchar not null unique,
                project_id varchar not null,
                site_id varchar,
                kind varchar not null,
                goal_fen bigint
            )""",
        ],
    ),
    (
        "0002_donations",
        [
            "create sequence import_id_seq start 1",
            """create table imports (
                import_id bigint primary key,
                file_name varchar not null,
                file_sha256 varchar,
                file_format varchar,
                profile varchar,
                started_at timestamp with time zone not null,
                duration_ms bigint,
                rows_total bigint not null default 0,
                rows_new bigint not null default 0,
                rows_duplicate bigint not null default 0,
                rows_rejected bigint not null default 0,
                amount_new_fen bigint not null default 0,
                outcome varchar not null,
                message varchar
            )""",
            """create table donations (
                donation_id varchar primary key,
                occurred_at timestamp with time zone not null,
                amount_fen bigint not null,
                matched_fen bigint not null,
                project_id varchar not null,
                team_id varchar,
                site_id varchar,
                channel varchar not null,
                donor_name_masked varchar not null,
                donor_hash varchar not null,
                team_label varchar,
                site_label varchar,
                reference varchar,
                memo varchar,
                source_file varchar not null,
                source_line bigint not null,
                import_id bigint not null
            )""",
            """create table adjustments (
                adjustment_id varchar primary key,
                donation_id varchar not null,
                kind varchar not null,
                occurred_at timestamp with time zone not null,
                amount_delta_fen bigint not null,
                matched_delta_fen bigint not null,
                donation_delta integer not null,
                project_id varchar not null,
                team_id varchar,
                site_id varchar,
                channel varchar not null,
                reason varchar not null,
                recorded_by varchar not null,
                recorded_at timestamp with time zone not null
            )""",
            """create table rejected_rows (
                import_id bigint not null,
                file_name varchar not null,
                line bigint not null,
                reason varchar not null,
                row_text varchar not null
            )""",
            # Every money event, gifts and their refunds/corrections alike: what every total sums.
            """create view ledger as
                select donation_id, occurred_at, amount_fen, matched_fen, 1 as donation_count,
                       project_id, team_id, site_id, channel, donor_hash
                from donations
                union all
                select a.donation_id, a.occurred_at, a.amount_delta_fen, a.matched_delta_fen, a.donation_delta,
                       a.project_id, a.team_id, a.site_id, a.channel, d.donor_hash
                from adjustments a
                join donations d on d.donation_id = a.donation_id""",
        ],
    ),
]


MIGRATIONS.append(
    (
        "0003_rollups",
        [
            # Totals kept up to date on ingest (in the same transaction), so a screen's refresh reads a few
            # hundred rows instead of every gift. dim: all | project | team | site | channel; key '' = none.
            """create table rollup_totals (
                dim varchar not null,
                key varchar not null,
                amount_fen bigint not null,
                matched_fen bigint not null,
                donations bigint not null,
                last_gift_at timestamp with time zone,
                primary key (dim, key)
            )""",
            """create table rollup_minutes (
                minute_at timestamp with time zone primary key,
                amount_fen bigint not null,
                matched_fen bigint not null,
                donations bigint not null
            )""",
            # Existing gifts and adjustments, for stores made before this migration.
            """insert into rollup_totals
                select dim, key, cast(sum(amount_fen) as bigint), cast(sum(matched_fen) as bigint),
                       cast(sum(donation_count) as bigint), max(gift_at)
                from (
                    select 'all' as dim, '' as key, amount_fen, matched_fen, donation_count,
                           case when donation_count = 1 then occurred_at end as gift_at from ledger
                    union all
                    select 'project', project_id, amount_fen, matched_fen, donation_count,
                           case when donation_count = 1 then occurred_at end from ledger
                    union all
                    select 'team', coalesce(team_id, ''), amount_fen, matched_fen, donation_count,
                           case when donation_count = 1 then occurred_at end from ledger
                    union all
                    select 'site', coalesce(site_id, ''), amount_fen, matched_fen, donation_count,
                           case when donation_count = 1 then occurred_at end from ledger
                    union all
                    select 'channel', channel, amount_fen, matched_fen, donation_count,
                           case when donation_count = 1 then occurred_at end from ledger
                ) events
                group by dim, key""",
            """insert into rollup_minutes
                select date_trunc('minute', occurred_at), cast(sum(amount_fen) as bigint),
                       cast(sum(matched_fen) as bigint), cast(sum(donation_count) as bigint)
                from ledger
                group by date_trunc('minute', occurred_at)""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0004_console",
        [
            # Who did what from the console, and why: written in the same transaction as the act itself.
            """create table audit_log (
                audit_id varchar primary key,
                acted_at timestamp with time zone not null,
                user_name varchar not null,
                action varchar not null,
                target_id varchar,
                amount_fen bigint,
                reason varchar not null,
                detail varchar
            )""",
            # A pledge is money promised, not yet received: shown apart and never in the totals. It is closed
            # (fulfilled by a gift, or cancelled) by a new row, never by editing it.
            """create table pledges (
                pledge_id varchar primary key,
                recorded_at timestamp with time zone not null,
                recorded_by varchar not null,
                donor_name_masked varchar not null,
                project_id varchar not null,
                team_id varchar,
                site_id varchar,
                amount_fen bigint not null,
                due_on date,
                reason varchar not null
            )""",
            """create table pledge_closures (
                pledge_id varchar primary key,
                closed_at timestamp with time zone not null,
                closed_by varchar not null,
                outcome varchar not null,
                donation_id varchar,
                reason varchar not null
            )""",
            # The ledger says which rows are gifts (the time of the last gift must not be a refund's time).
            """create or replace view ledger as
                select donation_id, occurred_at, amount_fen, matched_fen, 1 as donation_count,
                       project_id, team_id, site_id, channel, donor_hash, true as is_gift
                from donations
                union all
                select a.donation_id, a.occurred_at, a.amount_delta_fen, a.matched_delta_fen, a.donation_delta,
                       a.project_id, a.team_id, a.site_id, a.channel, d.donor_hash, false as is_gift
                from adjustments a
                join donations d on d.donation_id = a.donation_id""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0005_gift_times",
        [
            # Each gift's time now: its own, or where a correction moved it (kind 'redate': the gift's rows taken
            # out at the old time and booked at the new one), the time at which its ledger rows still count it.
            """create view gift_times as
                select donation_id, occurred_at
                from donations
                where donation_id not in (select donation_id from adjustments where kind = 'redate')
                union all
                select donation_id, max(occurred_at)
                from (
                    select donation_id, occurred_at
                    from ledger
                    where donation_id in (select donation_id from adjustments where kind = 'redate')
                    group by donation_id, occurred_at
                    having sum(donation_count) > 0
                ) moved
                group by donation_id""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0006_import_skipped",
        [
            # Rows a profile's filters set aside (a bill's expense and neutral rows): not gifts, not rejections.
            "alter table imports add column rows_skipped bigint default 0",
        ],
    )
)


MIGRATIONS.append(
    (
        "0007_ledger_kind",
        [
            # Which event each row is ('gift', or the adjustment's kind: 'refund', 'correction', 'redate'), so a
            # count of gifts per minute counts gifts where they were given, not a refund's -1 where it was made.
            """create or replace view ledger as
                select donation_id, occurred_at, amount_fen, matched_fen, 1 as donation_count,
                       project_id, team_id, site_id, channel, donor_hash, true as is_gift,
                       cast('gift' as varchar) as kind
                from donations
                union all
                select a.donation_id, a.occurred_at, a.amount_delta_fen, a.matched_delta_fen, a.donation_delta,
                       a.project_id, a.team_id, a.site_id, a.channel, d.donor_hash, false as is_gift, a.kind
                from adjustments a
                join donations d on d.donation_id = a.donation_id""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0008_rollup_dimensions",
        [
            # The console's rollup: money per minute by every dimension its filters use (category and street come
            # from the project and the site), so any range and any filters are summed from cells, not from gifts.
            # team_key / site_key '' = none. gifts counts 人次 where they were given (kinds gift and redate, as the
            # chart does); received counts the gift rows as they came (the newest gifts' cut-off); last_gift_at is
            # the newest of those. Its size: docs/performance.md.
            """create table rollup_cells (
                minute_at timestamp with time zone not null,
                project_id varchar not null,
                team_key varchar not null,
                site_key varchar not null,
                channel varchar not null,
                amount_fen bigint not null,
                matched_fen bigint not null,
                donations bigint not null,
                gifts bigint not null,
                received bigint not null,
                last_gift_at timestamp with time zone,
                primary key (minute_at, project_id, team_key, site_key, channel)
            )""",
            """insert into rollup_cells
                select date_trunc('minute', occurred_at), project_id, coalesce(team_id, ''),
                       coalesce(site_id, ''), channel, cast(sum(amount_fen) as bigint),
                       cast(sum(matched_fen) as bigint), cast(sum(donation_count) as bigint),
                       cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint),
                       cast(sum(case when is_gift then 1 else 0 end) as bigint),
                       max(case when is_gift then occurred_at end)
                from ledger
                group by date_trunc('minute', occurred_at), project_id, coalesce(team_id, ''),
                         coalesce(site_id, ''), channel""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0009_platform_totals",
        [
            # Each comparison of the ledger with the platform's official totals (`python -m givingday drift`, the
            # 核对 page), kept so the page and the leadership report can show the last one. Nothing else reads it.
            "create sequence drift_check_id_seq start 1",
            """create table drift_checks (
                check_id bigint primary key,
                checked_at timestamp with time zone not null,
                checked_by varchar not null,
                file_name varchar not null,
                as_of timestamp with time zone not null,
                projects integer not null,
                flagged integer not null
            )""",
            # One row per project compared: both sides as of `as_of` (the exclusive end of the platform's count).
            """create table drift_rows (
                check_id bigint not null,
                project_id varchar not null,
                as_of timestamp with time zone not null,
                ours_fen bigint not null,
                theirs_fen bigint not null,
                ours_donations bigint not null,
                theirs_donations bigint not null,
                is_flagged boolean not null,
                cause varchar,
                cause_text varchar,
                primary key (check_id, project_id)
            )""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0010_shifts",
        [
            # Volunteer shifts from the roster's shifts.csv: the event's day (1 = the first), minutes from that
            # day's midnight in the event's zone (end exclusive, at most 1440). Shifts may overlap: they add.
            """create table shifts (
                site_id varchar not null,
                day_number integer not null,
                start_minute integer not null,
                end_minute integer not null,
                volunteers integer not null
            )""",
        ],
    )
)


MIGRATIONS.append(
    (
        "0011_donor_messages",
        [
            # A donor's message (留言) kept apart from the gift: it reaches a public screen only once an organizer
            # approves it (status pending | approved | denied; who decided and when). Text scrubbed at import.
            """create table donor_messages (
                message_id varchar primary key,
                donation_id varchar not null unique,
                message_text varchar not null,
                status varchar not null,
                received_at timestamp with time zone not null,
                decided_by varchar,
                decided_at timestamp with time zone
            )""",
            # 人数: each donor's first gift, for the district (scope '') and for each site (scope = site_id),
            # kept at import so the screens count donors without a distinct count over every gift.
            """create table donor_firsts (
                scope varchar not null,
                donor_hash varchar not null,
                first_at timestamp with time zone not null,
                primary key (scope, donor_hash)
            )""",
            """create table donor_counts (
                scope varchar primary key,
                donors bigint not null
            )""",
            """insert into donor_firsts
                select '', donor_hash, min(occurred_at) from donations group by donor_hash
                union all
                select site_id, donor_hash, min(occurred_at) from donations where site_id is not null
                group by site_id, donor_hash""",
            """insert into donor_counts
                select scope, count(*) from donor_firsts group by scope""",
        ],
    )
)


# rollup_cells summed by the hour and by the day of the event's zone (minute_at: the first minute of each), so a
# range is read as whole days, whole hours and whole minutes (console/rollup_figures.py) and a whole-event table
# sums tens of thousands of cells, not millions. Filled in time order, so a range's scan skips the row groups
# outside it.
_GRAIN_CELLS = """create table rollup_cells_{unit} (
    minute_at timestamp with time zone not null,
    project_id varchar not null,
    team_key varchar not null,
    site_key varchar not null,
    channel varchar not null,
    amount_fen bigint not null,
    matched_fen bigint not null,
    donations bigint not null,
    gifts bigint not null,
    received bigint not null,
    last_gift_at timestamp with time zone,
    primary key (minute_at, project_id, team_key, site_key, channel)
)"""
_GRAIN_FILL = """insert into rollup_cells_{unit}
    select date_trunc('{unit}', minute_at), project_id, team_key, site_key, channel, cast(sum(amount_fen) as bigint),
           cast(sum(matched_fen) as bigint), cast(sum(donations) as bigint), cast(sum(gifts) as bigint),
           cast(sum(received) as bigint), max(last_gift_at)
    from rollup_cells
    group by date_trunc('{unit}', minute_at), project_id, team_key, site_key, channel
    order by 1"""

MIGRATIONS.append(
    (
        "0012_rollup_grains",
        [
            *(sql.format(unit=unit) for unit in ("hour", "day") for sql in (_GRAIN_CELLS, _GRAIN_FILL)),
            # 人次 where gifts were given, by the minute: the console's chart with no filter reads rollup_minutes.
            "alter table rollup_minutes add column gifts bigint default 0",
            """update rollup_minutes set gifts = c.gifts
                from (select minute_at, sum(gifts) as gifts from rollup_cells group by minute_at) c
                where c.minute_at = rollup_minutes.minute_at""",
        ],
    )
)

# donor_firsts and the console's cells keyed by one column: DuckDB looks a one-column key up in an upsert but reads
# the whole table for a key of several (a one-gift import at 11.7 M gifts spent 1.24 s on 人数 and 0.1 s on the
# cells). donor_firsts' key is 'scope:donor_hash' (store/donors.py); a cell's is store/rollups.py's CELL_KEY, the
# same expression written out here, as a migration's text never changes.
_CELL_KEY = (
    "cast(cast(extract(epoch from minute_at) as bigint) as varchar) || chr(31) || project_id || chr(31) || team_key"
    " || chr(31) || site_key || chr(31) || channel"
)
_KEYED_CELLS = """create table {table}_keyed (
    cell_key varchar primary key,
    minute_at timestamp with time zone not null,
    project_id varchar not null,
    team_key varchar not null,
    site_key varchar not null,
    channel varchar not null,
    amount_fen bigint not null,
    matched_fen bigint not null,
    donations bigint not null,
    gifts bigint not null,
    received bigint not null,
    last_gift_at timestamp with time zone
)"""
_KEYED_FILL = f"""insert into {{table}}_keyed
    select {_CELL_KEY}, minute_at, project_id, team_key, site_key, channel, amount_fen, matched_fen, donations, gifts,
           received, last_gift_at
    from {{table}}
    order by minute_at"""

MIGRATIONS.append(
    (
        "0013_one_column_keys",
        [
            """create table donor_firsts_keyed (
                donor_key varchar primary key,
                scope varchar not null,
                donor_hash varchar not null,
                first_at timestamp with time zone not null
            )""",
            """insert into donor_firsts_keyed
                select scope || ':' || donor_hash, scope, donor_hash, first_at from donor_firsts""",
            "drop table donor_firsts",
            "alter table donor_firsts_keyed rename to donor_firsts",
            *(
                sql.format(table=table)
                for table in ("rollup_cells", "rollup_cells_hour", "rollup_cells_day")
                for sql in (
                    _KEYED_CELLS,
                    _KEYED_FILL,
                    "drop table {table}",
                    "alter table {table}_keyed rename to {table}",
                )
            ),
        ],
    )
)

# PostgreSQL reads a range of time through an index or not at all: without these, the ticker's newest gifts and
# the console's cells of a window read every row (at 10 M gifts a snapshot took 1.5 s and a console refresh 26 s
# there, docs/performance.md). DuckDB skips row groups by their zone maps and needs none.
MIGRATIONS.append(
    (
        "0014_server_time_indexes",
        [
            ("postgresql", "create index donations_by_time on donations (occurred_at, donation_id)"),
            *(
                ("postgresql", f"create index {table}_by_minute on {table} (minute_at)")
                for table in ("rollup_cells", "rollup_cells_hour", "rollup_cells_day")
            ),
        ],
    )
)


def applied(conn: sa.Connection) -> list[str]:
    conn.execute(
        sa.text(
            "create table if not exists schema_migrations ("
            " name varchar primary key, applied_at timestamp with time zone not null)"
        )
    )
    return [r[0] for r in conn.execute(sa.text("select name from schema_migrations order by name"))]


def migrate(engine: sa.Engine) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now."""
    with engine.begin() as conn:
        done = set(applied(conn))
    now_applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        with engine.begin() as conn:
            for stmt in statements:
                dialect, sql = stmt if isinstance(stmt, tuple) else (conn.dialect.name, stmt)
                if dialect == conn.dialect.name:
                    conn.execute(sa.text(sql))
            conn.execute(
                sa.text("insert into schema_migrations (name, applied_at) values (:name, :at)"),
                {"name": name, "at": dt.datetime.now(dt.UTC)},
            )
        now_applied.append(name)
    return now_applied
