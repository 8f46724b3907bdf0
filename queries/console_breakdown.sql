-- console_breakdown: the console's tables: money per project, team, site and street within its filters.
-- Grain: one row per (dim, key) with at least one money event in the range; dim is project | team | site |
-- street; key '' is "no team" / "no site" / "no street". gifts counts 人次 as console_minutes does (kinds gift and
-- redate): the console's rollup reader sums a range's partial minutes with it (console/rollup_figures.py).
-- last_gift_epoch: the newest gift's time in whole seconds since 1970 (a number, not a time: hundreds of zoned
-- times cost the driver more to make than the query to run; the tables show seconds).
-- Parameters: :from_at, :to_at — the half-open time range; :category, :project_id, :team_id, :site_id,
-- :street, :channel — each null for all.
-- filtered: the ledger's events in the range within the filters, with the site's street (console_filtered).
with filtered as (
    -- include: console_filtered
),
keyed as (
    select 'project' as dim, project_id as key, amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from filtered
    union all
    select 'team', coalesce(team_id, ''), amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from filtered
    union all
    select 'site', coalesce(site_id, ''), amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from filtered
    union all
    select 'street', street, amount_fen, matched_fen, donation_count, is_gift, kind, occurred_at
    from filtered
)
select
    dim,
    key,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations,
    cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as gifts,
    cast(floor(extract(epoch from max(case when is_gift then occurred_at end))) as bigint) as last_gift_epoch
from keyed
group by dim, key
order by dim, key
