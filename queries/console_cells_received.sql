-- console_cells_received: the gifts received (as console_latest_gifts lists them) per cell time in several
-- ranges within the console's filters, so the newest gifts are read from the ledger only from the minute that
-- holds the newest of them (console/rollup_figures.py walks back from the newest, finer where it must).
-- Grain: one row per (range, minute_at: the minute, hour or day of its cells) with at least one cell;
-- last_gift_at is the time of its newest gift as received (null: none), where the walk reads finer first.
-- Parameters: each range's (Store.query_ranges); :category, :project_id, :team_id, :site_id, :street, :channel.
with filtered as (
    -- include: console_cells_filtered
)
select piece, minute_at, cast(sum(received) as bigint) as received, max(last_gift_at) as last_gift_at
from filtered
group by piece, minute_at
