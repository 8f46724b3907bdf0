-- console_cells_range_ledger: the ledger's events in one partial minute at a range's edge, summed as
-- store/rollups.add_events sums them into a cell: a branch of console_cells_filtered (its line `-- each range`).
-- Grain: one row per (minute, project, team, site, channel) with an event in [:from_at, :to_at).
-- Parameters: :piece — the range's place among the statement's ranges; :from_at, :to_at — within one minute.
select
    cast(:piece as integer) as piece,
    date_trunc('minute', occurred_at) as minute_at,
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
from ledger
where occurred_at >= :from_at and occurred_at < :to_at
group by date_trunc('minute', occurred_at), project_id, coalesce(team_id, ''), coalesce(site_id, ''), channel
