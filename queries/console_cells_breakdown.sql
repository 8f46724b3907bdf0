-- console_cells_breakdown: console_breakdown from the rollup cells: money per project, team, site and street in a
-- range: its whole days, hours and minutes, and the ledger's partial minutes (console_cells_filtered).
-- Grain: one row per (dim, key) with at least one cell in the range; dim is project | team | site | street; key ''
-- is "no team" / "no site" / "no street".
-- Parameters: each range's (Store.query_ranges); :category, :project_id, :team_id, :site_id, :street, :channel —
-- each null for all.
with filtered as (
    -- include: console_cells_filtered
),
attributions as (
    -- each (project, team, site) once, before the four dimensions: a few thousand rows, not every cell
    select
        project_id,
        team_key,
        site_key,
        street,
        sum(amount_fen) as amount_fen,
        sum(matched_fen) as matched_fen,
        sum(donations) as donations,
        max(last_gift_at) as last_gift_at
    from filtered
    group by project_id, team_key, site_key, street
),
keyed as (
    select 'project' as dim, project_id as key, amount_fen, matched_fen, donations, last_gift_at from attributions
    union all
    select 'team', team_key, amount_fen, matched_fen, donations, last_gift_at from attributions
    union all
    select 'site', site_key, amount_fen, matched_fen, donations, last_gift_at from attributions
    union all
    select 'street', street, amount_fen, matched_fen, donations, last_gift_at from attributions
)
select
    dim,
    key,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donations) as bigint) as donations,
    max(last_gift_at) as last_gift_at
from keyed
group by dim, key
order by dim, key
