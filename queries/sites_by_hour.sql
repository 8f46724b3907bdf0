-- sites_by_hour: money and 人次 per site and clock hour, to set beside the volunteers on shift there
-- (console/volunteers.py: money per volunteer-hour). A gift with a team but no site counts for the team's home
-- site, as in totals_by_site.
-- Grain: one row per site, day and hour (of the session's time zone, the event's) with at least one money event
-- in the window; gifts without a site are left out.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything. Events count at their own time (ledger_window).
with events as (
    -- include: ledger_window
),
located as (
    select
        site_id,
        cast(occurred_at as date) as day,
        cast(extract(hour from occurred_at) as integer) as hour,
        amount_fen,
        matched_fen,
        case when kind in ('gift', 'redate') then donation_count else 0 end as gifts
    from events
    where site_id is not null
)
select
    site_id,
    day,
    hour,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(gifts) as bigint) as donations
from located
group by site_id, day, hour
order by site_id, day, hour
