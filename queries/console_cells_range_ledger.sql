-- console_cells_range_ledger: the ledger's events in one partial minute at a range's edge, each a row shaped as a
-- cell (store/rollups.add_events sums them so): a branch of console_cells_filtered (its line `-- each range`).
-- The gifts and adjustments are read as the ledger view reads them but from their own tables, each range a scan
-- of its own: the view's join of every adjustment to its gift (for the donor) would read every gift. Not summed
-- here: every question sums its cells itself, and a group by in each of a statement's many branches costs more
-- than the few thousand rows of a minute.
-- Every row's time (minute_at) is :from_at: the range lies within one minute.
-- Grain: one row per event (gift or adjustment) in [:from_at, :to_at).
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — within one minute.
select
    cast(:piece as integer) as piece,
    cast(:from_at as timestamp with time zone) as minute_at,
    project_id,
    coalesce(team_id, '') as team_key,
    coalesce(site_id, '') as site_key,
    channel,
    amount_fen,
    matched_fen,
    donations,
    gifts,
    received,
    last_gift_at
from (
    select project_id, team_id, site_id, channel, amount_fen, matched_fen, 1 as donations, 1 as gifts,
        1 as received, occurred_at as last_gift_at
    from donations
    where occurred_at >= :from_at and occurred_at < :to_at
    union all
    select project_id, team_id, site_id, channel, amount_delta_fen, matched_delta_fen, donation_delta,
        case when kind in ('gift', 'redate') then donation_delta else 0 end, 0,
        cast(null as timestamp with time zone)
    from adjustments
    where occurred_at >= :from_at and occurred_at < :to_at
) events
