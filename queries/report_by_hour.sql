-- report_by_hour: money and 人次 per hour of the event's zone (the session's time zone) in a window.
-- Grain: one row per hour that has events in the window.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive). Events count at their own time (see report_totals).
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
)
select
    date_trunc('hour', occurred_at) as hour_at,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from events
group by date_trunc('hour', occurred_at)
order by hour_at
