-- screen_minutes: gifts and money per minute since a moment, for the big screen's last-hour chart.
-- Grain: one row per minute that has gifts.
-- Parameters: :since — the first minute (timestamp with zone); :until — the end (exclusive).
select
    minute_at,
    amount_fen + matched_fen as total_fen,
    donations
from rollup_minutes
where minute_at >= :since and minute_at < :until
order by minute_at
