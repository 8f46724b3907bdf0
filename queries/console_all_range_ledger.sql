-- console_all_range_ledger: the ledger's events in one partial minute at a range's edge with no filter, as
-- console_all_range_minute gives a minute: a branch of console_all_minutes (its line `-- each range`).
-- Grain: one row per (minute, project, team, site, channel) with an event in [:from_at, :to_at).
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — within one minute.
select piece, minute_at, amount_fen, matched_fen, gifts
from (
    -- include: console_cells_range_ledger
) cells
