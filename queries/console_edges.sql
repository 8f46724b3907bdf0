-- console_edges: the ledger's events in the partial minutes at the edges of the console's ranges (what the rollup
-- cells, whole minutes, leave out), read narrowly: up to six ranges, each within one minute.
-- Grain: one row per (edge, dim, key) with at least one event; dim is project | team | site | street; key '' is
-- "no team" / "no site" / "no street". gifts counts 人次 as console_minutes does (kinds gift and redate).
-- Parameters: :edge1_from, :edge1_to … :edge6_from, :edge6_to — the half-open ranges (an empty one is unused);
-- :from_at, :to_at — a range holding them all; :category, :project_id, :team_id, :site_id, :street, :channel —
-- each null for all.
with filtered as (
    -- include: console_filtered
),
edged as (
    select
        case
            when occurred_at >= :edge1_from and occurred_at < :edge1_to then 1
            when occurred_at >= :edge2_from and occurred_at < :edge2_to then 2
            when occurred_at >= :edge3_from and occurred_at < :edge3_to then 3
            when occurred_at >= :edge4_from and occurred_at < :edge4_to then 4
            when occurred_at >= :edge5_from and occurred_at < :edge5_to then 5
            when occurred_at >= :edge6_from and occurred_at < :edge6_to then 6
        end as edge,
        *
    from filtered
    where (occurred_at >= :edge1_from and occurred_at < :edge1_to)
        or (occurred_at >= :edge2_from and occurred_at < :edge2_to)
        or (occurred_at >= :edge3_from and occurred_at < :edge3_to)
        or (occurred_at >= :edge4_from and occurred_at < :edge4_to)
        or (occurred_at >= :edge5_from and occurred_at < :edge5_to)
        or (occurred_at >= :edge6_from and occurred_at < :edge6_to)
),
keyed as (
    select edge, 'project' as dim, project_id as key, amount_fen, matched_fen, donation_count, is_gift, kind,
           occurred_at
    from edged
    union all
    select edge, 'team', coalesce(team_id, ''), amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from edged
    union all
    select edge, 'site', coalesce(site_id, ''), amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from edged
    union all
    select edge, 'street', street, amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from edged
)
select
    edge,
    dim,
    key,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations,
    cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as gifts,
    max(case when is_gift then occurred_at end) as last_gift_at
from keyed
group by edge, dim, key
order by edge, dim, key
