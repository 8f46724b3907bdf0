-- console_minute_bars: money and 人次 per bar (minute, hour or day of the session's time zone) from sums by the
-- minute: the end of console_all_minutes and console_cells_minutes, which include it reading their own minutes
-- (`-- include: console_minute_bars with per_minute for rollup_minutes`); alone, the bars of rollup_minutes.
-- Grain: one row per bar with at least one minute, oldest first; bar_epoch_s is its start in seconds since 1970 (a
-- number, not a time: a chart's thousands of times with their zone cost more to fetch than the query to run).
-- Parameters: :unit — 'minute', 'hour' or 'day'.
select
    cast(extract(epoch from date_trunc(:unit, minute_at)) as bigint) as bar_epoch_s,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(gifts) as bigint) as donations
from rollup_minutes
group by date_trunc(:unit, minute_at)
order by bar_epoch_s
