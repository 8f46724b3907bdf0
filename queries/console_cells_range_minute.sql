-- console_cells_range_minute: the console's cells of whole minutes (rollup_cells) in one range: a branch of
-- console_cells_filtered (its line `-- each range`), the range's parameters numbered there. The hours' and the
-- days' branches are this one reading their own table (console_cells_range_hour, console_cells_range_day).
-- Grain: one row per cell (one minute of one project, team, site and channel) in [:from_at, :to_at).
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — on a minute.
select
    cast(:piece as integer) as piece, c.minute_at, c.project_id, c.team_key, c.site_key, c.channel, c.amount_fen,
    c.matched_fen, c.donations, c.gifts, c.received, c.last_gift_at
from rollup_cells c
where c.minute_at >= :from_at and c.minute_at < :to_at
