-- console_all_range_ledger: the ledger's events in the partial minutes at ranges' edges with no filter, as
-- console_all_range_minute gives a minute: a branch of console_all_minutes and of console_all_by_range, at their
-- line `-- each range`.
-- Grain: one row per event in one of the ranges (their partial minutes read in one branch).
-- Parameters: each range's :piece, :from_at and :to_at (within one minute), numbered.
select piece, minute_at, amount_fen, matched_fen, donations, gifts
from (
    -- include: console_cells_range_ledger
) cells
