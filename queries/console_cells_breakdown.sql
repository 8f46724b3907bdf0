-- console_cells_breakdown: console_breakdown from the rollup cells: money per project, team, site and street in a
-- range: its whole days, hours and minutes, and the ledger's partial minutes (console_cells_filtered).
-- Grain: one row per (dim, key) with at least one cell in the range; dim is project | team | site | street; key ''
-- is "no team" / "no site" / "no street"; last_gift_epoch as console_breakdown gives it.
-- Parameters: each range's (Store.query_ranges); :category, :project_id, :team_id, :site_id, :street, :channel —
-- each null for all.
with filtered as (
    -- include: console_cells_filtered
),
keyed as (
    -- each dimension grouped from the cells themselves: a cell's (project, team, site) is seldom another's, so a
    -- first grouping by all three would keep most rows and cost a hash table of its own
    select
        'project' as dim,
        project_id as key,
        sum(amount_fen) as amount_fen,
        sum(matched_fen) as matched_fen,
        sum(donations) as donations,
        max(last_gift_at) as last_gift_at
    from filtered
    group by project_id
    union all
    select 'team', team_key, sum(amount_fen), sum(matched_fen), sum(donations), max(last_gift_at)
    from filtered
    group by team_key
    union all
    select 'site', site_key, sum(amount_fen), sum(matched_fen), sum(donations), max(last_gift_at)
    from filtered
    group by site_key
    union all
    select 'street', street, sum(amount_fen), sum(matched_fen), sum(donations), max(last_gift_at)
    from filtered
    group by street
)
select
    dim,
    key,
    cast(amount_fen as bigint) as amount_fen,
    cast(matched_fen as bigint) as matched_fen,
    cast(donations as bigint) as donations,
    cast(floor(extract(epoch from last_gift_at)) as bigint) as last_gift_epoch
from keyed
order by dim, key
