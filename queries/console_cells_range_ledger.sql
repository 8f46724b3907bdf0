-- console_cells_range_ledger: the ledger's events in one partial minute at a range's edge, summed as
-- store/rollups.add_events sums them into a cell: a branch of console_cells_filtered (its line `-- each range`).
-- The gifts and adjustments are read as the ledger view reads them but from their own tables, each range a scan
-- of its own: the view's join of every adjustment to its gift (for the donor) would read every gift.
-- Every row's time (minute_at) is :from_at: the range lies within one minute.
-- Grain: one row per (project, team, site, channel) with an event in [:from_at, :to_at).
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — within one minute.
select
    cast(:piece as integer) as piece,
    cast(:from_at as timestamp with time zone) as minute_at,
    project_id,
    coalesce(team_id, '') as team_key,
    coalesce(site_id, '') as site_key,
    channel,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations,
    cast(sum(case when kind in ('gift', 'redate') then donation_count else 0 end) as bigint) as gifts,
    cast(sum(case when is_gift then 1 else 0 end) as bigint) as received,
    max(case when is_gift then occurred_at end) as last_gift_at
from (
    select occurred_at, amount_fen, matched_fen, 1 as donation_count, project_id, team_id, site_id, channel,
        cast('gift' as varchar) as kind, true as is_gift
    from donations
    where occurred_at >= :from_at and occurred_at < :to_at
    union all
    select occurred_at, amount_delta_fen, matched_delta_fen, donation_delta, project_id, team_id, site_id,
        channel, kind, false
    from adjustments
    where occurred_at >= :from_at and occurred_at < :to_at
) events
group by project_id, coalesce(team_id, ''), coalesce(site_id, ''), channel
