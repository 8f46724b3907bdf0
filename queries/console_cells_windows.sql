-- console_cells_windows: console_windows from the rollup cells: money and 人次 in the rolling windows, each
-- rounded inwards to whole minutes (the partial minutes at their edges come from the ledger).
-- Grain: one row per window (m5, m15, m30, m60, m180, day, event, day_full).
-- Parameters: as console_windows, each on a minute: :until; :since_m5, :since_m15, :since_m30, :since_m60,
-- :since_m180, :since_day; :from_at; :to_at; :category, :project_id, :team_id, :site_id, :street, :channel.
-- The cells summed by the minute first, then one pass with a sum per window (a join of windows to cells would
-- read the cells once per window).
with filtered as (
    -- include: console_cells_filtered
),
per_minute as (
    select minute_at, sum(amount_fen + matched_fen) as total_fen, sum(donations) as donations
    from filtered
    group by minute_at
),
sums as (
    select
        coalesce(sum(case when minute_at >= :since_m5 and minute_at < :until then total_fen end), 0)
            as m5_fen,
        coalesce(sum(case when minute_at >= :since_m5 and minute_at < :until then donations end), 0) as m5_n,
        coalesce(sum(case when minute_at >= :since_m15 and minute_at < :until then total_fen end), 0)
            as m15_fen,
        coalesce(sum(case when minute_at >= :since_m15 and minute_at < :until then donations end), 0) as m15_n,
        coalesce(sum(case when minute_at >= :since_m30 and minute_at < :until then total_fen end), 0)
            as m30_fen,
        coalesce(sum(case when minute_at >= :since_m30 and minute_at < :until then donations end), 0) as m30_n,
        coalesce(sum(case when minute_at >= :since_m60 and minute_at < :until then total_fen end), 0)
            as m60_fen,
        coalesce(sum(case when minute_at >= :since_m60 and minute_at < :until then donations end), 0) as m60_n,
        coalesce(
            sum(case when minute_at >= :since_m180 and minute_at < :until then total_fen end), 0
        ) as m180_fen,
        coalesce(sum(case when minute_at >= :since_m180 and minute_at < :until then donations end), 0) as m180_n,
        coalesce(sum(case when minute_at >= :since_day and minute_at < :until then total_fen end), 0)
            as day_fen,
        coalesce(sum(case when minute_at >= :since_day and minute_at < :until then donations end), 0) as day_n,
        coalesce(sum(case when minute_at < :until then total_fen end), 0) as event_fen,
        coalesce(sum(case when minute_at < :until then donations end), 0) as event_n,
        coalesce(sum(case when minute_at >= :since_day then total_fen end), 0) as day_full_fen,
        coalesce(sum(case when minute_at >= :since_day then donations end), 0) as day_full_n
    from per_minute
)
select 'm5' as window, cast(m5_fen as bigint) as total_fen, cast(m5_n as bigint) as donations from sums
union all select 'm15', cast(m15_fen as bigint), cast(m15_n as bigint) from sums
union all select 'm30', cast(m30_fen as bigint), cast(m30_n as bigint) from sums
union all select 'm60', cast(m60_fen as bigint), cast(m60_n as bigint) from sums
union all select 'm180', cast(m180_fen as bigint), cast(m180_n as bigint) from sums
union all select 'day', cast(day_fen as bigint), cast(day_n as bigint) from sums
union all select 'event', cast(event_fen as bigint), cast(event_n as bigint) from sums
union all select 'day_full', cast(day_full_fen as bigint), cast(day_full_n as bigint) from sums
