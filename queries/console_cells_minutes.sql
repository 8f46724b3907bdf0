-- console_cells_minutes: console_minutes from the rollup cells: money and 人次 per minute (or hour, or day) in a
-- range within the console's filters (its whole days, hours, minutes, none coarser than a bar, and the ledger's
-- partial minutes: console_cells_filtered).
-- Grain: one row per bar (minute, hour or day of the session's time zone) with at least one cell, oldest first.
-- Parameters: each range's (Store.query_ranges); :unit — 'minute', 'hour' or 'day';
-- :category, :project_id, :team_id, :site_id, :street, :channel — each null for all.
-- The cells are summed by the minute before the bars are cut: a zoned date_trunc costs more than the sums, so it
-- runs on a few thousand cell times, not on every cell.
with filtered as (
    -- include: console_cells_filtered
),
per_minute as (
    select minute_at, sum(amount_fen) as amount_fen, sum(matched_fen) as matched_fen, sum(gifts) as gifts
    from filtered
    group by minute_at
)
-- include: console_minute_bars with per_minute for rollup_minutes
