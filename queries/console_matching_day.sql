-- console_matching_day: how much of a day's matching pool (配捐) is used, and when it ran out.
-- Grain: one row.
-- Parameters: :day_start, :until — the day so far; :pool_fen — the day's pool.
with minutes as (
    select
        minute_at,
        matched_fen,
        sum(matched_fen) over (order by minute_at rows between unbounded preceding and current row) as used_fen
    from rollup_minutes
    where minute_at >= :day_start and minute_at < :until
)
select
    cast(coalesce(sum(matched_fen), 0) as bigint) as used_fen,
    min(case when used_fen >= :pool_fen then minute_at end) as ran_out_at,
    max(case when matched_fen > 0 then minute_at end) as last_matched_at
from minutes
