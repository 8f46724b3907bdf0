-- console_all_minutes: console_minutes with no filter, from rollup_minutes (one row a minute, not a cell each
-- project, team, site and channel) and the ledger's partial minutes at the range's edges.
-- Grain: one row per bar (minute, hour or day of the session's time zone) with at least one minute, oldest first.
-- Parameters: each range's (Store.query_ranges: kinds minute and ledger); :unit — 'minute', 'hour' or 'day'.
with per_minute as (
    -- each range: console_all_range
)
-- include: console_minute_bars with per_minute for rollup_minutes
