-- console_cells_range_ledger: the ledger's events in the partial minutes at ranges' edges, each a row shaped as a
-- cell (store/rollups.add_events sums them so): one branch of console_cells_filtered (its line `-- each range`) for
-- all the statement's partial minutes: `{in_ranges(occurred_at)}` keeps the events of any of them, and
-- `{piece(occurred_at)}` and `{range_start(occurred_at)}` say which (Store.query_ranges).
-- The gifts and adjustments are read as the ledger view reads them but from their own tables: the view's join of
-- every adjustment to its gift (for the donor) would read every gift. Not summed here: every question sums its
-- cells itself.
-- Every row's time (minute_at) is its range's start: a range lies within one minute.
-- Grain: one row per event (gift or adjustment) in one of the ranges.
-- Parameters: each range's :piece (its place among the statement's ranges), :from_at and :to_at (within one
-- minute), numbered.
select
    {piece(occurred_at)} as piece,
    {range_start(occurred_at)} as minute_at,
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
    select occurred_at, project_id, team_id, site_id, channel, amount_fen, matched_fen, 1 as donations, 1 as gifts,
        1 as received, occurred_at as last_gift_at
    from donations
    where {in_ranges(occurred_at)}
    union all
    select occurred_at, project_id, team_id, site_id, channel, amount_delta_fen, matched_delta_fen, donation_delta,
        case when kind in ('gift', 'redate') then donation_delta else 0 end, 0,
        cast(null as timestamp with time zone)
    from adjustments
    where {in_ranges(occurred_at)}
) events
