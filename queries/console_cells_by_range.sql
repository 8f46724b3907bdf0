-- console_cells_by_range: money and 人次 per cell time in several ranges within the console's filters (the
-- console's windows, now and a day before, are sums of these: console/rollup_figures.py).
-- Grain: one row per (range, minute_at: the minute, hour or day of its cells) with at least one cell.
-- Parameters: each range's (Store.query_ranges); :category, :project_id, :team_id, :site_id, :street, :channel.
with filtered as (
    -- include: console_cells_filtered
)
select
    piece,
    minute_at,
    cast(sum(amount_fen + matched_fen) as bigint) as total_fen,
    cast(sum(donations) as bigint) as donations
from filtered
group by piece, minute_at
