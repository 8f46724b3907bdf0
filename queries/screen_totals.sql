-- screen_totals: the big screen's headline, from the rollups: the whole event and the current day.
-- Grain: one row.
-- Parameters: :day_start, :day_end — the current day's bounds (timestamps with zone).
with event_total as (
    select amount_fen, matched_fen, donations, last_gift_at
    from rollup_totals
    where dim = 'all' and key = ''
),
day_total as (
    select
        cast(coalesce(sum(amount_fen), 0) as bigint) as amount_fen,
        cast(coalesce(sum(matched_fen), 0) as bigint) as matched_fen,
        cast(coalesce(sum(donations), 0) as bigint) as donations
    from rollup_minutes
    where minute_at >= :day_start and minute_at < :day_end
)
select
    coalesce(e.amount_fen, 0) as amount_fen,
    coalesce(e.matched_fen, 0) as matched_fen,
    coalesce(e.amount_fen, 0) + coalesce(e.matched_fen, 0) as total_fen,
    coalesce(e.donations, 0) as donations,
    e.last_gift_at,
    d.amount_fen as day_amount_fen,
    d.matched_fen as day_matched_fen,
    d.donations as day_donations
from day_total d
left join event_total e on 1 = 1
