-- report_by_period: money, 人次 and 人数 per hour or per day of the event's zone (the session's time zone) in a
-- window, for the report's hourly chart and its days.
-- Grain: one row per period (hour or day) that has events in the window; period_at is the period's start.
-- Parameters: :period — 'hour' or 'day'; :since — the window's first moment (inclusive), or null for everything
-- before :until; :until — the window's end (exclusive). Events count at their own time (see report_totals); a
-- period's donors (人数) are those of its gifts not refunded in full by :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
money as (
    select
        date_trunc(:period, occurred_at) as period_at,
        cast(sum(amount_fen) as bigint) as amount_fen,
        cast(sum(matched_fen) as bigint) as matched_fen,
        cast(sum(donation_count) as bigint) as donations
    from events
    group by date_trunc(:period, occurred_at)
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
        date_trunc(:period, d.occurred_at) as period_at,
        count(distinct d.donor_hash) as donors
    from donations d
    left join refunded r on r.donation_id = d.donation_id
    where (cast(:since as timestamp with time zone) is null or d.occurred_at >= :since)
        and d.occurred_at < :until
        and r.donation_id is null
    group by date_trunc(:period, d.occurred_at)
)
select
    m.period_at,
    m.amount_fen,
    m.matched_fen,
    m.donations,
    coalesce(p.donors, 0) as donors
from money m
left join people p on p.period_at = m.period_at
order by m.period_at
