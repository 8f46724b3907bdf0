"""人数, distinct donors, kept at import: each donor's first gift in the district and at each site (`donor_firsts`)
and how many there are (`donor_counts`), so a screen reads a count instead of counting every gift's donor.

A donor is a donor hash (`masking.py`); a donor whose every gift was refunded still counts, as the platform's
人数 does."""

from __future__ import annotations

import sqlalchemy as sa

from givingday.store import rollups

# This import's new gifts, per scope ('' the district, else the site), each donor once with its first gift.
_IMPORTED = """
    select '' as scope, donor_hash, min(occurred_at) as first_at
    from (select * from {source}) g group by donor_hash
    union all
    select site_id, donor_hash, min(occurred_at)
    from (select * from {source}) g where site_id is not null group by site_id, donor_hash
"""


def add_import(conn: sa.Connection, import_id: int, source: str = rollups.IMPORTED_GIFTS) -> None:
    """Count the donors first seen in this import's gifts, in the import's transaction. `source` is where they
    are read: the stored gifts of `import_id`, or the Arrow table of them as staged (`bulk.arrow_view`)."""
    imported = _IMPORTED.format(source=source)
    conn.execute(
        sa.text(
            f"""insert into donor_counts (scope, donors)
            select n.scope, count(*) from ({imported}) n
            where not exists (select 1 from donor_firsts f where f.scope = n.scope and f.donor_hash = n.donor_hash)
            group by n.scope
            on conflict (scope) do update set donors = donor_counts.donors + excluded.donors"""
        ),
        {"import_id": import_id},
    )
    conn.execute(
        sa.text(
            f"""insert into donor_firsts (scope, donor_hash, first_at)
            select scope, donor_hash, first_at from ({imported}) n
            on conflict (scope, donor_hash) do update set first_at = least(donor_firsts.first_at, excluded.first_at)"""
        ),
        {"import_id": import_id},
    )
