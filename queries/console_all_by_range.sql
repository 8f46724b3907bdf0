-- console_all_by_range: console_cells_by_range with no filter, from rollup_minutes (a row a minute, not a cell each
-- project, team, site and channel: a whole event is a few thousand rows there) and the ledger's partial minutes.
-- Grain: one row per (range, minute) with an event, its time as minute_epoch (console_cells_by_range says why); a
-- partial minute's row is known by its piece alone.
-- Parameters: each range's (Store.query_ranges: kinds minute and ledger).
with per_minute as (
    -- each range: console_all_range
)
select
    piece,
    cast(extract(epoch from minute_at) as bigint) as minute_epoch,
    cast(sum(amount_fen + matched_fen) as bigint) as total_fen,
    cast(sum(donations) as bigint) as donations
from per_minute
group by piece, minute_at
