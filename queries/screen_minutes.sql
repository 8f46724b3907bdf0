-- screen_minutes: money and gifts per minute since a moment, for the big screen's last-hour chart.
-- Grain: one row per minute that has gifts (at most 61).
-- Parameters: :since, :until — the window (timestamps with zone, until inclusive).
select
    cast(extract(epoch from minute_at) as bigint) as minute_epoch,
    amount_fen + matched_fen as total_fen,
    donations
from rollup_minutes
where minute_at >= :since and minute_at <= :until
order by minute_at
