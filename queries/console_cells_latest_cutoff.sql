-- console_cells_latest_cutoff: the latest minute at or after which the newest :limit_n gifts within the console's
-- filters lie (received gifts, as console_latest_gifts lists them), so that query reads the ledger from there on.
-- Grain: one row; cutoff_at is null when the range holds fewer gifts (read it all).
-- Parameters: :from_at, :to_at — the whole minutes before the range's end; :limit_n; :category, :project_id,
-- :team_id, :site_id, :street, :channel — each null for all.
with filtered as (
    -- include: console_cells_filtered
),
per_minute as (
    select minute_at, sum(received) as received
    from filtered
    group by minute_at
),
counted as (
    select minute_at, sum(received) over (order by minute_at desc rows unbounded preceding) as newer_n
    from per_minute
)
select max(minute_at) as cutoff_at
from counted
where newer_n >= :limit_n
