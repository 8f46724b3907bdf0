-- report_by_day: money, 人次 and 人数 per day of the event's zone (the session's time zone) in a window.
-- Grain: one row per day that has events in the window.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive). Events count at their own time (see report_totals); a day's donors
-- (人数) are those of its gifts not refunded in full by :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
money as (
    select
        date_trunc('day', occurred_at) as day_at,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations
    from events
    group by date_trunc('day', occurred_at)
),
refunded as (
    select donation_id
    from adjustments
    where occurred_at < :until
    group by donation_id
    having sum(donation_delta) < 0
),
people as (
    select
        date_trunc('day', d.occurred_at) as day_at,
        count(distinct d.donor_hash) as donors
    from donations d
    left join refunded r on r.donation_id = d.donation_id
    where (cast(:since as timestamp with time zone) is null or d.occurred_at >= :since)
        and d.occurred_at < :until
        and r.donation_id is null
    group by date_trunc('day', d.occurred_at)
)
select
    m.day_at,
    m.amount_fen,
    m.matched_fen,
    m.donations,
    coalesce(p.donors, 0) as donors
from money m
left join people p on p.day_at = m.day_at
order by m.day_at
