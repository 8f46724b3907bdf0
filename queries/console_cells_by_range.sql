-- console_cells_by_range: money and 人次 per cell time in several ranges within the console's filters (the
-- console's windows, now and a day before, are sums of these: console/rollup_figures.py).
-- Grain: one row per (range, minute_at: the minute, hour or day of its cells) with at least one cell; the time
-- as minute_epoch, seconds since 1970 (a number, not a time: a whole event's minutes are thousands of zoned times,
-- which cost more to fetch than the query to run). A partial minute's row is known by its piece alone.
-- Parameters: each range's (Store.query_ranges); :category, :project_id, :team_id, :site_id, :street, :channel.
with filtered as (
    -- include: console_cells_filtered
)
select
    piece,
    cast(extract(epoch from minute_at) as bigint) as minute_epoch,
    cast(sum(amount_fen + matched_fen) as bigint) as total_fen,
    cast(sum(donations) as bigint) as donations
from filtered
group by piece, minute_at
