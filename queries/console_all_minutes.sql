-- console_all_minutes: console_minutes with no filter, from rollup_minutes (one row a minute, not a cell each
-- project, team, site and channel) and the ledger's partial minutes at the range's edges.
-- Grain: one row per bar (minute, hour or day of the session's time zone) with at least one minute, oldest first.
-- Parameters: each range's (Store.query_ranges: kinds minute and ledger); :unit — 'minute', 'hour' or 'day'.
with events as (
    -- each range: console_all_range
)
select
    date_trunc(:unit, minute_at) as bar_at,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(gifts) as bigint) as donations
from events
group by date_trunc(:unit, minute_at)
order by bar_at
