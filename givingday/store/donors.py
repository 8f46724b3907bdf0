"""人数, distinct donors, kept at import: each donor's first gift in the district and at each site (`donor_firsts`)
and how many there are (`donor_counts`), so a screen reads a count instead of counting every gift's donor.

A donor is a donor hash (`masking.py`); a donor whose every gift was refunded still counts, as the platform's
人数 does."""

from __future__ import annotations

import collections

import sqlalchemy as sa

from givingday.store import rollups

_IMPORTED = "imported_donors"  # this import's donors, per scope, read once from its gifts

# This import's new gifts, per scope ('' the district, else the site), each donor once with its first gift: one
# read of the gifts, by site, then the district from that.
_READ_ONCE = f"""
    create temporary table {_IMPORTED} as
    with by_site as (
        select site_id, donor_hash, min(occurred_at) as first_at
        from (select * from {{source}}) g group by site_id, donor_hash
    ),
    scoped as (
        select '' as scope, donor_hash, min(first_at) as first_at from by_site group by donor_hash
        union all
        select site_id, donor_hash, first_at from by_site where site_id is not null
    )
    select scope || ':' || donor_hash as donor_key, scope, donor_hash, first_at from scoped
"""


# This import's donors into donor_firsts; each path says what a donor already there does (`on conflict …`).
_INSERT_FIRSTS = (
    f"insert into donor_firsts (donor_key, scope, donor_hash, first_at)"
    f" select donor_key, scope, donor_hash, first_at from {_IMPORTED}"
)

# Up to this many (scope, donor) pairs in an import, its new donors are the rows its insert into donor_firsts
# returns; more, and one anti-join counts them (one reading of donor_firsts, less than returning millions of rows).
FEW_PAIRS = 10_000


def add_import(conn: sa.Connection, import_id: int, source: str = rollups.IMPORTED_GIFTS) -> None:
    """Count the donors first seen in this import's gifts, in the import's transaction. `source` is where they
    are read: the stored gifts of `import_id`, or the Arrow table of them as staged (`bulk.arrow_view`)."""
    conn.execute(sa.text(_READ_ONCE.format(source=source)), {"import_id": import_id})
    pairs = conn.execute(sa.text(f"select count(*) from {_IMPORTED}")).scalar_one()
    if pairs <= FEW_PAIRS:
        stored = conn.execute(sa.text(f"{_INSERT_FIRSTS} on conflict do nothing returning scope")).all()
        new = collections.Counter(scope for (scope,) in stored)
    else:
        new = dict(
            conn.execute(
                sa.text(
                    f"""select n.scope, count(*) from {_IMPORTED} n
                    where not exists (select 1 from donor_firsts f where f.donor_key = n.donor_key)
                    group by n.scope"""
                )
            ).all()
        )
    if pairs > FEW_PAIRS and conn.dialect.name == "duckdb":  # by joins, as `rollups.MANY_EVENTS` says why
        conn.execute(
            sa.text(
                f"""update donor_firsts set first_at = n.first_at from {_IMPORTED} n
                where donor_firsts.donor_key = n.donor_key and n.first_at < donor_firsts.first_at"""
            )
        )
        new_only = f"where not exists (select 1 from donor_firsts f where f.donor_key = {_IMPORTED}.donor_key)"
        conn.execute(sa.text(f"{_INSERT_FIRSTS} {new_only}"))
    else:
        earliest = "on conflict (donor_key) do update set first_at = least(donor_firsts.first_at, excluded.first_at)"
        conn.execute(sa.text(f"{_INSERT_FIRSTS} {earliest}"))
    for scope, count in new.items():
        conn.execute(
            sa.text(
                "insert into donor_counts (scope, donors) values (:scope, :count)"
                " on conflict (scope) do update set donors = donor_counts.donors + excluded.donors"
            ),
            {"scope": scope, "count": count},
        )
    conn.execute(sa.text(f"drop table {_IMPORTED}"))
