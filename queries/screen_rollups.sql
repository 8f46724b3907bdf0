-- screen_rollups: the big screen's figures from the rollups: the event total, today's total, the top
-- projects and teams, and every site (for the map).
-- Grain: one row per (dim, key); dim is all | day | project | team | site; key '' means none.
-- Parameters: :day_start, :day_end — today's bounds (timestamps with zone); :limit_n — how many projects and
-- teams.
-- Times come as epoch seconds: turning hundreds of zoned timestamps into Python objects costs more than the
-- query itself.
with ranked as (
    select *, row_number() over (partition by dim order by amount_fen + matched_fen desc, key) as rank_n
    from rollup_totals
    where dim in ('all', 'project', 'team', 'site')
),
day_total as (
    select
        'day' as dim,
        '' as key,
        cast(coalesce(sum(amount_fen), 0) as bigint) as amount_fen,
        cast(coalesce(sum(matched_fen), 0) as bigint) as matched_fen,
        cast(coalesce(sum(donations), 0) as bigint) as donations
    from rollup_minutes
    where minute_at >= :day_start and minute_at < :day_end
)
select
    dim,
    key,
    amount_fen,
    matched_fen,
    donations,
    cast(extract(epoch from last_gift_at) as bigint) as last_gift_epoch
from ranked
where dim in ('all', 'site') or rank_n <= :limit_n
union all
select dim, key, amount_fen, matched_fen, donations, null
from day_total
