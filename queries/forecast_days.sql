-- forecast_days: each day's money as of a moment, split as the forecast reads it (forecast/model.py): regular
-- public money (each event below :large_fen, refunds and corrections by their own size), the same from the minute
-- matching opens, large gifts, matching, and 人次.
-- Grain: one row per day of the session's time zone with events in the window, oldest first; day_at is the
-- day's midnight.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until; :until —
-- the moment (exclusive); :large_fen — an event this large or larger (either sign) is a large gift's;
-- :opens_minute — the minute of the day matching opens (600 for 10:00).
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
),
split as (
    select
        date_trunc('day', occurred_at) as day_at,
        abs(amount_fen) >= :large_fen as is_large,
        extract(hour from occurred_at) * 60 + extract(minute from occurred_at) >= :opens_minute as is_after_open,
        amount_fen,
        matched_fen,
        donation_count
    from events
)
select
    day_at,
    cast(coalesce(sum(case when not is_large then amount_fen end), 0) as bigint) as regular_fen,
    cast(coalesce(sum(case when not is_large and is_after_open then amount_fen end), 0) as bigint)
        as regular_after_open_fen,
    cast(coalesce(sum(case when is_large then amount_fen end), 0) as bigint) as large_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from split
group by day_at
order by day_at
