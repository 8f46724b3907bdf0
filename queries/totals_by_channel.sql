-- totals_by_channel: money raised per channel (qr, livestream, corporate, bank, offline).
-- Grain: one row per channel that has gifts.
-- Parameters: :since — the window's first moment (inclusive), or null for everything before :until;
-- :until — the window's end (exclusive), or null for everything. Events (gifts, refunds, corrections)
-- count at their own time, so a window is the ledger as of :until.
-- events: the ledger's events in the window (ledger_window).
with events as (
    -- include: ledger_window
)
select
    channel as key,
    channel as name,
    cast(sum(amount_fen) as bigint) as amount_fen,
    cast(sum(matched_fen) as bigint) as matched_fen,
    cast(sum(donation_count) as bigint) as donations
from events
group by channel
order by sum(amount_fen) + sum(matched_fen) desc, channel
