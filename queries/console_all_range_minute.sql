-- console_all_range_minute: money and 人次 of whole minutes with no filter (rollup_minutes) in one range: a branch
-- of console_all_minutes and of console_all_by_range, at their line `-- each range`, the range's parameters
-- numbered there.
-- Grain: one row per minute in [:from_at, :to_at) with an event.
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — on a minute.
select cast(:piece as integer) as piece, minute_at, amount_fen, matched_fen, donations, gifts
from rollup_minutes
where minute_at >= :from_at and minute_at < :to_at
